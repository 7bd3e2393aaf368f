"""The tests of a stack deployed beside the monitoring a platform already runs, for each of its two common installs
(localcluster/monitoring.py): test_beside_kube_prometheus.py and test_beside_kube_prometheus_stack.py import them
with their MONITORING.

dev goes up beside the install, routed to a webhook of its own, and the platform's Prometheus is wired to it as the
docs tell a platform team to; what the install applied is read before, and compared after our up and after our
destroy."""
import json
import stat
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from localcluster import monitoring
from localcluster.layout import KUBECONFIG
from localcluster.operator_config import generated_config
from localcluster.cluster import binaries
from tests.cluster.conftest import Stack
from tests.cluster.kube import alerting_wired, get, http_json, kubectl, wait
from tests.cluster.scraping import app_pods

pytestmark = pytest.mark.cluster
OUR_SINK = "our-receiver"
WEBHOOK_SECRET = "ourSinkWebhookUrl"
NETCHECK = monitoring.NETCHECK_IMAGE
CUSTOM_RESOURCES = ("Prometheus", "Alertmanager")


def _images():
    from localcluster.addons import monitoring_images
    from localcluster.cluster import IMAGES, image_tag

    return monitoring_images({name: image_tag(name) for name in IMAGES})


def theirs(platform) -> dict[str, object]:
    """Every object the install applied, as it stands: resourceVersion and content; for their Prometheus and
    Alertmanager resources (whose status the operator keeps writing) generation, labels, annotations and spec."""
    found = {}
    for kind, name, namespace in monitoring.objects_of(platform.name, _images()):
        where = ["-n", namespace] if namespace else []
        obj = get(kind.lower(), *where, name)
        metadata = obj["metadata"]
        if kind in CUSTOM_RESOURCES:
            found[f"{kind}/{namespace}/{name}"] = (metadata["generation"], metadata.get("labels"),
                                                   metadata.get("annotations"), obj["spec"])
        else:
            content = {key: value for key, value in obj.items() if key not in ("metadata", "status")}
            found[f"{kind}/{namespace}/{name}"] = (metadata["resourceVersion"], metadata.get("labels"),
                                                   metadata.get("annotations"), content)
    return found


def _sink_objects() -> list[dict]:
    labels = {"app": "webhook"}
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OUR_SINK}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "webhook", "namespace": OUR_SINK, "labels": labels},
             "spec": {"containers": [{"name": "netcheck", "image": NETCHECK, "imagePullPolicy": "IfNotPresent",
                                      "args": ["webhook", ":8080"],
                                      "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                                          "runAsUser": 65534, "capabilities": {"drop": ["ALL"]},
                                                          "seccompProfile": {"type": "RuntimeDefault"}}}]}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "webhook", "namespace": OUR_SINK},
             "spec": {"selector": labels, "ports": [{"port": 8080}]}}]


def _webhook(namespace: str) -> str:
    return f"http://{get('pod', '-n', namespace, 'webhook')['status']['podIP']}:8080"


@pytest.fixture(scope="module")
def sink(platform):
    """Our webhook receiver, in a namespace of its own."""
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(_sink_objects()))
    kubectl("wait", "-n", OUR_SINK, "--for=condition=Ready", "pod/webhook", "--timeout=120s", timeout=150)
    yield _webhook(OUR_SINK)
    kubectl("delete", "namespace", OUR_SINK, "--wait=true", "--timeout=120s", timeout=150)


def _overrides(platform) -> dict:
    """dev routed to our sink; beside kube-prometheus, whose Prometheus may discover only in default, kube-system
    and monitoring, the stack grants its service account discovery in the app's namespace."""
    alertmanager = {"routing": {"route": {"receiver": "sink", "group_by": ["alertname"], "group_wait": "5s",
                                          "group_interval": "5m", "repeat_interval": "4h"},
                                "receivers": [{"name": "sink", "webhook_configs": [{"url_secret": WEBHOOK_SECRET}]}]},
                    "egress": [{"namespace": OUR_SINK, "podLabels": {"app": "webhook"},
                                "ports": [{"port": 8080, "protocol": "TCP"}]}]}
    overrides = {"alertmanager": alertmanager}
    if platform.name == "kube-prometheus":
        overrides["prometheusServiceAccount"] = platform.prometheus_service_account
    return overrides


SECRETS = {WEBHOOK_SECRET: f"http://webhook.{OUR_SINK}.svc.cluster.local:8080/"}


@pytest.fixture(scope="module")
def before(platform):
    """The install's objects before any stack of ours touched the cluster."""
    return theirs(platform)


@pytest.fixture(scope="module")
def ours(platform, sink, before):
    deployed = Stack("dev", platform)
    try:
        deployed.up(_overrides(platform), secrets=SECRETS)
        yield deployed
    finally:
        deployed.destroy_after_interruption()


def test_our_up_leaves_every_object_of_theirs_unchanged(platform, ours, before):
    assert theirs(platform) == before


def _refused(result, key: str) -> list[str]:
    """The program's one line (the CLI shows it in its progress and again in its diagnostics)."""
    output = result.stdout + result.stderr
    return sorted({line.split("error: ", 1)[1] for line in output.splitlines()
                   if "error: " in line and f"django-observability:{key}:" in line})


@pytest.mark.parametrize("collision", ["alertmanager", "namespace"])
def test_a_stack_set_up_to_collide_is_refused_before_any_change(platform, ours, before, collision):
    """Its Alertmanager named like theirs, or its namespace one that exists and is not ours."""
    if collision == "alertmanager":
        overrides = _overrides(platform) | {"alertmanager": _overrides(platform)["alertmanager"]
                                            | {"name": platform.alertmanager}}
        key, named = "alertmanager.name", f"monitoring/{platform.config_secret}"
    else:
        overrides = _overrides(platform) | {"namespace": monitoring.RECEIVER_NAMESPACE}
        key, named = "namespace", f"Namespace {monitoring.RECEIVER_NAMESPACE} exists"
    state = ours.state()
    result = ours.pulumi("up", "--yes", "--skip-preview", overrides=overrides, secrets=SECRETS, check=False)
    assert result.returncode != 0
    [line] = _refused(result, key)
    assert named in line and "did not make it" in line and "pulumi import" in line and "set another" in line, line
    assert "Traceback" not in result.stdout + result.stderr
    assert ours.state() == state
    assert theirs(platform) == before


def test_an_object_of_ours_without_the_mark_is_still_ours(platform, ours):
    """As an older version of the program left its objects (no mark): the state says the stack made it, so `up`
    goes ahead, and marks it (with --refresh, which reads the mark's absence into the state)."""
    from django_observability.components.resources import MARK

    secret = f"alertmanager-{ours.alertmanager_name}"
    kubectl("annotate", "secret", "-n", "monitoring", secret, f"{MARK}-")
    assert MARK not in get("secret", "-n", "monitoring", secret)["metadata"]["annotations"]
    ours.up(_overrides(platform), "--refresh", secrets=SECRETS)
    assert get("secret", "-n", "monitoring", secret)["metadata"]["annotations"][MARK] == \
        "organization/django-observability/dev"


def _alerts(url: str, since: int = 0) -> list[dict]:
    """The alerts a webhook was sent, in the notifications after its first `since` (the platform's receiver lives
    as long as the cluster, across installs and modules)."""
    return [alert for body in http_json(f"{url}/received")[since:] for alert in body.get("alerts", [])]


def _ours(alert: dict, settings) -> bool:
    return (alert["labels"].get("namespace"), alert["labels"].get("service")) == (settings.namespace,
                                                                                   settings.app_name)


def _fail(pod_ips: list[str], port: int, count: int) -> None:
    for index in range(count):
        try:
            urllib.request.urlopen(f"http://{pod_ips[index % len(pod_ips)]}:{port}/fail/", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 500


@pytest.fixture(scope="module")
def wired(ours):
    with alerting_wired(ours):
        yield ours


def test_our_alert_reaches_ours_exactly_once_and_theirs_never(platform, wired, sink):
    settings = wired.app
    platform_webhook = _webhook(monitoring.RECEIVER_NAMESPACE)
    theirs_before = len(http_json(f"{platform_webhook}/received"))
    pod_ips = [p["status"]["podIP"] for p in app_pods(settings)]

    def notified():
        _fail(pod_ips, settings.http_port, 20)
        return [alert for alert in _alerts(sink) if alert["labels"].get("alertname") == "ErrorBudgetBurn"
                and _ours(alert, settings)]

    # Errors only: the fast burn-rate alert of our rules fires once its windows hold two scrapes.
    first = wait("our ErrorBudgetBurn notification", notified, timeout=360, interval=5)
    assert first[0]["labels"]["prometheus"] == f"monitoring/{platform.prometheus}"
    time.sleep(45)  # past every Alertmanager's group_wait (theirs 30s) and the peers' dedup
    bodies = [body for body in http_json(f"{sink}/received")
              if any(alert["labels"].get("alertname") == "ErrorBudgetBurn" for alert in body.get("alerts", []))]
    assert len(bodies) == 1, bodies
    assert not [alert for alert in _alerts(platform_webhook, theirs_before) if _ours(alert, settings)]


def test_their_own_test_alert_reaches_theirs_only(platform, wired, sink):
    name = f"PlatformTestAlert{int(time.time())}"
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": name.lower(), "namespace": monitoring.NAMESPACE, "labels": platform.selected_labels},
            "spec": {"groups": [{"name": name, "rules": [{"alert": name, "expr": "vector(1)",
                                                          "labels": {"severity": "warning"}}]}]}}
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(rule))
    try:
        platform_webhook = _webhook(monitoring.RECEIVER_NAMESPACE)
        wait("their test alert at their receiver", lambda: [
            alert for alert in _alerts(platform_webhook) if alert["labels"].get("alertname") == name],
             timeout=300, interval=5)
        time.sleep(15)
        assert not [alert for alert in _alerts(sink) if alert["labels"].get("alertname") == name]
    finally:
        kubectl("delete", "prometheusrule", "-n", monitoring.NAMESPACE, name.lower(), "--wait=false")


def _jobs(platform, settings) -> list[str]:
    prefix = f"serviceMonitor/{settings.namespace}/{settings.app_name}/"
    return [job["job_name"] for job in generated_config(binaries()).get("scrape_configs", [])
            if job["job_name"].startswith(prefix)]


def _rule_files(platform, settings) -> list[str]:
    maps = get("configmap", "-n", monitoring.NAMESPACE, "-l", f"prometheus-name={platform.prometheus}")["items"]
    return [name for each in maps for name in each.get("data") or {}
            if name.startswith(f"{settings.namespace}-{settings.app_name}-slo")]


def _warnings(result) -> list[str]:
    """The program's selector warning (the CLI shows it in its progress and again in its diagnostics)."""
    return sorted({line.split("warning: ", 1)[1] for line in (result.stdout + result.stderr).splitlines()
                   if "selected by no Prometheus" in line and "warning: " in line})


def test_a_selector_that_skips_ours_is_named_and_it_is_in_fact_not_scraped_nor_loaded(platform, ours):
    """kube-prometheus-stack selects only objects labelled release: kube-prometheus-stack: without the label, its
    serviceMonitorSelector and ruleSelector skip ours. kube-prometheus selects every object of every namespace: a
    platform that limits its namespace selectors to labelled namespaces skips ours by the namespace selectors."""
    settings = ours.app
    wait("the operator's job for our ServiceMonitor", lambda: _jobs(platform, settings), timeout=180)
    assert _rule_files(platform, settings)
    restricted = {"matchLabels": {"monitoring.example/enabled": "true"}}
    if platform.name == "kube-prometheus":
        before = get("prometheus", "-n", monitoring.NAMESPACE, platform.prometheus)["spec"]
        kubectl("patch", "prometheus", "-n", monitoring.NAMESPACE, platform.prometheus, "--type=merge", "-p",
                json.dumps({"spec": {"serviceMonitorNamespaceSelector": restricted,
                                     "ruleNamespaceSelector": restricted}}))
        overrides, expected = _overrides(platform), ("serviceMonitorNamespaceSelector", "ruleNamespaceSelector")
    else:
        overrides = _overrides(platform) | {"serviceMonitorLabels": {}}
        expected = ("serviceMonitorSelector", "ruleSelector")
    try:
        result = ours.pulumi("up", "--yes", "--skip-preview", overrides=overrides, secrets=SECRETS)
        [warning] = _warnings(result)
        for selector in expected:
            assert f"{selector} " in warning, warning
        assert f"ServiceMonitor {settings.namespace}/{settings.app_name}" in warning
        assert f"PrometheusRule {settings.namespace}/{settings.app_name}-slo" in warning
        assert ("release: kube-prometheus-stack" if platform.name != "kube-prometheus"
                else "monitoring.example/enabled: true") in warning
        wait("the operator to drop our job and our rules", lambda: not _jobs(platform, settings)
             and not _rule_files(platform, settings), timeout=180)
        time.sleep(30)  # several reconciliations: they stay out
        assert not _jobs(platform, settings) and not _rule_files(platform, settings)
    finally:
        if platform.name == "kube-prometheus":  # a merge patch of {} would keep the matchLabels
            kubectl("patch", "prometheus", "-n", monitoring.NAMESPACE, platform.prometheus, "--type=json", "-p",
                    json.dumps([{"op": "replace", "path": f"/spec/{key}", "value": before[key]}
                                for key in ("serviceMonitorNamespaceSelector", "ruleNamespaceSelector")]))
        ours.up(_overrides(platform), secrets=SECRETS)
    assert not _warnings(ours.pulumi("preview", overrides=_overrides(platform), secrets=SECRETS))


def _exec_kubeconfig(tmp_path) -> Path:
    """The cluster's kubeconfig with its user turned into an exec plugin (as EKS' and GKE's are): a script that
    prints an ExecCredential holding the token."""
    config = yaml.safe_load(KUBECONFIG.read_text())
    plugin = tmp_path / "credential-plugin"
    for user in config["users"]:
        token = user["user"].pop("token")
        credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                      "status": {"token": token}}
        plugin.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(credential)}\nEOF\n")
        plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
        user["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                                 "interactiveMode": "Never"}}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_with_an_exec_plugin_kubeconfig_the_check_still_reads_the_selectors(platform, ours, tmp_path):
    kubeconfig = _exec_kubeconfig(tmp_path)
    overrides = _overrides(platform) | {"serviceMonitorLabels": {"team": "nobody-selects-this"}}
    if platform.name == "kube-prometheus":  # selects every label: a namespace selector it does not have, then
        overrides = _overrides(platform) | {"prometheusNamespace": "default"}
    result = ours.pulumi("preview", overrides=overrides, secrets=SECRETS, kubeconfig=kubeconfig, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "cannot be read" not in output and "credentials cannot be loaded" not in output, output
    [warning] = _warnings(result)
    assert ("there is no Prometheus in namespace default" in warning if platform.name == "kube-prometheus"
            else "serviceMonitorSelector" in warning), warning


def test_without_the_grant_the_check_says_discovery_is_forbidden(platform, ours):
    """kube-prometheus' Prometheus may list endpoints only in default, kube-system and monitoring: in a namespace
    that no grant of ours reaches yet, the check says so before deploying."""
    overrides = {key: value for key, value in _overrides(platform).items() if key != "prometheusServiceAccount"}
    result = ours.pulumi("preview", overrides=overrides | {"namespace": "not-granted"}, secrets=SECRETS)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "may not list" in line]
    if platform.name == "kube-prometheus":
        assert lines and f"service account {platform.prometheus_service_account}" in lines[0], result.stdout
    else:
        assert not lines, lines


def test_our_destroy_leaves_every_object_of_theirs_unchanged(platform, ours):
    """Compared with just before the destroy: the tests above changed their Prometheus on purpose (the wiring, a
    narrower selector) and put it back, which its generation counts."""
    before = theirs(platform)
    ours.destroy()
    wait("our Alertmanager to be gone", lambda: kubectl(
        "get", "alertmanager", "-n", "monitoring", ours.alertmanager_name, check=False).returncode != 0, timeout=120)
    assert theirs(platform) == before
    ours.up(_overrides(platform), secrets=SECRETS)  # the fixture destroys it once more at the end
