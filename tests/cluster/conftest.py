"""Stacks deployed by a real `pulumi up` on the local cluster (tests/conftest.py starts it once per session)."""
import json
import subprocess

import pytest

from localcluster import deploy
from localcluster.cluster import ClusterError
from django_observability.settings.loader import load_offline
from tests.helpers import is_secret


def _without_ciphertexts(value):
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {key: _without_ciphertexts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_ciphertexts(item) for item in value]
    return value


class Stack:
    """One stack deployed on the local cluster by a real `pulumi up`, with optional setting overrides, beside the
    platform's monitoring install `platform` (localcluster/monitoring.py)."""

    def __init__(self, name: str, platform=None):
        self.name = name
        self.platform = platform
        self.settings = load_offline(name).settings
        [self.app] = self.settings.apps  # the stacks here hold one app each

    @property
    def alertmanager_name(self) -> str:
        return self.settings.alertmanager.resource_name(self.name)

    def up(self, overrides: dict | None = None, *extra: str, secrets: dict | None = None):
        deploy.up(self.name, *extra, overrides=overrides, secrets=secrets)

    def pulumi(self, *args: str, overrides: dict | None = None, secrets: dict | None = None, check: bool = True,
               **options):
        config = deploy.configured(self.name, deploy.load_app_image(), overrides, secrets)
        return deploy.pulumi(self.name, *args, config=config, check=check, capture=True, **options)

    def state(self) -> dict:
        """Every resource's outputs by URN, from `pulumi stack export`; a secret's ciphertext, which every export
        encrypts anew, stands as one marker."""
        exported = json.loads(deploy.pulumi(self.name, "stack", "export", capture=True).stdout)
        return {r["urn"]: _without_ciphertexts(r.get("outputs")) for r in exported["deployment"].get("resources", [])}

    def destroy(self):
        deploy.destroy(self.name)

    def destroy_after_interruption(self):
        """destroy, also when a test was stopped in the middle of a run: its pending operations (objects that
        the namespace's deletion takes along) are dropped first, so the next module finds the cluster free."""
        try:
            self.destroy()
        except (ClusterError, subprocess.CalledProcessError):
            self.pulumi("refresh", "--yes", "--clear-pending-creates", check=False)
            self.destroy()


@pytest.fixture(scope="module")
def platform(request, local_cluster):
    """The monitoring install a module runs beside (its MONITORING, default kube-prometheus-stack), switched to for
    the module and back to the default after it."""
    from localcluster import monitoring
    from tests.cluster.kube import switch_monitoring

    name = getattr(request.module, "MONITORING", monitoring.DEFAULT)
    try:
        yield switch_monitoring(name)
    finally:
        switch_monitoring(monitoring.DEFAULT)


@pytest.fixture(scope="module")
def stack(request, platform):
    """The stack a module's tests run against (parametrised by the module), deployed for them and destroyed after
    them."""
    deployed = Stack(request.param, platform)
    try:
        deployed.up()
        yield deployed
    finally:
        deployed.destroy_after_interruption()


def pytest_generate_tests(metafunc):
    if "stack" in metafunc.fixturenames:
        metafunc.parametrize("stack", metafunc.module.STACKS, indirect=True, scope="module")
