"""A real Alertmanager cluster on 127.0.0.1: N peers whose `--cluster.peer` flags come from the same peer plan as
the Swarm backend (each `tasks.alertmanager_<j>:9094` mapped to that peer's loopback mesh port), and a local
webhook receiver that counts notifications."""
import json
import subprocess
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django_observability.builders.alertmanager.config import config_text
from django_observability.builders.alertmanager.peers import peer_plan
from localrun.processes import HOST, Process, free_port_block, http, wait_until
from localrun.tools import go_tool, require_binary
from django_observability.settings.alertmanager import AlertmanagerSettings
from django_observability.settings.routing import Receiver, Route, RoutingConfig, WebhookConfig

PEER_TIMEOUT = 1.0
"""Seconds a peer waits per position before notifying (`--cluster.peer-timeout`, 15s by default); short here."""
QUIET = 4 * PEER_TIMEOUT + 3
"""How long to keep listening after the first notification to be sure no duplicate follows."""


class Webhook:
    """A webhook receiver on 127.0.0.1 counting notifications per alertname."""

    def __init__(self):
        self.notifications: Counter[str] = Counter()
        self.first_seen: dict[str, float] = {}
        lock = threading.Lock()
        received, first_seen = self.notifications, self.first_seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    for alert in body["alerts"]:
                        received[alert["labels"]["alertname"]] += 1
                        first_seen.setdefault(alert["labels"]["alertname"], time.monotonic())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def cluster_settings(replicas: int) -> tuple[AlertmanagerSettings, str]:
    """Alertmanager settings with a webhook routing; the webhook URL is a credential like any other."""
    routing = RoutingConfig(
        route=Route(receiver="local", group_by=["alertname"], group_wait="1s", group_interval="1s",
                    repeat_interval="1h"),
        receivers=[Receiver(name="local", webhook_configs=[WebhookConfig(url_secret="webhookUrl")])],
        inhibit_rules=[])
    return AlertmanagerSettings(replicas=replicas, routing=routing), "webhookUrl"


def check_config(path: Path) -> None:
    amtool = go_tool("amtool")
    result = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def post_alert(port: int, name: str) -> None:
    now = datetime.now(timezone.utc)
    alert = [{"labels": {"alertname": name, "severity": "warning"},
              "startsAt": now.isoformat(), "endsAt": (now + timedelta(minutes=10)).isoformat()}]
    status, body = http(f"http://{HOST}:{port}/api/v2/alerts", json.dumps(alert).encode(), "POST")
    assert status == 200, (status, body)


def _status(port: int) -> dict:
    return json.loads(http(f"http://{HOST}:{port}/api/v2/status")[1])


@contextmanager
def cluster(replicas: int, webhook: Webhook, workdir: Path):
    """N Alertmanager peers on 127.0.0.1, formed into one cluster; yields {peer name: (web port, Process)}."""
    settings, secret_key = cluster_settings(replicas)
    binary = require_binary("prometheus-alertmanager", "alertmanager")
    config = workdir / "alertmanager.yml"
    config.write_text(config_text(settings.routing, {secret_key: webhook.url}))
    check_config(config)
    plan = peer_plan(replicas)
    first = free_port_block(2 * replicas)
    web = {peer.name: first + 2 * i for i, peer in enumerate(plan)}
    mesh = {peer.name: first + 2 * i + 1 for i, peer in enumerate(plan)}
    with ExitStack() as stack:
        peers = {}
        for peer in plan:
            storage = workdir / peer.name
            storage.mkdir()
            argv = [binary, *peer.args(lambda other: f"{HOST}:{mesh[other]}", str(config), str(storage)),
                    f"--web.listen-address={HOST}:{web[peer.name]}",
                    f"--cluster.listen-address={HOST}:{mesh[peer.name]}",
                    f"--cluster.advertise-address={HOST}:{mesh[peer.name]}",
                    f"--cluster.peer-timeout={PEER_TIMEOUT:g}s", "--cluster.settle-timeout=5s", "--log.level=warn"]
            assert sum(arg.startswith("--cluster.peer=") for arg in argv) == replicas - 1
            peers[peer.name] = (web[peer.name], stack.enter_context(Process(peer.name, argv, workdir)))

        def formed(port):
            cluster_status = _status(port)["cluster"]
            return cluster_status["status"] == "ready" and len(cluster_status["peers"]) == replicas

        for name, port in web.items():
            wait_until(lambda port=port: formed(port), f"{name} to see {replicas} peers and be ready", 60)
        yield peers
