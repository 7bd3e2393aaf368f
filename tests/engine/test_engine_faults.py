"""Faults under the real engine: a `pulumi up` killed by SIGKILL mid-run, a corrupted state file, a failed update,
a stack that does not exist. Each is followed by the ordinary next command (`make up`), which must recover."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT
from tests.engine.renders import engine_objects, offline_objects
from tools.state_recovery import StackState

pytestmark = pytest.mark.engine
PROJECT = "django-observability"
TRIGGER_TIMEOUT = 120
UP = ("up", "--yes", "--skip-preview")


def _fresh(engine, name: str) -> tuple[dict, Path, Path]:
    """A backend and render directory of their own, so that a run starts from nothing."""
    state, rendered = engine.home / name / "state", engine.home / name / "rendered"
    env = {"DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{state}"}
    return env, state, rendered


def _descendants(pid: int) -> set[int]:
    """The processes below `pid` now (read from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"  # a zombie has exited; only its parent's reaping is left


def _wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + TRIGGER_TIMEOUT
    while not condition():
        assert process.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {TRIGGER_TIMEOUT}s"
        time.sleep(0.001)


def _rendered_count(rendered: Path) -> int:
    manifests = rendered / "1-manifest"
    return len(list(manifests.glob("*.yaml"))) if manifests.is_dir() else 0


KILL_POINTS = {
    "lock taken": lambda state, rendered: StackState(state, PROJECT, "dev").lock_holders() != {},
    "first file rendered": lambda state, rendered: _rendered_count(rendered) >= 1,
    "half the files rendered": lambda state, rendered: _rendered_count(rendered) >= 6,
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_up_is_recovered_by_the_next_up(engine, tmp_path, point):
    env, state, rendered = _fresh(engine, f"killed-{point.replace(' ', '-')}")
    engine("dev", "stack", "ls", env=env)  # creates the stack, so that the killed run is the first `up`
    cli = subprocess.Popen([str(ROOT / "tools/stack.sh"), "dev", *UP], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=engine.environment("dev", rendered, env))
    try:
        _wait_for(lambda: KILL_POINTS[point](state, rendered), cli, point)
        started = _descendants(cli.pid)  # language host, program, provider: whichever have started
        os.kill(cli.pid, signal.SIGKILL)
    finally:
        cli.kill()
        cli.communicate(timeout=60)
    holders = StackState(state, PROJECT, "dev").lock_holders()
    assert [holder["pid"] for holder in holders.values()] == [cli.pid]  # killed mid-run: its lock stayed
    if point != "lock taken":
        assert started, "a run that rendered files has a language host and a provider"

    recovered = engine("dev", *UP, render_dir=rendered, env=env)
    assert "removing the lock of that interrupted run" in recovered.stderr, recovered.stderr
    assert not [pid for pid in started if _running(pid)], "orphaned processes of the killed run are still running"
    checkpoint = json.loads(StackState(state, PROJECT, "dev").file.read_text())
    assert not checkpoint["checkpoint"]["latest"].get("pending_operations")
    assert StackState(state, PROJECT, "dev").lock_holders() == {}
    assert engine_objects(rendered) == offline_objects("dev", tmp_path / "offline")
    again = engine("dev", *UP, "--expect-no-changes", render_dir=rendered, env=env)
    assert "state recovery" not in again.stderr


def test_corrupted_state_file_names_the_backup_to_restore(engine):
    env, state, rendered = _fresh(engine, "corrupted")
    engine("dev", *UP, render_dir=rendered, env=env)
    engine("dev", *UP, render_dir=rendered, env=env)  # a second update: its backup is the newest
    state_file = StackState(state, PROJECT, "dev").file
    state_file.write_text(state_file.read_text()[:200])
    result = engine("dev", *UP, render_dir=rendered, env=env, check=False)
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"state file {state_file} is not JSON" in line, result.stderr
    restore = line.partition("restore its last good backup with: ")[2]
    assert restore.startswith("cp ") and restore.endswith(f" {state_file}"), line
    assert len(state_file.read_text()) == 200  # nothing was changed
    subprocess.run(restore.split(), check=True, timeout=60)
    engine("dev", *UP, "--expect-no-changes", render_dir=rendered, env=env)


def test_failed_update_keeps_outputs_with_the_resources(engine, tmp_path):
    """The Deployment's file cannot be written (a directory stands in its place), so the update to three workers
    fails there; the stack's metricsPorts must stay what the Deployment in the state has."""
    env, state, rendered = _fresh(engine, "failed-update")
    engine("dev", *UP, render_dir=rendered, env=env)
    deployment_file = rendered / "1-manifest/apps_v1-deployment-app-app-django.yaml"
    deployment_file.unlink()
    deployment_file.mkdir()
    stack_file = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack_file["config"]["django-observability:webConcurrency"] = 3
    three = tmp_path / "Pulumi.dev.yaml"
    three.write_text(yaml.safe_dump(stack_file))
    failed = engine("dev", *UP, "--config-file", str(three), render_dir=rendered, env=env, check=False)
    assert failed.returncode != 0 and "failed to write YAML file" in failed.stdout, failed.stdout[-3000:]
    outputs = json.loads(engine("dev", "stack", "output", "--json", env=env).stdout)
    exported = json.loads(engine("dev", "stack", "export", env=env).stdout)
    [deployment] = [resource for resource in exported["deployment"]["resources"]
                    if resource["type"] == "kubernetes:apps/v1:Deployment"]
    [container] = deployment["outputs"]["spec"]["template"]["spec"]["containers"]
    in_state = {port["name"]: port["containerPort"] for port in container["ports"] if port["name"].startswith("metrics")}
    assert in_state == {"metrics-1": 5001, "metrics-2": 5002}
    assert outputs["apps"]["app-django"]["metricsPorts"] == in_state


def test_a_stack_without_a_stack_file_does_not_exist(engine):
    env, state, _ = _fresh(engine, "nosuch")
    for command in (UP, ("preview",)):
        result = engine("nosuch", *command, env=env, check=False)
        assert result.returncode != 0
        assert result.stderr.strip().splitlines() == [
            "error: stack 'nosuch' does not exist: there is no Pulumi.nosuch.yaml (the stacks are dev, acceptance, prod)"]
    assert not (ROOT / "Pulumi.nosuch.yaml").exists()
    assert not list(state.rglob("nosuch*"))
