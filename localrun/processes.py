"""Real processes on 127.0.0.1: start, wait (always bounded), query, stop (always)."""
import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

from localcluster.progress import wait_until  # noqa: F401 - the one bounded wait, used from here too

HOST = "127.0.0.1"



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
