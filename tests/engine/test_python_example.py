"""The Python example (examples/python-two-apps) as a platform team runs it: its own project, the package imported
from the virtual environment, previewed through the real engine with the Kubernetes provider in render mode."""
import json
import shutil
import subprocess
from collections import Counter

import pytest
import yaml

from tests.helpers import ROOT

pytestmark = pytest.mark.engine


def test_python_program_previews_two_apps_and_one_alertmanager(engine, tmp_path):
    copy = tmp_path / "python-two-apps"
    shutil.copytree(ROOT / "examples/python-two-apps", copy)
    project = yaml.safe_load((copy / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")  # where this checkout installed the package
    (copy / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    env = engine.environment("dev", render_dir=tmp_path / "rendered",
                             env={"DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{tmp_path / 'state'}"})

    def run(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([str(ROOT / "tools/pulumi.sh"), "--cwd", str(copy), *args], capture_output=True,
                                text=True, env=env, timeout=600, cwd=tmp_path)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    run("stack", "init", "dev")
    run("config", "rm", "kubernetes:context")  # render mode instead of a cluster
    run("config", "set", "kubernetes:renderYamlToDirectory", str(tmp_path / "rendered"))
    run("config", "set", "--secret", "slackWebhookUrl", "https://hooks.slack.example/services/T0/B0/demo")
    states = [step["newState"] for step in json.loads(run("preview", "--json").stdout)["steps"]]
    kinds = Counter(state["type"] for state in states)
    assert kinds["django-observability:index:DjangoApp"] == 2
    assert kinds["django-observability:index:AlertmanagerCluster"] == 1
    assert kinds["kubernetes:apps/v1:Deployment"] == 2 and kinds["kubernetes:monitoring.coreos.com/v1:Alertmanager"] == 1
    assert not (tmp_path / "rendered").exists()  # a preview writes nothing
