"""prod on three real nodes: spread pods, a three-peer Alertmanager cluster of real pods with hard anti-affinity,
disruption budgets that stop a drain, NetworkPolicies that kube-router enforces, restricted Pod Security, and a
rolling update under load that loses no request and whose counters count every one."""
import threading
import time
import urllib.request

import pytest
import yaml

from localcluster.cluster import image_tag
from localcluster.layout import PROMETHEUS_NAMESPACE, ROOT, nodes, recorded
from localcluster.processes import run
from django_observability.settings.durations import parse_duration
from tests.cluster.kube import alerting_wired, get, http_json, kubectl, pods, port_forward, prometheus_api, query, wait
from tests.cluster.scraping import app_pods, targets, wait_for_targets
from tests.kube_score import findings, score

pytestmark = pytest.mark.cluster
STACKS = ("prod",)
SINK_NAMESPACE = "alert-sink"
NETCHECK = "django-observability/netcheck:0.1.0"
WEBHOOK_SECRET = "alertSinkWebhookUrl"


SINK_OVERRIDES_DROP = {"slackWebhookUrl": None, "pagerdutyRoutingKey": None}
"""prod's own credentials, which the sink's routing does not read (and the program refuses unread secrets)."""


def _prod_alertmanager_with_sink() -> dict:
    """prod's Alertmanager settings with one route to the in-cluster webhook, its URL a secret like any credential."""
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    alertmanager = dict(stack_file["django-observability:alertmanager"])
    alertmanager["routing"] = {
        "route": {"receiver": "sink", "group_by": ["alertname"], "group_wait": "5s", "group_interval": "5m",
                  "repeat_interval": "4h"},
        "receivers": [{"name": "sink", "webhook_configs": [{"url_secret": WEBHOOK_SECRET}]}],
    }
    # The peers' egress allows the receivers only: the sink's webhook port, instead of HTTPS anywhere.
    alertmanager["egress"] = [{"namespace": SINK_NAMESPACE, "podLabels": {"app": "webhook"},
                               "ports": [{"port": 8080, "protocol": "TCP"}]}]
    return alertmanager


def _netcheck_pod(name: str, namespace: str, args: list[str], labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": name, **(labels or {})}},
            "spec": {"containers": [{"name": "netcheck", "image": NETCHECK, "imagePullPolicy": "IfNotPresent",
                                     "args": args,
                                     "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                                         "runAsUser": 65534, "capabilities": {"drop": ["ALL"]},
                                                         "seccompProfile": {"type": "RuntimeDefault"}}}]}}


@pytest.fixture(scope="module")
def sink(local_cluster):
    """A webhook receiver in a namespace of its own, and an outsider pod there to probe NetworkPolicies from."""
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SINK_NAMESPACE}},
               _netcheck_pod("webhook", SINK_NAMESPACE, ["webhook", ":8080"]),
               _netcheck_pod("outsider", SINK_NAMESPACE, ["webhook", ":8081"]),
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "webhook", "namespace": SINK_NAMESPACE},
                "spec": {"selector": {"app": "webhook"}, "ports": [{"port": 8080}]}}]
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(objects))
    kubectl("wait", "-n", SINK_NAMESPACE, "--for=condition=Ready", "pod/webhook", "pod/outsider", "--timeout=120s",
            timeout=150)
    yield f"http://{get('pod', '-n', SINK_NAMESPACE, 'webhook')['status']['podIP']}:8080"
    kubectl("delete", "namespace", SINK_NAMESPACE, "--wait=true", "--timeout=120s", timeout=150)


@pytest.fixture(scope="module")
def prod(stack, sink):
    """prod, routed to the sink (URL through secret config, as a real webhook credential would be), with the
    platform's Prometheus sending to it as well as to the platform's own Alertmanager."""
    stack.up({"alertmanager": _prod_alertmanager_with_sink(), **SINK_OVERRIDES_DROP},
             secrets={WEBHOOK_SECRET: f"http://webhook.{SINK_NAMESPACE}.svc.cluster.local:8080/"})
    with alerting_wired(stack):
        yield stack


def _alertmanager_pods(stack) -> list[dict]:
    return pods(stack.settings.alertmanager.namespace, f"alertmanager={stack.alertmanager_name}")


def _node_names() -> list[str]:
    return [n.name for n in nodes(recorded()["nodes"])]


def test_the_cluster_has_three_nodes(prod):
    assert len(_node_names()) == 3


def test_django_pods_spread_over_the_nodes(prod):
    placed = [p["spec"]["nodeName"] for p in app_pods(prod.app)]
    assert len(placed) == prod.app.replicas == 3
    assert len(set(placed)) == 3


def test_alertmanager_peers_land_on_three_nodes_and_a_fourth_stays_pending(prod):
    settings = prod.settings.alertmanager
    peers = wait("3 Alertmanager pods ready", lambda: [p for p in _alertmanager_pods(prod)
                 if p["status"].get("phase") == "Running"] if len(_alertmanager_pods(prod)) == 3 else None,
                 timeout=240)
    assert len({p["spec"]["nodeName"] for p in peers}) == 3
    kubectl("patch", "alertmanager", "-n", settings.namespace, prod.alertmanager_name, "--type=merge",
            "-p", '{"spec":{"replicas":4}}')
    try:
        fourth = f"alertmanager-{prod.alertmanager_name}-3"
        pending = wait("the fourth peer to be refused a node", lambda: [
            c for c in get("pod", "-n", settings.namespace, fourth)["status"].get("conditions", [])
            if c["type"] == "PodScheduled" and c["status"] == "False"], timeout=120)
        assert "anti-affinity" in pending[0]["message"] or "didn't match pod" in pending[0]["message"], pending
        time.sleep(5)
        assert get("pod", "-n", settings.namespace, fourth)["status"]["phase"] == "Pending"
    finally:
        kubectl("patch", "alertmanager", "-n", settings.namespace, prod.alertmanager_name, "--type=merge",
                "-p", '{"spec":{"replicas":3}}')
    wait("three peers again", lambda: len(_alertmanager_pods(prod)) == 3, timeout=120)


def test_the_peers_form_one_cluster(prod):
    settings = prod.settings.alertmanager
    for pod in _alertmanager_pods(prod):
        with port_forward(settings.namespace, f"pod/{pod['metadata']['name']}", 9093) as url:
            status = wait("3 ready peers", lambda: (lambda s: s if s["cluster"]["status"] == "ready"
                          and len(s["cluster"]["peers"]) == 3 else None)(http_json(f"{url}/api/v2/status")),
                          timeout=120)
            assert len(status["cluster"]["peers"]) == 3


def _read_back(namespace: str, *objects: str) -> list[dict]:
    """Objects as the API server holds them, without status and field managers."""
    documents = []
    for each in objects:
        document = get("-n", namespace, each)
        document.pop("status", None)
        document["metadata"].pop("managedFields", None)
        documents.append(document)
    return documents


def _operator_made(which: str, prod) -> tuple[str, list[str]]:
    """(namespace, objects) of a StatefulSet the operator generated, with what targets its pods: the operator's
    headless Service, and the PDB and NetworkPolicy beside it."""
    if which == "alertmanager":
        settings = prod.settings.alertmanager
        return settings.namespace, [f"statefulset/alertmanager-{prod.alertmanager_name}", "service/alertmanager-operated",
                                    f"poddisruptionbudget/{prod.alertmanager_name}", f"networkpolicy/{prod.alertmanager_name}"]
    name = prod.platform.prometheus
    return PROMETHEUS_NAMESPACE, [f"statefulset/prometheus-{name}", "service/prometheus-operated",
                                  f"poddisruptionbudget/{name}", f"networkpolicy/{name}"]


@pytest.mark.parametrize("which", ["alertmanager", "prometheus"])
def test_kube_score_passes_on_the_statefulsets_the_operator_generated(prod, tmp_path, which):
    """The gate of tests/validate, on what prometheus-operator made of the stack's Alertmanager resource and of the
    cluster's Prometheus, read back from the API server."""
    namespace, names = _operator_made(which, prod)
    objects = _read_back(namespace, *names)
    statefulset = objects[0]
    pod = statefulset["spec"]["template"]["spec"]
    containers = pod["containers"] + pod["initContainers"]
    assert {"config-reloader", "init-config-reloader", which} <= {c["name"] for c in containers}
    assert all("ephemeral-storage" in c["resources"]["limits"] for c in containers)
    files = []
    for index, document in enumerate(objects):
        files.append(tmp_path / f"{index}.yaml")
        files[-1].write_text(yaml.safe_dump(document))
    result = score(files)
    assert result.returncode == 0 and findings(result) == [], result.stdout + result.stderr
    # The gate can fail here: the same StatefulSet without the reloader's storage limit is refused.
    [reloader] = [c for c in containers if c["name"] == "config-reloader"]
    del reloader["resources"]["limits"]["ephemeral-storage"]
    files[0].write_text(yaml.safe_dump(statefulset))
    assert "Ephemeral Storage limit is not set" in score(files).stdout


def _active_peers(stack) -> set[str]:
    """Our peers among the Alertmanagers the platform's Prometheus sends to (by pod address)."""
    ours = {p["status"].get("podIP") for p in _alertmanager_pods(stack)}
    return {a["url"] for a in prometheus_api("alertmanagers")["activeAlertmanagers"]
            if a["url"].split("//", 1)[1].rsplit(":", 1)[0] in ours}


def test_prometheus_finds_every_peer(prod):
    found = wait("Prometheus to find our 3 Alertmanagers", lambda: (lambda a: a if len(a) == 3 else None)(
        _active_peers(prod)), timeout=180)
    assert len(found) == 3


def _fire(alertname: str, settings) -> None:
    """An alert labelled as our rules label theirs (namespace, service), which the platform's Prometheus sends to
    our Alertmanager alone (tests/cluster/kube.py's alerting_wired)."""
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": alertname.lower(), "namespace": SINK_NAMESPACE,
                         "labels": {"release": "kube-prometheus-stack"}},
            "spec": {"groups": [{"name": alertname, "rules": [
                {"alert": alertname, "expr": "vector(1)",
                 "labels": {"severity": "warning", "namespace": settings.namespace,
                            "service": settings.app_name}}]}]}}
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(rule))


def _notifications(sink: str, alertname: str) -> int:
    received = http_json(f"{sink}/received")
    return sum(1 for body in received if body.get("groupLabels", {}).get("alertname") == alertname)


def test_a_firing_alert_gives_exactly_one_notification(prod, sink):
    _fire("ClusterOneNotification", prod.settings)
    wait("the notification", lambda: _notifications(sink, "ClusterOneNotification") >= 1, timeout=240)
    time.sleep(20)  # longer than the peers' dedup delay: a duplicate would have arrived by now
    assert _notifications(sink, "ClusterOneNotification") == 1


def test_one_notification_with_a_peer_deleted(prod, sink):
    settings = prod.settings.alertmanager
    kubectl("delete", "pod", "-n", settings.namespace, f"alertmanager-{prod.alertmanager_name}-1", "--wait=false")
    _fire("ClusterPeerDeleted", prod.settings)
    wait("the notification", lambda: _notifications(sink, "ClusterPeerDeleted") >= 1, timeout=240)
    time.sleep(20)
    assert _notifications(sink, "ClusterPeerDeleted") == 1
    wait("the peer to return", lambda: len([p for p in _alertmanager_pods(prod)
                                            if p["status"].get("phase") == "Running"]) == 3, timeout=180)


def test_a_silence_on_one_peer_is_seen_by_the_others(prod):
    settings = prod.settings.alertmanager
    names = sorted(p["metadata"]["name"] for p in _alertmanager_pods(prod))
    silence = {"matchers": [{"name": "alertname", "value": "SilencedByTest", "isRegex": False, "isEqual": True}],
               "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
               "createdBy": "tests", "comment": "gossip check"}
    with port_forward(settings.namespace, f"pod/{names[0]}", 9093) as url:
        silence_id = http_json(f"{url}/api/v2/silences", silence)["silenceID"]
    for name in names[1:]:
        with port_forward(settings.namespace, f"pod/{name}", 9093) as url:
            wait(f"the silence on {name}", lambda: silence_id in {s["id"] for s in http_json(f"{url}/api/v2/silences")},
                 timeout=60)


def _reach(address: str) -> bool:
    """Whether the outsider pod connects to `address`: netcheck exits 0 on a connection and 1 on refusal or timeout;
    anything else is a broken probe, never a closed port."""
    result = kubectl("exec", "-n", SINK_NAMESPACE, "outsider", "--", "/bin/netcheck", "tcp", address, "3s",
                     check=False, timeout=30)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode == 0


def test_network_policies_are_enforced_and_the_test_can_fail(prod, sink):
    settings = prod.app
    app_ip = app_pods(settings)[0]["status"]["podIP"]
    am_ip = _alertmanager_pods(prod)[0]["status"]["podIP"]
    assert _reach(f"{app_ip}:{settings.http_port}"), "http is open to every namespace (httpAllowedNamespaces empty)"
    assert not _reach(f"{app_ip}:{settings.metrics_start_port}")
    assert not _reach(f"{am_ip}:9093")
    # The real Prometheus is admitted: every worker is an up target and every peer an active Alertmanager.
    wait_for_targets(settings, settings.replicas * settings.web_concurrency)
    assert len(_active_peers(prod)) == 3
    kubectl("delete", "networkpolicy", "-n", settings.namespace, "--all")
    kubectl("delete", "networkpolicy", "-n", prod.settings.alertmanager.namespace, "-l",
            f"app.kubernetes.io/instance={prod.alertmanager_name}")
    try:
        wait("the metrics port to open without its policy", lambda: _reach(f"{app_ip}:{settings.metrics_start_port}"),
             timeout=60)
        wait("Alertmanager to open without its policy", lambda: _reach(f"{am_ip}:9093"), timeout=60)
    finally:
        prod.up({"alertmanager": _prod_alertmanager_with_sink(), **SINK_OVERRIDES_DROP}, "--refresh",
                secrets={WEBHOOK_SECRET: f"http://webhook.{SINK_NAMESPACE}.svc.cluster.local:8080/"})
    wait("the metrics port to close again", lambda: not _reach(f"{app_ip}:{settings.metrics_start_port}"), timeout=60)


def test_restricted_pod_security_rejects_a_privileged_pod(prod):
    result = kubectl("run", "-n", prod.app.namespace, "privileged-probe", f"--image={NETCHECK}", "--privileged",
                     "--dry-run=server", "--restart=Never", check=False)
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted' in result.stderr, result.stderr


def test_pod_disruption_budgets_stop_a_second_drain(prod):
    first, second = _node_names()[:2]
    drain = ["drain", "--ignore-daemonsets", "--delete-emptydir-data", "--force"]
    try:
        result = kubectl(*drain, first, "--timeout=180s", check=False, timeout=200)
        assert result.returncode == 0, result.stderr
        refused = kubectl(*drain, second, "--timeout=30s", check=False, timeout=60)
        assert refused.returncode != 0
        assert "disruption budget" in refused.stderr, refused.stderr
    finally:
        for node in (first, second):
            kubectl("uncordon", node)
    wait("three Alertmanager peers running again", lambda: len([
        p for p in _alertmanager_pods(prod) if p["status"].get("phase") == "Running"]) == 3, timeout=240)
    wait_for_targets(prod.app, prod.app.replicas * prod.app.web_concurrency, timeout=300)


LOAD_THREADS = 3
"""Clients sending requests one after another through the Service during the rollout: at most this many requests
are in flight at any moment."""
ROLLOUT_SCRAPE = {"scrapeInterval": "1s", "scrapeTimeout": "1s"}
"""A pod's last requests are counted only if Prometheus scrapes it once more after the Service stops sending it
any, within its pre-stop pause (5 s by default); prod's 15 s interval misses up to that much of every old pod's
counts. The rollout is measured with a scrape interval inside the pause."""


def _index_samples(settings, start: float, end: float) -> dict[str, list[tuple[float, float]]]:
    """Every raw sample of each app pod's index-view request counter from `start` to `end`, by series (pod and
    endpoint), including pods that are gone by `end`."""
    selector = f'namespace="{settings.namespace}",service="{settings.app_name}",view="index"'
    result = prometheus_api("query", query=f"django_http_requests_total_by_view_transport_method_total"
                                           f"{{{selector}}}[{max(1, round(end - start))}s]", time=f"{end:.3f}")
    return {f"{s['metric']['pod']}/{s['metric']['endpoint']}": [(float(at), float(value)) for at, value in s["values"]]
            for s in result["result"]}


def counted_since(samples: dict[str, list[tuple[float, float]]], since: float) -> float:
    """What the counters counted after `since`: per series, from its last sample at or before `since` (0 for a series
    that began later, a new pod's worker counting from zero), each rise between consecutive samples, a sample below
    the one before (a worker that restarted) counted from zero; summed over series."""
    total = 0.0
    for values in samples.values():
        before = [value for at, value in values if at <= since]
        previous = before[-1] if before else 0.0
        for _, value in ((at, value) for at, value in values if at > since):
            total += value - previous if value >= previous else value
            previous = value
    return total


def test_counting_since_a_moment_follows_pods_that_come_and_go():
    """The arithmetic of the check below, on samples whose answer is known: an old pod counts 10 after the moment
    and disappears, a new pod counts 7 from zero, a third pod's worker restarts (4, then 3 from zero)."""
    samples = {"old/metrics-1": [(0, 5), (10, 9), (20, 15)], "new/metrics-1": [(15, 2), (25, 7)],
               "third/metrics-1": [(0, 1), (10, 5), (20, 3)]}
    assert counted_since(samples, 0) == 10 + 7 + 4 + 3


def test_a_rolling_update_under_load_loses_no_request_and_counts_every_one(prod):
    """Every request the clients sent during an image rollout was served (readiness, the pre-stop pause and the
    grace period), and the pods' counters, old and new, count exactly the requests served, within those in flight."""
    settings = prod.app
    overrides = {"alertmanager": _prod_alertmanager_with_sink(), **SINK_OVERRIDES_DROP, **ROLLOUT_SCRAPE}
    webhook = {WEBHOOK_SECRET: f"http://webhook.{SINK_NAMESPACE}.svc.cluster.local:8080/"}
    prod.up(overrides, secrets=webhook)
    service_ip = get("service", "-n", settings.namespace, settings.app_name)["spec"]["clusterIP"]
    interval = ROLLOUT_SCRAPE["scrapeInterval"]
    wait(f"every target scraped every {interval}", lambda: (lambda found: len(found) == settings.replicas * settings.
         web_concurrency and all(t["health"] == "up" and t["scrapeInterval"] == interval for t in found))(
        targets(settings)), timeout=240)
    served, failed = [0] * LOAD_THREADS, []
    stop = threading.Event()

    def load(client: int):
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"http://{service_ip}:{settings.service_port}/", timeout=5) as response:
                    if response.status == 200:
                        served[client] += 1
                    else:
                        failed.append(f"status {response.status}")
            except OSError as error:  # refused, reset, timed out, an HTTP error status: each is a lost request
                failed.append(repr(error))
            time.sleep(0.1)

    rolled = image_tag("django-app") + "-rolled"
    for node in nodes(recorded()["nodes"]):
        run(["ctr", "-a", str(node.containerd_socket), "-n", "k8s.io", "images", "tag", "--force",
             "docker.io/" + image_tag("django-app"), "docker.io/" + rolled])
    scrape = float(parse_duration(interval))
    time.sleep(2 * scrape)  # every target scraped after any earlier request: the counts at `started` are complete
    started = time.time()
    clients = [threading.Thread(target=load, args=(client,), daemon=True) for client in range(LOAD_THREADS)]
    for client in clients:
        client.start()
    try:
        prod.up(overrides | {"image": rolled}, secrets=webhook)
        # Old pods may still be in their termination grace period (pre-stop pause, gunicorn's graceful stop).
        images = {p["spec"]["containers"][0]["image"] for p in app_pods(settings)
                  if "deletionTimestamp" not in p["metadata"]}
        assert images == {rolled}
        wait_for_targets(settings, settings.replicas * settings.web_concurrency, timeout=300)
        time.sleep(20)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    assert not any(client.is_alive() for client in clients)
    assert sum(served) > 50 and failed == [], (served, failed)
    wait("only the new pods' targets", lambda: {t["labels"]["pod"] for t in targets(settings)}
         == {p["metadata"]["name"] for p in app_pods(settings)}, timeout=120)
    time.sleep(2 * scrape)  # the new pods scraped after the last request
    counted = counted_since(_index_samples(settings, started - 2 * scrape, time.time()), started)
    assert abs(counted - sum(served)) <= LOAD_THREADS, (counted, sum(served))
