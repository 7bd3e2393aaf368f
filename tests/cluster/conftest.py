"""The local cluster for the tests: started once per session (or reused when `make cluster` already runs it, and
then left running), stopped at the end when the tests started it."""
import pytest

from localcluster import cluster, deploy, processes
from stacks.loader import load_offline


@pytest.fixture(scope="session")
def local_cluster():
    was_running = processes.running("kube-apiserver") is not None
    cluster.up(3)
    yield
    if not was_running:
        cluster.down()


class Stack:
    """One stack deployed on the local cluster by a real `pulumi up`, with optional setting overrides."""

    def __init__(self, name: str):
        self.name = name
        self.settings = load_offline(name).settings

    def up(self, overrides: dict | None = None, *extra: str, secrets: dict | None = None):
        deploy.up(self.name, *extra, overrides=overrides, secrets=secrets)

    def pulumi(self, *args: str, overrides: dict | None = None, check: bool = True):
        config = deploy.config_file(self.name, deploy.load_app_image(), overrides)
        return deploy.pulumi(self.name, *args, config=config, check=check, capture=True)

    def destroy(self):
        deploy.destroy(self.name)


@pytest.fixture(scope="module")
def stack(request, local_cluster):
    """The stack a module's tests run against (parametrised by the module), deployed for them and destroyed after
    them."""
    deployed = Stack(request.param)
    deployed.up()
    yield deployed
    deployed.destroy()


def pytest_generate_tests(metafunc):
    if "stack" in metafunc.fixturenames:
        metafunc.parametrize("stack", metafunc.module.STACKS, indirect=True, scope="module")
