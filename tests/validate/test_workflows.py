"""The delivery workflows pass actionlint (built from its Go module), and preview and deploy every stack."""
import subprocess

import pytest
import yaml

from localrun.tools import go_tool
from tests.helpers import ROOT
from tests.helpers import STACKS

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def actionlint() -> str:
    return go_tool("actionlint")


def _lint(actionlint: str, *paths) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint, "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=120)


@pytest.mark.tools
def test_workflows_pass_actionlint(actionlint):
    assert len(WORKFLOWS) == 4
    result = _lint(actionlint, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.tools
def test_actionlint_can_fail(actionlint, tmp_path):
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text((ROOT / ".github/workflows/pull-request.yml").read_text().replace("runs-on:", "runs_on:", 1))
    assert _lint(actionlint, broken).returncode != 0


def test_every_stack_is_previewed_after_the_tests():
    workflow = yaml.safe_load((ROOT / ".github/workflows/pull-request.yml").read_text())
    preview = workflow["jobs"]["preview"]
    assert preview["needs"] == "test" and preview["strategy"]["matrix"]["stack"] == list(STACKS)
    [action] = [step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["command"] == "preview" and action["with"]["comment-on-pr"] is True
    assert workflow["jobs"]["test"]["uses"] == "./.github/workflows/test.yml"
    test = yaml.safe_load((ROOT / ".github/workflows/test.yml").read_text())
    assert any(step.get("run") == "bash .ci/run" for step in test["jobs"]["test"]["steps"])


def test_deploy_promotes_dev_then_acceptance_then_prod():
    jobs = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())["jobs"]
    assert [jobs[stack]["with"]["stack"] for stack in STACKS] == list(STACKS)
    assert (jobs["dev"]["needs"], jobs["acceptance"]["needs"], jobs["prod"]["needs"]) == ("test", "dev", "acceptance")
    up = yaml.safe_load((ROOT / ".github/workflows/up.yml").read_text())["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"
