"""Every rendered Kubernetes object passes schema validation: core kinds with `kubernetes-validate --strict`,
prometheus-operator kinds against the operator's models (unknown fields rejected by a round trip)."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import STACKS

OPERATOR_KINDS = ("ServiceMonitor", "Alertmanager", "PrometheusRule")
VALIDATE = str(Path(sys.executable).parent / "kubernetes-validate")
pytestmark = pytest.mark.slow  # kubernetes-validate loads every schema per run, the operator's models take seconds to import


def _objects(directory: Path):
    return [(path, yaml.safe_load(path.read_text())) for path in sorted(directory.glob("*.yaml"))]


def _kubernetes_validate(paths):
    return subprocess.run([VALIDATE, "--strict", "--no-warn", *map(str, paths)], capture_output=True, text=True,
                          timeout=120)


def _operator_validate(obj: dict) -> None:
    from cloudcoil.models.prometheus_operator import v1 as operator  # seconds to import: only where it is used

    model = getattr(operator, obj["kind"]).model_validate(obj)
    assert model.model_dump(mode="json", by_alias=True, exclude_unset=True) == obj, "fields the operator does not know"


@pytest.mark.parametrize("stack", STACKS)
def test_core_objects_pass_strict_schema_validation(rendered, stack):
    core = [path for path, obj in _objects(rendered[stack]) if obj["kind"] not in OPERATOR_KINDS]
    assert len(core) >= 5
    result = _kubernetes_validate(core)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(core), result.stdout


@pytest.mark.parametrize("stack", STACKS)
def test_operator_objects_match_the_operator_models(rendered, stack):
    kinds = []
    for _, obj in _objects(rendered[stack]):
        if obj["kind"] in OPERATOR_KINDS:
            _operator_validate(obj)
            kinds.append(obj["kind"])
    assert {"ServiceMonitor", "Alertmanager"} <= set(kinds)


def test_validators_can_fail(rendered, tmp_path):
    """Negative controls: a misspelt field fails both validators."""
    path, deployment = next((p, o) for p, o in _objects(rendered["prod"]) if o["kind"] == "Deployment")
    deployment["spec"]["replicaz"] = 3
    broken = tmp_path / path.name
    broken.write_text(yaml.safe_dump(deployment))
    assert _kubernetes_validate([broken]).returncode != 0
    _, monitor = next((p, o) for p, o in _objects(rendered["prod"]) if o["kind"] == "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["scrapeTimout"] = "5s"
    with pytest.raises(AssertionError):
        _operator_validate(monitor)


def test_render_is_deterministic(rendered, tmp_path):
    from django_observability import render

    render.render("prod", tmp_path)
    first = {path.relative_to(rendered["prod"]): path.read_bytes() for path in rendered["prod"].rglob("*") if path.is_file()}
    again = {path.relative_to(tmp_path / "prod"): path.read_bytes() for path in (tmp_path / "prod").rglob("*") if path.is_file()}
    assert first == again
    text = (rendered["prod"] / "deployment-app-app-django.yaml").read_text()
    assert "replicas: 3\n" in text and "containerPort: 5005\n" in text and "&id" not in text
