"""Real processes on 127.0.0.1 for the end-to-end checks: start, wait (always bounded), query, stop (always)."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from tests.helpers import require_binary

HOST = "127.0.0.1"


def wait_until(check, what: str, timeout: float = 30.0, interval: float = 0.2):
    """Call `check` until it returns a truthy value, at most `timeout` seconds; its last value is returned."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as error:  # the thing may not be up yet: keep the reason for the timeout message
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port_block(count: int, low: int = 20000, high: int = 60000) -> int:
    """The first port of `count` consecutive free ports on 127.0.0.1."""
    start = low + (os.getpid() * 37) % (high - low - count)
    for _ in range(200):
        if all(_port_free(port) for port in range(start, start + count)):
            return start
        start = low + (start - low + count + 13) % (high - low - count)
    raise RuntimeError(f"no block of {count} free ports on {HOST}")


def http(url: str, data: bytes | None = None, method: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Process:
    """A child process with its output in files; stopped (TERM, then KILL) on exit, whatever happened."""

    def __init__(self, name: str, argv: list[str], workdir: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None):
        self.name, self.argv, self.cwd = name, argv, cwd
        self.env = {**os.environ, **(env or {})}
        self.stdout_path, self.stderr_path = workdir / f"{name}.out", workdir / f"{name}.err"
        self.popen: subprocess.Popen | None = None

    def __enter__(self):
        self.popen = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                      stdout=self.stdout_path.open("wb"), stderr=self.stderr_path.open("wb"),
                                      start_new_session=True)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout: float = 10.0):
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)

    def kill(self):
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(errors="replace")


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()} if path.exists() else set()


def listening_pid(port: int) -> int | None:
    """The pid holding a TCP listening socket on `port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


class Prometheus:
    """A real Prometheus on 127.0.0.1 with the given config; `query` asks its HTTP API."""

    def __init__(self, config_path: Path, workdir: Path, stack: ExitStack):
        self.port = free_port_block(1)
        binary = require_binary("prometheus")
        self.process = stack.enter_context(Process("prometheus", [
            binary, f"--config.file={config_path}", f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address={HOST}:{self.port}", "--web.enable-lifecycle", "--log.level=warn",
        ], workdir))
        wait_until(lambda: http(f"{self.url}/-/ready")[0] == 200, "Prometheus to be ready", timeout=60)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def api(self, path: str, **params) -> dict | list:
        status, body = http(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        payload = json.loads(body)
        if status != 200 or payload.get("status") != "success":
            raise RuntimeError(f"Prometheus {path} {params}: {status} {payload}")
        return payload["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def range_values(self, expr: str, start: float, end: float, step: str = "1s") -> list[float]:
        """Every value of every series of `expr` evaluated from `start` to `end`."""
        result = self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=step)["result"]
        return [float(value) for series in result for _, value in series["values"]]

    def active_targets(self) -> list[dict]:
        return self.api("targets", state="active")["activeTargets"]
