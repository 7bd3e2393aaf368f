"""The build step (tools/build-all.sh, localcluster/build.py) prints the estimate of the whole before any build
starts, from tools/build-seconds.txt, the one measured source, and an interrupted build leaves nothing running.
A real part is built from an empty cache, with `go` standing in as a program that only waits (the compiler's
place in the build), so that what is checked is what the build step starts and stops."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from localcluster.progress import wait_until
from tests.helpers import ROOT

pytestmark = pytest.mark.toolchain

FAKE_GO = """#!/bin/sh
echo $$ >>"{pids}"
exec sleep 300
"""


def _measured() -> dict[str, int]:
    return {words[0]: int(words[1]) for words in map(str.split, (ROOT / "tools/build-seconds.txt").read_text()
            .splitlines()) if len(words) == 2 and not words[0].startswith("#")}


def test_every_part_has_one_measured_time():
    parts = subprocess.run([str(ROOT / "tools/build-all.sh"), "--parts"], capture_output=True, text=True,
                           check=True).stdout.split()
    assert sorted(_measured()) == sorted(parts)


def test_go_tool_prints_the_measured_times():
    units = subprocess.run([str(ROOT / "tools/go-tool.sh"), "--units"], capture_output=True, text=True,
                           check=True).stdout
    measured = _measured()
    assert units and all(int(seconds) == measured[unit] for unit, seconds in map(str.split, units.splitlines()))


def test_the_docs_show_the_tables():
    result = subprocess.run([sys.executable, str(ROOT / "tools/toolchain_doc.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def slow_go(tmp_path):
    """An empty cache and a PATH whose `go` waits forever, recording the PID of every one started."""
    folder = tmp_path / "bin"
    folder.mkdir()
    pids = tmp_path / "go.pids"
    (folder / "go").write_text(FAKE_GO.format(pids=pids))
    (folder / "go").chmod(0o755)
    env = {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
           "DJANGO_OBSERVABILITY_CACHE": str(tmp_path / "cache")}
    return env, pids


def _running(pids: Path) -> list[int]:
    alive = []
    for pid in map(int, pids.read_text().split()) if pids.exists() else []:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_the_estimate_comes_first(slow_go):
    env, _ = slow_go
    result = subprocess.run([str(ROOT / "tools/build-all.sh"), "--estimate", "image:netcheck", "engine"],
                            capture_output=True, text=True, env=env, timeout=60)
    measured = _measured()
    assert result.returncode == 0
    assert f"({measured['engine'] + measured['image:netcheck']} s of measured cold build time" in result.stderr


@pytest.mark.parametrize("how", ["SIGTERM to tools/build-all.sh", "Ctrl-C of the entry point"])
def test_an_interrupted_build_leaves_nothing_running(slow_go, how):
    """Negative control of the check itself: the waiting `go` is seen running before the interruption."""
    env, pids = slow_go
    if how.startswith("SIGTERM"):
        process = subprocess.Popen([str(ROOT / "tools/build-all.sh"), "image:netcheck", "image:pause"], env=env,
                                   stderr=subprocess.PIPE, text=True)
        signal_to_send = signal.SIGTERM
    else:  # the entry point's build step, as `make up` runs it, interrupted as Ctrl-C does
        process = subprocess.Popen([sys.executable, "-c", "from localcluster import build; "
                                    "build.ensure(('image:netcheck', 'image:pause'))"], env=env, cwd=ROOT,
                                   stderr=subprocess.PIPE, text=True)
        signal_to_send = signal.SIGINT
    try:
        wait_until(lambda: len(_running(pids)) == 2, "both builds to reach `go`", timeout=60)
        process.send_signal(signal_to_send)
        process.wait(timeout=60)
        wait_until(lambda: not _running(pids), "every build to stop", timeout=30)
    finally:
        for pid in _running(pids):
            os.kill(pid, signal.SIGKILL)
        process.kill()
    assert process.returncode != 0
    assert "estimate of the whole" in process.stderr.read()
