"""The local three-node Swarm for the tests (tools/swarm/up and down), and small clients for what runs on it.

Every container is reached through a port published in host mode on a node's address: the nodes are network
namespaces that tools/swarm/up made, so no traffic leaves them and the machine's loopback.
"""
import json
import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass

from tests.helpers import ROOT

DOCKER = "/usr/bin/docker"  # Debian's client, the dockerd's own version; a newer CLI may come first on PATH
DOCKER_ENV = {**os.environ, "DOCKER_API_VERSION": "1.41"}


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    docker_host: str
    role: str

    def docker(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run([DOCKER, "-H", self.docker_host, *args], capture_output=True, text=True,
                                env=DOCKER_ENV, timeout=timeout)
        if check:
            assert result.returncode == 0, f"docker {' '.join(args)}: {result.stderr[-2000:]}"
        return result.stdout + result.stderr


def swarm_script(name: str, *args: str) -> subprocess.CompletedProcess:
    """tools/swarm/up, down or stop-node; the first up builds images and starts the nodes (seconds when built)."""
    result = subprocess.run([str(ROOT / "tools/swarm" / name), *args], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def nodes_of(up: subprocess.CompletedProcess) -> list[Node]:
    return [Node(*line.split()) for line in up.stdout.splitlines()]


def wait_until(what: str, probe, timeout: float = 90):
    """Poll `probe` once a second until it returns something truthy; fail naming `what` and its last answer."""
    deadline, last = time.monotonic() + timeout, None
    while True:
        try:
            last = probe()
        except (OSError, ValueError, AssertionError) as error:  # not up yet, connection refused, half a reply
            last = error
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(1)


def http(url: str, data: dict | list | None = None, method: str | None = None) -> str:
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def http_json(url: str, data: dict | list | None = None, method: str | None = None):
    return json.loads(http(url, data, method))
