"""The Swarm backend deployed for real: `pulumi up` of a three-peer stack through the Docker provider built here, onto
the three-node Swarm of tools/swarm/up, with a real Prometheus and a webhook receiver on the peers' overlay network.

The tests run in file order on one deployed stack (up, checks, a node stopped and restarted, a routing change,
destroy); each waits for what it needs with a bounded poll. The stack config is written here from the committed
Pulumi.swarm.yaml, with a webhook receiver whose URL, the credential, is a fresh random token.
"""
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from django_observability.builders.alertmanager.swarm import prometheus_alerting_swarm
from tests.helpers import ROOT
from tests.swarm.swarm import http, http_json, nodes_of, swarm_script, wait_until

pytestmark = pytest.mark.swarm
STACK = "swarm"
PEERS = ("alertmanager_1", "alertmanager_2", "alertmanager_3")
PEER_TIMEOUT = 15
"""Alertmanager's default --cluster.peer-timeout: peer k of a cluster waits k × this before it sends what its
predecessors have not, so a duplicate could arrive up to (peers - 1) × this after the first notification."""
DUPLICATE_WINDOW = (len(PEERS) - 1) * PEER_TIMEOUT + 10
WEBHOOK_PORT, PROMETHEUS_PORT = 18080, 19190
SECRET_NAME = r"main-webhookUrl-[0-9a-f]{7}"
"""The provider's name for the credential's Docker secret: its resource's name and a random suffix."""
ROUTING = {
    "route": {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "1m",
              "repeat_interval": "1h"},
    "receivers": [{"name": "hook", "webhook_configs": [{"url_secret": "webhookUrl", "send_resolved": False}]}],
}


@pytest.fixture(scope="module")
def swarm():
    """The local Swarm: started here and removed on exit, even on failure; one already running is reused and kept."""
    up = swarm_script("up")
    started_here = "reusing the running Swarm" not in up.stderr
    try:
        yield nodes_of(up)
    finally:
        if started_here:
            swarm_script("down")


class Stack:
    """One Swarm stack on a temporary state backend, driven through tools/stack.sh like `make up STACK=swarm`."""

    def __init__(self, home: Path, nodes):
        self.home, self.nodes, self.manager = home, nodes, nodes[0]
        self.token = secrets.token_hex(16)
        self.webhook_url = f"http://webhook:8080/{self.token}"
        self.used_credentials = [self.webhook_url]
        """Every credential this stack was given, the rotated ones included."""
        self.config_file = home / f"Pulumi.{STACK}.yaml"
        settings = yaml.safe_load((ROOT / f"Pulumi.{STACK}.yaml").read_text())
        alertmanager = settings["config"]["django-observability:alertmanager"]
        alertmanager["swarm"] |= {"nodes": [node.name for node in nodes],
                                  "advertiseAddresses": [node.address for node in nodes],
                                  "dockerHost": self.manager.docker_host}
        alertmanager["routing"] = ROUTING
        self.settings = settings
        self.write_config()
        self.run("config", "set", "--secret", "webhookUrl", self.webhook_url)

    def write_config(self, change=None, path: Path | None = None):
        settings = json.loads(json.dumps(self.settings))
        if change:
            change(settings["config"]["django-observability:alertmanager"])
        salt = yaml.safe_load(self.config_file.read_text()) if self.config_file.exists() else {}
        # Keep what `pulumi config set --secret` added (the encrypted credential and the salt).
        settings["config"] |= {key: value for key, value in salt.get("config", {}).items()
                               if key == "django-observability:webhookUrl"}
        if "encryptionsalt" in salt:
            settings["encryptionsalt"] = salt["encryptionsalt"]
        (path or self.config_file).write_text(yaml.safe_dump(settings))

    def run(self, *args: str, check: bool = True, config_file: Path | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{self.home / 'state'}",
               "DJANGO_OBSERVABILITY_RENDER_DIR": str(self.home / "rendered")}
        result = subprocess.run([str(ROOT / "tools/stack.sh"), STACK, *args, "--config-file",
                                 str(config_file or self.config_file)], capture_output=True, text=True, env=env,
                                timeout=900, cwd=ROOT)
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    def state_text(self) -> str:
        return "".join(path.read_text() for path in sorted((self.home / "state").rglob("*.json")))

    def resources(self) -> list[dict]:
        """The resources of the stack's latest checkpoint, secrets as a marker: every write of the state gives them a
        fresh ciphertext, and a new manifest time, even for an update that changed nothing."""
        [checkpoint] = (self.home / "state").rglob(f"stacks/*/{STACK}.json")
        return _without_ciphertexts(json.loads(checkpoint.read_text())["checkpoint"]["latest"].get("resources") or [])

    def peer_url(self, index: int, path: str) -> str:
        node = self.nodes[index - 1]
        return f"http://{node.address}:{19092 + index}{path}"

    def services(self) -> list[str]:
        return sorted(self.manager.docker("service", "ls", "--format", "{{.Name}}").split())

    def running_task_node(self, service: str) -> str | None:
        lines = self.manager.docker("service", "ps", service, "--filter", "desired-state=running",
                                    "--format", "{{.Node}} {{.CurrentState}}").splitlines()
        running = [line.split()[0] for line in lines if " Running " in f"{line} "]
        return running[0] if len(running) == 1 else None

    def task_addresses(self) -> list[str]:
        """The overlay address of every peer's running task, as Swarm assigned it."""
        addresses = []
        for peer in PEERS:
            task = self.manager.docker("service", "ps", peer, "-q", "--filter", "desired-state=running").split()[0]
            attachments = json.loads(self.manager.docker("inspect", task))[0]["NetworksAttachments"]
            addresses += [address.split("/")[0] for attachment in attachments
                          if attachment["Network"]["Spec"]["Name"] == "alertmanager"
                          for address in attachment["Addresses"]]
        return addresses

    def configs(self) -> list[str]:
        return sorted(self.manager.docker("config", "ls", "--format", "{{.Name}}").split())

    def docker_secrets(self) -> list[str]:
        return sorted(self.manager.docker("secret", "ls", "--format", "{{.Name}}").split())

    def cluster_of(self, index: int) -> dict:
        return http_json(self.peer_url(index, "/api/v2/status"))["cluster"]

    def one_cluster(self, peers: int) -> bool:
        """Every reachable peer is ready and sees `peers` peers, each at a distinct node address."""
        clusters = [self.cluster_of(index) for index in range(1, peers + 1)]
        expected = sorted(f"{node.address}:9094" for node in self.nodes[:peers])
        return all(cluster["status"] == "ready" and sorted(peer["address"] for peer in cluster["peers"]) == expected
                   for cluster in clusters)


@pytest.fixture(scope="module")
def stack(swarm):
    home = Path(tempfile.mkdtemp(prefix="swarm-stack-"))
    deployed = Stack(home, swarm)
    deployed.first_up = deployed.run("up", "--yes", "--skip-preview")
    try:
        yield deployed
    finally:
        for name in ("webhook", "prometheus"):
            deployed.manager.docker("rm", "-f", f"swarm-test-{name}", check=False)
        deployed.run("destroy", "--yes", check=False)
        # Destroy leaves each peer's data volume on its node (silences, notification log); these are the test's.
        for node, peer in zip(swarm, PEERS):
            wait_until(f"{peer}'s container gone", lambda: not node.docker(
                "ps", "-aq", "--filter", f"volume={peer}_data").strip(), timeout=60)
            node.docker("volume", "rm", f"{peer}_data", check=False)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def webhook(stack):
    """netcheck's webhook receiver on the overlay network (alias `webhook`), its count published on the manager."""
    stack.manager.docker("run", "-d", "--name", "swarm-test-webhook", "--network", "alertmanager",
                         "--network-alias", "webhook", "-p", f"{stack.manager.address}:{WEBHOOK_PORT}:8080",
                         "django-observability/netcheck:0.1.0", "webhook", ":8080")
    base = f"http://{stack.manager.address}:{WEBHOOK_PORT}"
    wait_until("the webhook receiver", lambda: http(f"{base}/healthz").strip() == "ok", timeout=30)

    def received(alertname: str) -> int:
        bodies = http_json(f"{base}/received")
        return sum(1 for body in bodies if body.get("groupLabels", {}).get("alertname") == alertname)

    return received


@pytest.fixture(scope="module")
def prometheus(stack):
    """A Prometheus container on the overlay network with the program's alerting block (dns_sd on tasks.alertmanager)
    and a rule file the tests rewrite; /-/reload applies it."""
    folder = Path(tempfile.mkdtemp(prefix="swarm-prometheus-"))
    folder.chmod(0o755)  # the image runs as nobody
    config = {"global": {"evaluation_interval": "1s"}, "rule_files": ["/etc/prometheus/rules.yml"],
              **{"alerting": prometheus_alerting_swarm()}}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    rules = folder / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": []}))
    for path in folder.iterdir():
        path.chmod(0o644)
    stack.manager.docker("run", "-d", "--name", "swarm-test-prometheus", "--network", "alertmanager",
                         "-p", f"{stack.manager.address}:{PROMETHEUS_PORT}:9090",
                         "-v", f"{folder}:/etc/prometheus:ro", "prom/prometheus:v3.10.0",
                         "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
                         "--web.enable-lifecycle")
    base = f"http://{stack.manager.address}:{PROMETHEUS_PORT}"
    wait_until("Prometheus", lambda: "Ready" in http(f"{base}/-/ready"), timeout=60)

    def fire(alertname: str):
        """Make Prometheus fire `alertname` (always true) and send it to every peer it discovered."""
        rules.write_text(yaml.safe_dump({"groups": [{"name": "swarm-test", "rules": [
            {"alert": alertname, "expr": "vector(1)", "labels": {"severity": "warning"}}]}]}))
        http(f"{base}/-/reload", data={}, method="POST")
        wait_until(f"{alertname} firing in Prometheus", lambda: any(
            alert["labels"]["alertname"] == alertname and alert["state"] == "firing"
            for alert in http_json(f"{base}/api/v1/alerts")["data"]["alerts"]), timeout=60)

    fire.alertmanagers = lambda: http_json(f"{base}/api/v1/alertmanagers")["data"]
    try:
        yield fire
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _without_ciphertexts(value):
    if isinstance(value, dict):
        return "[secret]" if "ciphertext" in value else {key: _without_ciphertexts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_ciphertexts(item) for item in value]
    return value


def _exactly_one(received, alertname: str):
    wait_until(f"a notification for {alertname}", lambda: received(alertname) >= 1, timeout=120)
    # A duplicate would come from a later peer within the window after the first; watch it to its end.
    with pytest.raises(AssertionError, match="gave up"):
        wait_until(f"a second notification for {alertname}", lambda: received(alertname) > 1,
                   timeout=DUPLICATE_WINDOW)
    assert received(alertname) == 1


def test_up_creates_network_config_secret_and_services(stack):
    output = stack.first_up.stdout
    for created in ("docker:index:Network alertmanager created", "docker:index:ServiceConfig main-config created",
                    "docker:index:Secret main-webhookUrl created", *(f"docker:index:Service {peer} created"
                                                                     for peer in PEERS)):
        assert created in output, output[-3000:]
    network = json.loads(stack.manager.docker("network", "inspect", "alertmanager"))[0]
    assert network["Driver"] == "overlay" and network["Attachable"] and network["Scope"] == "swarm"
    [config] = stack.configs()
    assert re.fullmatch(r"alertmanager-[0-9a-f]{12}", config)
    [secret] = stack.docker_secrets()
    assert re.fullmatch(SECRET_NAME, secret), secret
    assert stack.services() == list(PEERS)
    for index, peer in enumerate(PEERS, start=1):
        node = stack.nodes[index - 1]
        assert wait_until(f"{peer} running", lambda: stack.running_task_node(peer)) == node.name
        # The data volume is on the peer's own node, made by that node's engine, and the peer's container uses it.
        assert node.docker("ps", "-q", "--filter", f"volume={peer}_data", "--filter", f"name={peer}.").strip()


def test_second_up_changes_nothing(stack):
    again = stack.run("up", "--yes", "--skip-preview", "--expect-no-changes")
    assert re.search(r"\b\d+ unchanged", again.stdout) and "created" not in again.stdout, again.stdout[-2000:]


def test_peers_form_one_cluster_gossiping_at_their_node_addresses(stack):
    wait_until("3 ready peers at 3 node addresses on every peer", lambda: stack.one_cluster(3))


def test_prometheus_discovers_every_peer_through_tasks_dns(stack, prometheus):
    def discovered():
        active = prometheus.alertmanagers()["activeAlertmanagers"]
        return sorted(alertmanager["url"] for alertmanager in active) if len(active) == 3 else None

    urls = wait_until("3 alertmanagers in Prometheus", discovered, timeout=120)
    assert urls == sorted(f"http://{address}:9093/api/v2/alerts" for address in stack.task_addresses())


def test_a_firing_alert_gives_one_notification_with_every_peer_up(stack, prometheus, webhook):
    wait_until("3 ready peers", lambda: stack.one_cluster(3))
    alertname = f"SwarmAllPeersUp{stack.token[:8]}"
    prometheus(alertname)
    _exactly_one(webhook, alertname)


def test_a_silence_on_one_peer_is_visible_on_the_others(stack):
    silence = {"matchers": [{"name": "alertname", "value": "SwarmSilenced", "isRegex": False, "isEqual": True}],
               "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z",
               "createdBy": "tests/swarm", "comment": "gossip check"}
    silence_id = http_json(stack.peer_url(1, "/api/v2/silences"), data=silence)["silenceID"]
    for index in (2, 3):
        wait_until(f"the silence on peer {index}", lambda: any(
            item["id"] == silence_id and item["status"]["state"] == "active"
            for item in http_json(stack.peer_url(index, "/api/v2/silences"))), timeout=60)


def test_a_firing_alert_gives_one_notification_with_one_node_stopped(stack, prometheus, webhook):
    stopped = stack.nodes[2]
    swarm_script("stop-node", stopped.name)
    try:
        wait_until(f"{stopped.name} Down", lambda: f"{stopped.name} Down" in stack.manager.docker(
            "node", "ls", "--format", "{{.Hostname}} {{.Status}}"), timeout=120)
        wait_until("the 2 remaining peers to drop the third", lambda: all(
            len(stack.cluster_of(index)["peers"]) == 2 for index in (1, 2)), timeout=120)
        alertname = f"SwarmOneNodeStopped{stack.token[:8]}"
        prometheus(alertname)
        _exactly_one(webhook, alertname)
    finally:
        swarm_script("up")  # restarts the stopped node; it rejoins and its task comes back
    wait_until("3 ready peers again", lambda: stack.one_cluster(3), timeout=180)


def test_a_routing_change_is_a_new_config_the_services_roll_to(stack):
    [old] = stack.configs()
    stack.write_config(lambda alertmanager: alertmanager["routing"]["route"].update(group_interval="2m"))
    changed = stack.run("up", "--yes", "--skip-preview")
    assert "replaced" in changed.stdout and "updated" in changed.stdout, changed.stdout[-3000:]
    [new] = stack.configs()
    assert new != old and re.fullmatch(r"alertmanager-[0-9a-f]{12}", new)
    for index in range(1, 4):
        wait_until(f"peer {index} running the new config", lambda: "group_interval: 2m" in http_json(
            stack.peer_url(index, "/api/v2/status"))["config"]["original"], timeout=120)
    wait_until("3 ready peers after the roll", lambda: stack.one_cluster(3), timeout=120)


def _secret_of(stack, peer: str) -> str | None:
    """The ID of the Docker secret that `peer`'s task mounts, once exactly one task of it is running."""
    tasks = stack.manager.docker("service", "ps", peer, "-q", "--filter", "desired-state=running").split()
    if len(tasks) != 1:
        return None
    [task] = json.loads(stack.manager.docker("inspect", tasks[0]))
    return task["Spec"]["ContainerSpec"]["Secrets"][0]["SecretID"] if task["Status"]["State"] == "running" else None


def test_a_new_credential_is_a_new_secret_the_services_roll_to(stack):
    """Docker secrets are immutable: a new credential replaces the secret under a fresh random name, every peer's
    running task mounts the new one, and the old one is gone."""
    [old] = stack.docker_secrets()
    old_id = json.loads(stack.manager.docker("secret", "inspect", old))[0]["ID"]
    assert {_secret_of(stack, peer) for peer in PEERS} == {old_id}
    stack.token = secrets.token_hex(16)
    stack.webhook_url = f"http://webhook:8080/{stack.token}"
    stack.used_credentials.append(stack.webhook_url)
    stack.run("config", "set", "--secret", "webhookUrl", stack.webhook_url)
    changed = stack.run("up", "--yes", "--skip-preview")
    assert "docker:index:Secret main-webhookUrl replaced" in changed.stdout, changed.stdout[-3000:]
    [new] = stack.docker_secrets()
    assert new != old and re.fullmatch(SECRET_NAME, new), (old, new)
    new_id = json.loads(stack.manager.docker("secret", "inspect", new))[0]["ID"]
    for peer in PEERS:
        wait_until(f"{peer} running with the new secret", lambda: _secret_of(stack, peer) == new_id, timeout=120)
    wait_until("3 ready peers after the roll", lambda: stack.one_cluster(3), timeout=120)


def test_credentials_never_in_plaintext(stack):
    manager = stack.manager
    seen = {"state": stack.state_text(), "stack file": stack.config_file.read_text(),
            "rendered files": "".join(path.read_text() for path in (stack.home / "rendered").rglob("*") if path.is_file())}
    for config in stack.configs():
        seen[f"docker config inspect {config}"] = manager.docker("config", "inspect", config)
    for secret in stack.docker_secrets():
        seen[f"docker secret inspect {secret}"] = manager.docker("secret", "inspect", secret)
    for index, peer in enumerate(PEERS, start=1):
        seen[f"docker service inspect {peer}"] = manager.docker("service", "inspect", peer)
        seen[f"docker service logs {peer}"] = manager.docker("service", "logs", "--raw", peer, timeout=60)
        seen[f"status of {peer}"] = http(stack.peer_url(index, "/api/v2/status"))
    preview = stack.run("preview", "--diff")
    seen["pulumi preview --diff"] = preview.stdout + preview.stderr
    seen["docker secret ls"] = manager.docker("secret", "ls")
    # Neither the credential nor a digest of it, which would let a weak one be guessed offline.
    hints = {hint for credential in stack.used_credentials for token in (credential, credential.rsplit("/", 1)[1])
             for digest in (hashlib.sha256(token.encode()).hexdigest(), hashlib.sha1(token.encode()).hexdigest(),
                            hashlib.md5(token.encode()).hexdigest())
             for hint in (token, digest[:7], digest[:12], digest)}
    leaked = sorted({(where, hint) for where, text in seen.items() for hint in hints if hint in text})
    assert not leaked, leaked
    # The credential is in use all the same: the config names its file, and notifications reached that URL.
    assert "url_file: /run/secrets/webhookUrl" in seen["status of alertmanager_1"].replace("\\n", "\n")


def test_an_unreachable_docker_host_fails_with_one_line_and_changes_nothing(stack):
    before_resources, before_services = stack.resources(), stack.services()
    bad = stack.home / "Pulumi.unreachable.yaml"
    stack.write_config(lambda alertmanager: alertmanager["swarm"].update(
        dockerHost=f"unix://{stack.home}/no-such-dockerd.sock"), path=bad)
    result = stack.run("up", "--yes", "--skip-preview", check=False, config_file=bad)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "no-such-dockerd.sock" in line]
    assert lines and all("alertmanager.swarm.dockerHost" in line and "cannot reach" in line for line in lines), \
        result.stdout[-3000:] + result.stderr[-2000:]
    assert stack.resources() == before_resources
    assert stack.services() == before_services


def test_destroy_removes_everything(stack):
    for name in ("webhook", "prometheus"):
        stack.manager.docker("rm", "-f", f"swarm-test-{name}", check=False)
    stack.run("destroy", "--yes")
    assert stack.services() == [] and stack.configs() == [] and stack.docker_secrets() == []
    wait_until("the overlay network gone from every node", lambda: all(
        "alertmanager" not in node.docker("network", "ls", "--format", "{{.Name}}").split()
        for node in stack.nodes), timeout=60)
    assert not [resource["urn"] for resource in stack.resources() if resource["type"].startswith("docker:")]
