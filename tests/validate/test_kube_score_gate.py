"""kube-score (built from its Go module) on every stack's rendered objects, every optional check enabled and a
warning failing the run: nothing is ignored for a whole run, a check wrong for one object is ignored on that object
with its reason next to it, and docs/hardening.md lists each of those reasons."""
import re

import pytest
import yaml

from django_observability.builders.kube_score import IGNORE_ANNOTATION, REASON_ANNOTATION
from tests.helpers import ROOT
from tests.helpers import STACKS
from tests.kube_score import findings, score


def _objects(directory):
    """Every rendered Kubernetes object (the alertmanager/ folder holds config text, not objects)."""
    return sorted(directory.glob("*.yaml"))


@pytest.mark.tools
@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes(rendered, stack):
    result = score(_objects(rendered[stack]))
    assert result.returncode == 0 and findings(result) == [], result.stdout + result.stderr


def _ignores(directory) -> dict[str, str]:
    ignores = {}
    for path in _objects(directory):
        annotations = (yaml.safe_load(path.read_text())["metadata"].get("annotations") or {})
        for check in filter(None, annotations.get(IGNORE_ANNOTATION, "").split(",")):
            ignores[check] = annotations.get(f"{REASON_ANNOTATION}{check}", "")
    return ignores


@pytest.mark.parametrize("stack", STACKS)
def test_every_ignore_has_its_reason_on_the_object_and_in_the_docs(rendered, stack):
    page = (ROOT / "docs/hardening.md").read_text()
    for check, reason in _ignores(rendered[stack]).items():
        assert len(reason) >= 10, f"{stack}: {check} is ignored without a reason"
        assert re.search(rf"^\| `{re.escape(check)}` \|.*\| {re.escape(reason)} \|$", page, re.M), (
            f"docs/hardening.md's kube-score table should list {check} with: {reason}")


def _broken(rendered, tmp_path, change) -> list:
    """prod's objects with its Deployment changed by `change`."""
    for path in _objects(rendered["prod"]):
        document = yaml.safe_load(path.read_text())
        if document["kind"] == "Deployment":
            change(document["spec"]["template"]["spec"]["containers"][0])
        (tmp_path / path.name).write_text(yaml.safe_dump(document))
    return _objects(tmp_path)


@pytest.mark.tools
def test_identical_probes_fail(rendered, tmp_path):
    def same_probes(container):
        container["livenessProbe"] = dict(container["readinessProbe"])
    result = score(_broken(rendered, tmp_path, same_probes))
    assert result.returncode != 0 and "Container has the same readiness and liveness probe" in result.stdout


@pytest.mark.tools
def test_missing_storage_limits_fail(rendered, tmp_path):
    def no_storage_limit(container):
        del container["resources"]["limits"]["ephemeral-storage"]
    result = score(_broken(rendered, tmp_path, no_storage_limit))
    assert result.returncode != 0 and "Ephemeral Storage limit is not set" in result.stdout
