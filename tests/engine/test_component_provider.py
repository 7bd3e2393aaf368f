"""The components from another Pulumi language: the YAML example (examples/yaml-two-apps) adds the component provider
(provider/) with `pulumi package add` and previews it through the real engine (CLI, the patched Python language host
running the provider from its folder, the YAML language host, the Kubernetes provider in render mode) on a temporary
local backend."""
import json
import re
import shutil
import subprocess
from collections import Counter

import pytest
import yaml

from tests.helpers import ROOT

pytestmark = pytest.mark.engine

EXAMPLE = ROOT / "examples/yaml-two-apps"
PROVIDER = ROOT / "provider"
PACKAGE = "django-observability"
ADDED = f"packages:\n  {PACKAGE}: ../../provider\n"
"""What `pulumi package add ../../provider` wrote into the example's Pulumi.yaml."""


@pytest.fixture
def program(engine, tmp_path):
    """A copy of the example without its package entry, added again with `pulumi package add`, on a stack `dev`
    of its own backend that renders to a temporary folder. Returns `run(*pulumi_args, check=True)`."""
    copy = tmp_path / "yaml-two-apps"
    shutil.copytree(EXAMPLE, copy)
    project = copy / "Pulumi.yaml"
    assert ADDED in project.read_text()
    project.write_text(project.read_text().replace(ADDED, ""))
    env = engine.environment("dev", render_dir=tmp_path / "rendered",
                             env={"DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{tmp_path / 'state'}"})

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(ROOT / "tools/pulumi.sh"), "--cwd", str(copy), *args], capture_output=True,
                                text=True, env=env, timeout=600, cwd=ROOT)
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    added = run("package", "add", str(PROVIDER))
    assert f"Added package {PACKAGE}" in added.stdout + added.stderr
    assert yaml.safe_load(project.read_text())["packages"] == {PACKAGE: str(PROVIDER)}
    run("stack", "init", "dev")
    run("config", "rm", "kubernetes:context")  # render mode instead of a cluster
    run("config", "set", "kubernetes:renderYamlToDirectory", str(tmp_path / "rendered"))
    run("config", "set", "--secret", "slackWebhookUrl", "https://hooks.slack.example/services/T0/B0/demo")
    run.project = project
    return run


def _steps(preview: subprocess.CompletedProcess) -> list[dict]:
    return [step["newState"] for step in json.loads(preview.stdout)["steps"]]


def test_yaml_program_previews_two_apps_and_one_alertmanager(program, tmp_path):
    states = _steps(program("preview", "--json"))
    by_urn = {state["urn"]: state for state in states}
    kinds = Counter(state["type"] for state in states)
    assert kinds[f"{PACKAGE}:index:DjangoApp"] == 2 and kinds[f"{PACKAGE}:index:AlertmanagerCluster"] == 1
    assert kinds["kubernetes:apps/v1:Deployment"] == 2 and kinds["kubernetes:monitoring.coreos.com/v1:ServiceMonitor"] == 2
    assert kinds["kubernetes:monitoring.coreos.com/v1:Alertmanager"] == 1
    # Each app's objects belong to its own component.
    owners = Counter(by_urn[state["parent"]]["urn"].rsplit("::", 1)[1] for state in states
                     if state["type"] == "kubernetes:apps/v1:Deployment")
    assert owners == {"shop": 1, "checkout": 1}

    text = program("preview", "--non-interactive").stdout
    targets = re.search(r"scrapeTargets\s*: \{\s*checkout: (\d+)\s*shop\s*: (\d+)\s*\}", text)
    assert targets and targets.groups() == ("2", "8"), text[-3000:]  # 1 × 2 workers; 2 replicas × 4 workers
    assert 'name      : "alertmanager-shop-alerts"' in text  # the cluster's own Service, never alertmanager-operated
    assert not (tmp_path / "rendered").exists()  # a preview writes nothing


def test_bad_argument_is_one_line_naming_it(program):
    program.project.write_text(program.project.read_text().replace("webConcurrency: 4", "webConcurrency: 0"))
    result = program("preview", "--non-interactive", check=False)
    assert result.returncode != 0
    assert "DjangoApp 'shop' has 1 invalid argument(s); nothing was registered:" in result.stdout
    assert re.search(r"^\s+web_concurrency: 0 — ", result.stdout, re.MULTILINE), result.stdout[-3000:]
    assert "Traceback" not in result.stdout + result.stderr and "web_concurrency: 0.0" not in result.stdout


def test_argument_of_the_wrong_type_is_refused_by_the_schema(program):
    program.project.write_text(program.project.read_text().replace("webConcurrency: 4", "webConcurrency: four"))
    result = program("preview", "--non-interactive", check=False)
    assert result.returncode != 0
    assert "webConcurrency: Cannot assign type 'string' to type 'integer'" in result.stdout, result.stdout[-3000:]


def test_another_resources_output_as_a_setting_is_refused_naming_it(program):
    text = program.project.read_text().replace("namespace: checkout", "namespace: ${shop.namespace}")
    program.project.write_text(text)
    result = program("preview", "--non-interactive", check=False)
    assert result.returncode != 0
    assert "namespace: is another resource's output, a secret or unknown until deployed" in result.stdout, \
        result.stdout[-3000:]
