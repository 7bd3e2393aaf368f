"""The delivery workflows pass actionlint (built from its Go module), run where they say they run, run only this
repository's make targets and scripts, read only secrets and variables that docs/delivery.md documents, and preview
and deploy every stack."""
import re
import subprocess

import pytest
import yaml

from localrun.tools import go_tool
from tests.helpers import ROOT, STACKS, pinned_versions

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github/actions").glob("*/action.yml"))
DELIVERY = ROOT / "docs/delivery.md"
NEEDS_ROOT = {"test", "tools", "images", "cluster", "cluster-down", "up", "destroy", "e2e", "swarm", "swarm-down",
              "bench"}
"""make targets that need root on the machine (network namespaces, mounts, iptables, image builds): never on a
GitHub-hosted runner."""


def _load(path) -> dict:
    return yaml.safe_load(path.read_text())


def _steps(document: dict) -> list[tuple[str, dict]]:
    """(where, step) of every step of a workflow's jobs or of a composite action."""
    if "runs" in document:
        return [("action", step) for step in document["runs"].get("steps", [])]
    return [(name, step) for name, job in document.get("jobs", {}).items() for step in job.get("steps", [])]


def _make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][A-Za-z0-9_-]*):(?!=)", (ROOT / "Makefile").read_text(), re.M))


def unknown_commands(documents: dict[str, dict]) -> list[str]:
    """Each line of a `run:` that is neither `make` of this Makefile's targets nor an executable of this repository."""
    targets, unknown = _make_targets(), []
    for where, document in documents.items():
        for job, step in _steps(document):
            for line in filter(None, (line.strip() for line in step.get("run", "").splitlines())):
                command, *args = line.split()
                if command == "make":
                    missing = [arg for arg in args if not arg.startswith("-") and "=" not in arg and arg not in targets]
                    unknown += [f"{where} {job}: make {target}" for target in missing]
                elif not ((ROOT / command).is_file() and (ROOT / command).stat().st_mode & 0o111):
                    unknown.append(f"{where} {job}: {line}")
    return unknown


def undocumented(texts: dict[str, str], documentation: str) -> list[str]:
    """Each secret or variable a workflow reads that the documentation does not name (as `NAME`)."""
    names = {name for text in texts.values() for name in re.findall(r"\$\{\{\s*(?:secrets|vars)\.(\w+)", text)}
    return sorted(name for name in names if f"`{name}`" not in documentation)


def _hosted_make_targets(documents: dict[str, dict]) -> dict[str, set[str]]:
    """make targets run by each job on a GitHub-hosted runner (ubuntu-*), the actions it uses included."""
    actions = {f"./{path.parent.relative_to(ROOT).as_posix()}": _load(path) for path in ACTIONS}
    found = {}
    for where, document in documents.items():
        for name, job in document.get("jobs", {}).items():
            if not str(job.get("runs-on", "")).startswith("ubuntu-"):
                continue
            steps = [step for step in job.get("steps", [])]
            steps += [step for used in steps if used.get("uses") in actions for _, step in _steps(actions[used["uses"]])]
            found[f"{where} {name}"] = {target for step in steps for line in step.get("run", "").splitlines()
                                        if line.split()[:1] == ["make"] for target in line.split()[1:]}
    return found


def _documents() -> dict[str, dict]:
    return {path.relative_to(ROOT).as_posix(): _load(path) for path in [*WORKFLOWS, *ACTIONS]}


@pytest.fixture(scope="module")
def actionlint() -> str:
    return go_tool("actionlint")


def _lint(actionlint: str, *paths) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint, "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=120)


@pytest.mark.tools
def test_workflows_pass_actionlint(actionlint):
    assert len(WORKFLOWS) == 5
    result = _lint(actionlint, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.tools
def test_actionlint_can_fail(actionlint, tmp_path):
    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text((ROOT / ".github/workflows/pull-request.yml").read_text().replace("runs-on:", "runs_on:", 1))
    assert _lint(actionlint, broken).returncode != 0


def test_every_run_line_is_a_make_target_or_a_script_of_the_repository():
    assert unknown_commands(_documents()) == []


def test_a_missing_target_or_script_is_found():
    broken = {"w.yml": {"jobs": {"j": {"steps": [{"run": "make test-hosted\nmake no-such-target"},
                                                 {"run": "bash .ci/run"}, {"run": ".ci/stack-setup"}]}}}}
    assert unknown_commands(broken) == ["w.yml j: make no-such-target", "w.yml j: bash .ci/run"]


def test_every_secret_and_variable_the_workflows_read_is_documented():
    texts = {path.name: path.read_text() for path in [*WORKFLOWS, *ACTIONS]}
    assert undocumented(texts, DELIVERY.read_text()) == []


def test_an_undocumented_secret_is_found():
    text = "env:\n  A: ${{ secrets.KUBECONFIG }}\n  B: ${{ secrets.DEPLOY_KEY }}\n  C: ${{ vars.REGION }}\n"
    assert undocumented({"w.yml": text}, "`KUBECONFIG` holds …") == ["DEPLOY_KEY", "REGION"]


def test_hosted_runners_run_nothing_that_needs_root_and_the_root_runner_runs_everything():
    documents = _documents()
    hosted = _hosted_make_targets(documents)
    assert hosted[".github/workflows/test.yml hosted"] == {"test-hosted"}
    assert {job: targets & NEEDS_ROOT for job, targets in hosted.items() if targets & NEEDS_ROOT} == {}
    root = documents[".github/workflows/root-runner.yml"]["jobs"]["test"]
    assert root["runs-on"] == ["self-hosted", "linux", "x64", "root"] and root["if"] == "vars.ROOT_RUNNER == 'true'"
    assert [step["run"] for step in root["steps"] if "run" in step] == ["make test"]


def test_a_root_target_on_a_hosted_runner_is_found():
    documents = _documents()
    documents[".github/workflows/test.yml"]["jobs"]["hosted"]["steps"].append({"run": "make cluster"})
    assert _hosted_make_targets(documents)[".github/workflows/test.yml hosted"] & NEEDS_ROOT == {"cluster"}


def test_the_hosted_tests_cache_the_built_tools_by_their_versions():
    [cache] = [step for step in _load(ROOT / ".github/workflows/test.yml")["jobs"]["hosted"]["steps"]
               if step.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == "~/.cache/django-observability"
    assert "hashFiles('tools/versions.env'" in cache["with"]["key"]


def test_every_stack_is_previewed_after_the_tests():
    workflow = _load(ROOT / ".github/workflows/pull-request.yml")
    preview = workflow["jobs"]["preview"]
    assert preview["needs"] == "test" and preview["strategy"]["matrix"]["stack"] == list(STACKS)
    assert preview["environment"] == "${{ matrix.stack }}-preview"
    [action] = [step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["command"] == "preview" and action["with"]["comment-on-pr"] is True
    assert workflow["jobs"]["test"]["uses"] == "./.github/workflows/test.yml"


def test_deploy_promotes_dev_then_acceptance_then_prod():
    jobs = _load(ROOT / ".github/workflows/deploy.yml")["jobs"]
    assert [jobs[stack]["with"]["stack"] for stack in STACKS] == list(STACKS)
    assert (jobs["dev"]["needs"], jobs["acceptance"]["needs"], jobs["prod"]["needs"]) == ("test", "dev", "acceptance")
    up = _load(ROOT / ".github/workflows/up.yml")["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"


def test_the_workflows_run_the_cli_of_the_engine_the_sdk_is_pinned_to():
    versions = pinned_versions()
    pins = {str(step["with"]["pulumi-version"]) for path in WORKFLOWS for _, step in _steps(_load(path))
            if step.get("uses", "").startswith("pulumi/actions@")}
    assert pins == {versions["PULUMI_VERSION"]}
