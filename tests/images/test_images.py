"""The local images (tools/images/build.sh): what each archive declares, what its layer holds, and the netcheck
probe from its image run natively against servers on 127.0.0.1.

Building is cached: the first run builds whatever is missing (the Django app's Debian base takes about two
minutes once), later runs only read the archives. Running the images in a container runtime is left to
tools/images/try-in-containerd.sh, which needs its own containerd.
"""
import io
import json
import os
import socket
import subprocess
import tarfile
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from localcluster.build import ensure
from tests.helpers import ROOT
from localrun.processes import HOST, Process, free_port_block, http, wait_until

pytestmark = pytest.mark.e2e
BUILD = ROOT / "tools/images/build.sh"
NAMES = subprocess.run([BUILD, "--names"], capture_output=True, text=True, check=True).stdout.split()

# name -> (entrypoint, user, working directory, files the layer must hold as executables)
EXPECTED = {
    "pause": (["/pause"], "65535:65535", None, ["pause"]),
    "netcheck": (["/bin/netcheck"], "65534:65534", None, ["bin/netcheck"]),
    "prometheus": (["/bin/prometheus"], "65534:65534", "/prometheus", ["bin/prometheus", "bin/promtool"]),
    "alertmanager": (["/bin/alertmanager"], "65534:65534", "/alertmanager", ["bin/alertmanager", "bin/amtool"]),
    "prometheus-config-reloader": (["/bin/prometheus-config-reloader"], "65534:65534", None,
                                   ["bin/prometheus-config-reloader"]),
    "coredns": (["/coredns"], "65532:65532", None, ["coredns"]),
    "django-app": (["./entrypoint.sh"], "10001:10001", "/app",
                   ["app/entrypoint.sh", "opt/venv/bin/gunicorn", "usr/bin/python3"]),
}


def build(*names: str) -> list[Path]:
    """The archives, built by the build step first when missing (so an interrupted build leaves nothing running)."""
    ensure(tuple(f"image:{name}" for name in names))
    built = subprocess.run([BUILD, "--built", *names], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr[-3000:]
    return [Path(line) for line in built.stdout.splitlines()]


def tag(name: str) -> str:
    return subprocess.run([BUILD, "--tag", name], capture_output=True, text=True, check=True).stdout.strip()


class Image:
    """A docker-save archive read the way `docker load` and `ctr images import` read it."""

    def __init__(self, archive: Path):
        with tarfile.open(archive) as outer:
            (self.manifest,) = json.load(outer.extractfile("manifest.json"))
            self.config = json.load(outer.extractfile(self.manifest["Config"]))
            (layer_name,) = self.manifest["Layers"]
            self.layer_bytes = outer.extractfile(layer_name).read()
        with tarfile.open(fileobj=io.BytesIO(self.layer_bytes)) as layer:
            self.members = {member.name: member for member in layer.getmembers()}

    def read(self, path: str) -> bytes:
        with tarfile.open(fileobj=io.BytesIO(self.layer_bytes)) as layer:
            return layer.extractfile(path).read()


@pytest.fixture(scope="session")
def archives() -> dict[str, Path]:
    return dict(zip(NAMES, build(*NAMES)))


def test_every_image_has_expectations():
    assert sorted(NAMES) == sorted(EXPECTED)


def test_tags_are_the_references_the_cluster_and_swarm_use():
    assert tag("prometheus") == "prom/prometheus:v3.10.0"
    assert tag("alertmanager") == "prom/alertmanager:v0.28.1"
    assert tag("pause") == "django-observability/pause:3.10"
    app_tag = tag("django-app")
    prefix = "django-observability/django-app:local-"
    assert app_tag.startswith(prefix) and len(app_tag) == len(prefix) + 12
    int(app_tag[len(prefix):], 16)


def test_a_second_build_reuses_the_archives(archives):
    before = {name: path.stat().st_mtime_ns for name, path in archives.items()}
    again = dict(zip(NAMES, build(*NAMES)))
    assert again == archives
    assert {name: path.stat().st_mtime_ns for name, path in again.items()} == before


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_archive_declares_tag_user_and_entrypoint(archives, name):
    entrypoint, user, workdir, executables = EXPECTED[name]
    image = Image(archives[name])
    assert image.manifest["RepoTags"] == [tag(name)]
    assert image.config["os"] == "linux" and image.config["architecture"] == "amd64"
    assert image.config["config"]["Entrypoint"] == entrypoint
    assert image.config["config"]["User"] == user
    assert image.config["config"].get("WorkingDir") == workdir
    uid = int(user.split(":")[0])
    assert any(line.split(":")[2] == str(uid) for line in image.read("etc/passwd").decode().splitlines())
    for path in executables:
        member = image.members[path]
        if member.issym():
            member = image.members[os.path.normpath(os.path.join(os.path.dirname(path), member.linkname)).lstrip("/")]
        assert member.isfile() and member.mode & 0o111, path
    if workdir and name != "django-app":  # the monitoring data folders are the one place they write
        data = image.members[workdir.lstrip("/")]
        assert data.isdir() and (data.uid, data.gid) == (65534, 65534)


def test_coredns_may_bind_port_53_as_non_root(archives):
    member = Image(archives["coredns"]).members["coredns"]
    capability = member.pax_headers["SCHILY.xattr.security.capability"].encode("utf-8", "surrogateescape")
    permitted = int.from_bytes(capability[4:8], "little")
    assert permitted & (1 << 10)  # CAP_NET_BIND_SERVICE


def test_django_app_runs_from_a_read_only_root(archives):
    image = Image(archives["django-app"])
    env = dict(item.split("=", 1) for item in image.config["config"]["Env"])
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    assert env["DJANGO_DB_PATH"].startswith("/tmp/")
    assert env["PATH"].split(":")[0] == "/opt/venv/bin"
    assert "5000/tcp" in image.config["config"]["ExposedPorts"]
    assert image.read("app/manage.py") == (ROOT / "app/manage.py").read_bytes()
    assert not any("__pycache__" in name for name in image.members if name.startswith("app/"))
    assert image.members["tmp"].mode & 0o1777 == 0o1777


@pytest.fixture(scope="module")
def netcheck(archives, tmp_path_factory) -> Path:
    """The netcheck binary exactly as its image holds it."""
    binary = tmp_path_factory.mktemp("netcheck") / "netcheck"
    binary.write_bytes(Image(archives["netcheck"]).read("bin/netcheck"))
    binary.chmod(0o755)
    return binary


def run(netcheck: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([netcheck, *args], capture_output=True, text=True, timeout=30)


def test_netcheck_tcp_tells_an_open_port_from_a_closed_one(netcheck):
    with closing(socket.socket()) as listener:
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert run(netcheck, "tcp", f"{HOST}:{port}", "2s").returncode == 0
    closed = run(netcheck, "tcp", f"{HOST}:{port}", "2s")
    assert closed.returncode == 1 and "refused" in closed.stderr


def test_netcheck_http_prints_the_body_and_fails_on_an_error_status(netcheck):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status = 200 if self.path == "/ok" else 503
            self.send_response(status)
            self.end_headers()
            self.wfile.write(f"status {status}".encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://{HOST}:{server.server_address[1]}"
        ok = run(netcheck, "http", f"{base}/ok")
        assert (ok.returncode, ok.stdout) == (0, "status 200")
        failing = run(netcheck, "http", f"{base}/down")
        assert (failing.returncode, failing.stdout) == (1, "status 503")
    finally:
        server.shutdown()
        server.server_close()
    assert run(netcheck, "http", f"{base}/ok", "2s").returncode == 1  # nothing listens any more


def test_netcheck_webhook_counts_and_keeps_notifications(netcheck, tmp_path):
    port = free_port_block(1)
    url = f"http://{HOST}:{port}"
    with Process("webhook", [str(netcheck), "webhook", f"{HOST}:{port}"], tmp_path) as receiver:
        wait_until(lambda: http(f"{url}/healthz")[0] == 200, "the webhook receiver", timeout=20)
        assert http(f"{url}/count") == (200, b"0\n")
        notifications = [{"status": "firing", "alerts": [{"labels": {"alertname": f"A{i}"}}]} for i in range(3)]
        for notification in notifications:
            assert http(url, data=json.dumps(notification).encode())[0] == 200
        assert http(f"{url}/count") == (200, b"3\n")
        status, received = http(f"{url}/received")
        assert status == 200 and json.loads(received) == notifications
        assert receiver.alive()
