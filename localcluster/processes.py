"""Start the cluster's daemons with a log and a recorded PID; stop exactly those, and nothing else.

A PID file holds the PID and the process' start time (field 22 of /proc/<pid>/stat), so a PID reused by another
process after ours ended is never signalled.
"""
import os
import signal
import subprocess
import time
from pathlib import Path

from localcluster.layout import STATE

PIDS = STATE / "pids"
LOGS = STATE / "logs"


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def running(name: str) -> int | None:
    """The PID of our daemon `name` if it still runs."""
    try:
        pid, started = (PIDS / name).read_text().split()
    except (OSError, ValueError):
        return None
    return int(pid) if _start_time(int(pid)) == started else None


def start(name: str, argv: list[str], netns: str | None = None, env: dict | None = None) -> int:
    """Start `argv` in the background (inside network namespace `netns` through nsenter, which, unlike
    `ip netns exec`, leaves /sys and the cgroup mounts as they are), logging to logs/<name>.log."""
    if pid := running(name):
        return pid
    PIDS.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    if netns:
        argv = ["nsenter", f"--net=/run/netns/{netns}", "--", *argv]
    with open(LOGS / f"{name}.log", "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    # nsenter execs the command, so the PID is the daemon's own.
    (PIDS / name).write_text(f"{process.pid} {_start_time(process.pid)}\n")
    return process.pid


def stop(name: str, timeout: float = 20) -> None:
    """SIGTERM our daemon `name`, SIGKILL it after `timeout` seconds, and forget it."""
    pid = running(name)
    if pid:
        _terminate(pid, timeout)
    (PIDS / name).unlink(missing_ok=True)


def _terminate(pid: int, timeout: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                return
        except ChildProcessError:
            if _start_time(pid) is None or _state(pid) == "Z":
                return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def kill_matching(marker: str) -> list[int]:
    """SIGKILL every process whose command line names `marker`, a path that only our daemons' children use
    (a node's containerd socket, for the shims that outlive containerd). Returns the PIDs killed."""
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and kill_pid(int(entry.name)):
            killed.append(int(entry.name))
    return killed


def kill_pid(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def run(argv: list[str], netns: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run a short command to completion (checked), inside `netns` when given."""
    if netns:
        argv = ["nsenter", f"--net=/run/netns/{netns}", "--", *argv]
    kwargs.setdefault("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run(argv, **kwargs)
