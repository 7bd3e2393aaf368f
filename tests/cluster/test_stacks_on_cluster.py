"""dev and acceptance on the local cluster, deployed by a real `pulumi up`: real pods of the reference app on real
nodes, scraped per worker by the Prometheus that prometheus-operator generated from the stack's ServiceMonitor."""
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from localcluster.layout import PROMETHEUS_NAMESPACE
from localrun.tools import go_tool
from django_observability.settings.model import quantity_value
from tests.cluster.kube import get, in_pod, kubectl, prometheus_api, secret_file, wait
from tests.cluster.scraping import (app_pods, index_requests_total, per_target, send_requests, targets,
                                    wait_for_targets)

pytestmark = pytest.mark.cluster
STACKS = ("dev", "acceptance")


def test_pods_run_and_are_ready_on_real_nodes(stack):
    settings = stack.app
    found = app_pods(settings)
    assert len(found) == settings.replicas
    for pod in found:
        assert pod["status"]["phase"] == "Running"
        assert {c["type"]: c["status"] for c in pod["status"]["conditions"]}["Ready"] == "True"
        assert pod["spec"]["nodeName"].startswith("node-")


def test_every_worker_port_serves_metrics_inside_the_pod(stack):
    settings = stack.app
    ports = range(settings.metrics_start_port, settings.metrics_start_port + settings.web_concurrency)
    for pod in app_pods(settings):
        for port in ports:
            body = in_pod(settings.namespace, pod["metadata"]["name"], "python3", "-c",
                          f"import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:{port}"
                          f"{settings.metrics_path}',timeout=5).read().decode())")
            assert "django_http_requests_before_middlewares_total" in body, port


def test_one_up_target_per_worker_per_pod_with_the_stacks_labels(stack):
    settings = stack.app
    expected = settings.replicas * settings.web_concurrency
    found = wait_for_targets(settings, expected)
    endpoints = sorted(t["labels"]["endpoint"] for t in found)
    assert endpoints == sorted([f"metrics-{i}" for i in range(1, settings.web_concurrency + 1)] * settings.replicas)
    assert len({t["scrapeUrl"] for t in found}) == expected
    for target in found:
        assert target["labels"]["environment"] == stack.name
        for name, value in settings.static_labels.items():
            assert target["labels"][name] == value


def test_counters_summed_over_all_targets_equal_the_requests_sent(stack):
    settings = stack.app
    wait_for_targets(settings, settings.replicas * settings.web_concurrency)
    before = index_requests_total(settings)
    sent = 40
    send_requests([p["status"]["podIP"] for p in app_pods(settings)], settings.http_port, sent)
    wait(f"the sum over targets to grow by {sent}", lambda: index_requests_total(settings) == before + sent,
         timeout=90)
    # And it stays there: no worker is counted twice.
    assert index_requests_total(settings) == before + sent


def test_a_killed_worker_comes_back_and_no_other_counter_goes_down(stack):
    settings = stack.app
    expected = settings.replicas * settings.web_concurrency
    wait_for_targets(settings, expected)
    send_requests([p["status"]["podIP"] for p in app_pods(settings)], settings.http_port, 20)
    counter = "django_http_requests_before_middlewares_total"
    wait("every target scraped after the requests", lambda: sum(per_target(counter, settings).values()) >= 20, 60)
    before = per_target(counter, settings)
    started_before = per_target("process_start_time_seconds", settings)
    pod = app_pods(settings)[0]["metadata"]["name"]
    # gunicorn's master is PID 1 of the container; kill its first worker.
    victim = in_pod(settings.namespace, pod, "python3", "-c",
                    "import os;print(min(int(p) for p in os.listdir('/proc') if p.isdigit() and "
                    "open(f'/proc/{p}/stat').read().rsplit(')',1)[1].split()[1]=='1'))").strip()
    in_pod(settings.namespace, pod, "python3", "-c", f"import os,signal;os.kill({victim},signal.SIGKILL)")

    def restarted():
        now = per_target("process_start_time_seconds", settings)
        changed = [k for k in now if k in started_before and now[k] != started_before[k]]
        up = [t for t in targets(settings) if t["health"] == "up"]
        return changed if len(changed) == 1 and len(up) == expected else None
    [restarted_target] = wait("the killed worker's target to come back", restarted, timeout=120)
    assert restarted_target.startswith(pod + "/")
    # Every target scraped again since (a series is absent for a moment while its target is re-scraped).
    after = wait("every target's counter scraped again", lambda: (lambda now: now if set(before) <= set(now) else None)(
        per_target(counter, settings)), timeout=60)
    for key, value in before.items():
        if key != restarted_target:
            assert after[key] >= value, f"{key} went down from {value} to {after[key]}"


def test_the_operators_generated_scrape_config_has_one_job_per_endpoint_and_passes_promtool(stack):
    settings = stack.app
    config_text = secret_file(PROMETHEUS_NAMESPACE, f"prometheus-{stack.platform.prometheus}", "prometheus.yaml.gz")
    config = yaml.safe_load(config_text)
    prefix = f"serviceMonitor/{settings.namespace}/{settings.app_name}/"
    jobs = sorted(job["job_name"] for job in config["scrape_configs"] if job["job_name"].startswith(prefix))
    assert jobs == sorted(f"{prefix}{i}" for i in range(settings.web_concurrency))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "prometheus.yaml"
        path.write_text(config_text)
        result = subprocess.run([go_tool("promtool"), "check", "config", "--syntax-only", str(path)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_operators_generated_alertmanager_config_passes_amtool(stack):
    settings = stack.settings
    name = settings.alertmanager.resource_name(stack.name)
    secret = get("secret", "-n", settings.alertmanager.namespace, f"alertmanager-{name}-generated")
    key = next(k for k in secret["data"] if k.startswith("alertmanager.yaml"))
    config_text = secret_file(settings.alertmanager.namespace, f"alertmanager-{name}-generated", key)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "alertmanager.yaml"
        path.write_text(config_text)
        result = subprocess.run([go_tool("amtool"), "check-config", str(path)], capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "route" in yaml.safe_load(config_text)


def test_the_slo_rules_reach_the_operators_rule_configmap_and_prometheus(stack):
    settings = stack.app
    config_maps = get("configmap", "-n", PROMETHEUS_NAMESPACE, "-l",
                      f"prometheus-name={stack.platform.prometheus}")["items"]
    files = {name for cm in config_maps for name in cm.get("data", {})}
    assert any(name.startswith(f"{settings.namespace}-{settings.app_name}-slo") for name in files), files
    rule = get("prometheusrule", "-n", settings.namespace, f"{settings.app_name}-slo")
    expected = {group["name"] for group in rule["spec"]["groups"]}
    loaded = wait("Prometheus to load the SLO groups", lambda: expected <= {
        g["name"] for g in prometheus_api("rules")["groups"]}, timeout=180)
    assert loaded


DATABASE = "/tmp/reference-app.sqlite3"
"""The reference app's SQLite file (app/djangoapp/settings.py), which its readiness view opens."""


def _ready_addresses(settings) -> set[str]:
    slices = get("endpointslices", "-n", settings.namespace, "-l",
                 f"kubernetes.io/service-name={settings.app_name}")["items"]
    return {address for piece in slices for endpoint in piece.get("endpoints") or []
            if endpoint.get("conditions", {}).get("ready") for address in endpoint["addresses"]}


def test_a_pod_that_cannot_reach_its_database_leaves_the_endpoints_within_its_probe_window(stack):
    """The database made unopenable (a directory where its file was): /ready/ answers 503, the pod leaves the
    Service's ready endpoints within the readiness probe's window, and returns once the file is back."""
    settings = stack.app
    [pod, *others] = app_pods(settings)
    name, address = pod["metadata"]["name"], pod["status"]["podIP"]
    assert address in _ready_addresses(settings)
    readiness = settings.probes.readiness
    window = readiness.period_seconds * readiness.failure_threshold
    in_pod(settings.namespace, name, "python3", "-c",
           f"import os; os.rename('{DATABASE}', '{DATABASE}.away'); os.mkdir('{DATABASE}')")
    try:
        # One probe period more for the failure count to start, and a few seconds for the EndpointSlice update.
        wait("the pod to leave the ready endpoints", lambda: address not in _ready_addresses(settings),
             timeout=window + readiness.period_seconds + 5, interval=0.5)
        assert {p["status"]["podIP"] for p in others} <= _ready_addresses(settings)
    finally:
        in_pod(settings.namespace, name, "python3", "-c",
               f"import os; os.rmdir('{DATABASE}'); os.rename('{DATABASE}.away', '{DATABASE}')")
    wait("the pod to return to the ready endpoints", lambda: address in _ready_addresses(settings), timeout=60,
         interval=0.5)
    assert get("pod", "-n", settings.namespace, name)["status"]["containerStatuses"][0]["restartCount"] == 0


def test_filling_tmp_past_its_size_limit_evicts_that_pod_only(stack):
    settings = stack.app
    [pod, *others] = app_pods(settings)
    name = pod["metadata"]["name"]
    mib_past_limit = int(quantity_value(settings.storage.tmp)) // 2**20 + 16
    # In 1 MiB writes: the pod's memory limit has no room for the whole file at once.
    in_pod(settings.namespace, name, "python3", "-c",
           f"f = open('/tmp/fill', 'wb'); [f.write(bytes(2**20)) for _ in range({mib_past_limit})]; f.close()")

    def eviction() -> str | None:
        """The kubelet's eviction event for the pod. Its status is no sign: gunicorn exits cleanly on the eviction's
        SIGTERM, so the pod ends Succeeded without a reason."""
        events = get("events", "-n", settings.namespace, "--field-selector",
                     f"involvedObject.name={name},reason=Evicted")["items"]
        return events[0]["message"] if events else None

    # The kubelet measures emptyDir usage on its volume-stats period (one minute), then evicts.
    message = wait("the pod to be evicted", eviction, timeout=240)
    assert 'EmptyDir volume "tmp" exceeds the limit' in message, message
    wait("the evicted pod to stop", lambda: get("pod", "-n", settings.namespace, name)["status"]["phase"]
         in ("Succeeded", "Failed"), timeout=120)
    running = {p["metadata"]["name"] for p in app_pods(settings) if p["status"].get("phase") == "Running"}
    assert {p["metadata"]["name"] for p in others} <= running
    kubectl("delete", "pod", "-n", settings.namespace, name, "--wait=false")
    wait_for_targets(settings, settings.replicas * settings.web_concurrency, timeout=300)
