"""The monitoring a platform already runs, as its two common installs put it in `monitoring`: kube-prometheus (its
generated manifests, `kubectl apply`d) and the kube-prometheus-stack Helm chart with default values. Each is built
here from the documented facts of its project (names, labels, selectors, Services, alert wiring:
shared/reference/monitoring-installs.md), not from a copy of its files, and only the parts a stack deploying beside
it meets: Prometheus, Alertmanager, their Services, service accounts, RBAC, PDBs and NetworkPolicies (no exporters,
Grafana or adapter). The images are the ones built here.

What a platform changes on a stock install, and these do too: its Alertmanager notifies the platform's own webhook
receiver (namespace `platform-receiver`), so that a test sees where the platform's alerts go.

One install runs at a time (both live in `monitoring`, whose `alertmanager-operated` and `prometheus-operated`
Services the operator shares between them); the cluster starts with kube-prometheus-stack, and `switch` replaces
it while no stack is deployed.
"""
from collections.abc import Callable
from typing import NamedTuple

import yaml

from localcluster.layout import LOCAL_IMAGES, record, recorded
from localcluster.progress import say, wait_until

NAMESPACE = "monitoring"
RECEIVER_NAMESPACE = "platform-receiver"
PLATFORM_WEBHOOK = f"http://webhook.{RECEIVER_NAMESPACE}.svc.cluster.local:8080/"
NETCHECK_IMAGE = "django-observability/netcheck:0.1.0"
PULL = "IfNotPresent"


class Images(NamedTuple):
    prometheus: str
    alertmanager: str

    @staticmethod
    def version(image: str) -> str:
        return image.rpartition(":")[2]


class Install(NamedTuple):
    name: str
    prometheus: str
    """The Prometheus resource, in `monitoring`."""
    prometheus_replicas: int
    prometheus_service_account: str
    alertmanager: str
    """The Alertmanager resource, in `monitoring`; its config Secret is alertmanager-<name>."""
    alertmanager_replicas: int
    selected_labels: dict[str, str]
    """What a ServiceMonitor or PrometheusRule must be labelled to be selected by the Prometheus."""
    objects: Callable[[Images], list[dict]]

    @property
    def config_secret(self) -> str:
        return f"alertmanager-{self.alertmanager}"


def _meta(name: str, labels: dict, namespace: str | None = NAMESPACE) -> dict:
    return {"name": name, "labels": labels} | ({"namespace": namespace} if namespace else {})


def _config(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


STOCK_INHIBIT_RULES = [
    {"equal": ["namespace", "alertname"], "source_matchers": ["severity = critical"],
     "target_matchers": ["severity =~ warning|info"]},
    {"equal": ["namespace", "alertname"], "source_matchers": ["severity = warning"],
     "target_matchers": ["severity = info"]},
    {"equal": ["namespace"], "source_matchers": ["alertname = InfoInhibitor"], "target_matchers": ["severity = info"]},
]
_WEBHOOK = [{"url": PLATFORM_WEBHOOK, "send_resolved": False}]
_DISCOVERY_RULES = [
    {"apiGroups": [""], "resources": ["services", "endpoints", "pods"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["extensions", "networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]},
]


def _web_service(name: str, labels: dict, selector: dict, port: int) -> dict:
    """kube-prometheus' ClusterIP Service of a Prometheus or Alertmanager: ClientIP affinity, web and reloader-web."""
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, labels),
            "spec": {"sessionAffinity": "ClientIP", "selector": selector,
                     "ports": [{"name": "web", "port": port, "targetPort": "web"},
                               {"name": "reloader-web", "port": 8080, "targetPort": "reloader-web"}]}}


def _kube_prometheus(images: Images) -> list[dict]:
    """kube-prometheus' manifests: Prometheus k8s (2 replicas, every selector {}, discovery RBAC only in default,
    kube-system and monitoring), Alertmanager main (3 replicas, Secret alertmanager-main), their ClusterIP Services
    with ClientIP affinity, PDBs and NetworkPolicies that admit only pods of `monitoring`."""
    p_version, a_version = Images.version(images.prometheus), Images.version(images.alertmanager)
    p_select = {"app.kubernetes.io/component": "prometheus", "app.kubernetes.io/instance": "k8s",
                "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "kube-prometheus"}
    a_select = {"app.kubernetes.io/component": "alert-router", "app.kubernetes.io/instance": "main",
                "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/part-of": "kube-prometheus"}
    p_labels = p_select | {"app.kubernetes.io/version": p_version}
    a_labels = a_select | {"app.kubernetes.io/version": a_version}
    sa = {"kind": "ServiceAccount", "name": "prometheus-k8s", "namespace": NAMESPACE}
    everything = {}
    objects = [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": NAMESPACE, "labels": {"pod-security.kubernetes.io/warn": "privileged"}}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("prometheus-k8s", p_labels),
         "automountServiceAccountToken": True},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": _meta("prometheus-k8s", p_labels, None),
         "rules": [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                   {"nonResourceURLs": ["/metrics", "/metrics/slis"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": _meta("prometheus-k8s", p_labels, None),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "prometheus-k8s"},
         "subjects": [sa]},
    ]
    for namespace in ("default", "kube-system", NAMESPACE):
        objects += [
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": _meta("prometheus-k8s", p_labels, namespace), "rules": _DISCOVERY_RULES},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": _meta("prometheus-k8s", p_labels, namespace),
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "prometheus-k8s"},
             "subjects": [sa]},
        ]
    selectors = {f"{kind}{part}": everything for kind in ("serviceMonitor", "podMonitor", "probe", "rule",
                                                           "scrapeConfig")
                 for part in ("Selector", "NamespaceSelector")}
    objects += [
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": _meta("k8s", p_labels),
         "spec": {"image": images.prometheus, "version": p_version, "imagePullPolicy": PULL, "replicas": 2,
                  "serviceAccountName": "prometheus-k8s", "serviceDiscoveryRole": "EndpointSlice",
                  "podMetadata": {"labels": p_labels}, **selectors,
                  "alerting": {"alertmanagers": [{"namespace": NAMESPACE, "name": "alertmanager-main",
                                                  "port": "web", "apiVersion": "v2"}]},
                  "resources": {"requests": {"memory": "400Mi"}},
                  "securityContext": {"fsGroup": 2000, "runAsNonRoot": True, "runAsUser": 1000}}},
        _web_service("prometheus-k8s", p_labels, p_select, 9090),
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta("prometheus-k8s", p_labels),
         "spec": {"minAvailable": 1, "selector": {"matchLabels": p_select}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta("prometheus-k8s", p_labels),
         "spec": {"podSelector": {"matchLabels": p_select}, "policyTypes": ["Egress", "Ingress"], "egress": [{}],
                  "ingress": [
                      {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
                       "ports": [{"port": 9090, "protocol": "TCP"}, {"port": 8080, "protocol": "TCP"}]},
                      {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus-adapter"}}}],
                       "ports": [{"port": 9090, "protocol": "TCP"}]},
                      {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "grafana"}}}],
                       "ports": [{"port": 9090, "protocol": "TCP"}]}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("alertmanager-main", a_labels),
         "automountServiceAccountToken": False},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": _meta("alertmanager-main", a_labels),
         "stringData": {"alertmanager.yaml": _config({
             "global": {"resolve_timeout": "5m"},
             "inhibit_rules": STOCK_INHIBIT_RULES,
             "receivers": [{"name": "Default", "webhook_configs": _WEBHOOK}, {"name": "Watchdog"},
                           {"name": "Critical", "webhook_configs": _WEBHOOK}, {"name": "null"}],
             "route": {"group_by": ["namespace"], "group_interval": "5m", "group_wait": "30s",
                       "receiver": "Default", "repeat_interval": "12h",
                       "routes": [{"matchers": ["alertname = Watchdog"], "receiver": "Watchdog"},
                                  {"matchers": ["alertname = InfoInhibitor"], "receiver": "null"},
                                  {"matchers": ["severity = critical"], "receiver": "Critical"}]}})}},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager", "metadata": _meta("main", a_labels),
         "spec": {"image": images.alertmanager, "version": a_version, "imagePullPolicy": PULL, "replicas": 3,
                  "serviceAccountName": "alertmanager-main", "podMetadata": {"labels": a_labels},
                  "resources": {"requests": {"cpu": "4m", "memory": "100Mi"},
                                "limits": {"cpu": "100m", "memory": "100Mi"}},
                  "securityContext": {"fsGroup": 2000, "runAsNonRoot": True, "runAsUser": 1000}}},
        _web_service("alertmanager-main", a_labels, a_select, 9093),
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta("alertmanager-main", a_labels),
         "spec": {"maxUnavailable": 1, "selector": {"matchLabels": a_select}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": _meta("alertmanager-main", a_labels),
         "spec": {"podSelector": {"matchLabels": a_select}, "policyTypes": ["Egress", "Ingress"], "egress": [{}],
                  "ingress": [
                      {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
                       "ports": [{"port": 9093, "protocol": "TCP"}, {"port": 8080, "protocol": "TCP"}]},
                      {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}}],
                       "ports": [{"port": 9094, "protocol": "TCP"}, {"port": 9094, "protocol": "UDP"}]}]}},
    ]
    return objects


KPS = "kube-prometheus-stack"
RELEASE = {"release": KPS}


def _chart_labels(part: str) -> dict[str, str]:
    """What the chart puts on every object it renders (operator-made pods carry none of it)."""
    return {"app": f"{KPS}-{part}", "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": KPS,
            "app.kubernetes.io/part-of": KPS, "chart": f"{KPS}-88.5.3", "release": KPS, "heritage": "Helm"}


def _kube_prometheus_stack(images: Images) -> list[dict]:
    """The chart with default values as release kube-prometheus-stack: Prometheus kube-prometheus-stack-prometheus
    (1 replica, every selector matchLabels release: kube-prometheus-stack, namespace selectors {}, retention 10d,
    discovery everywhere through a ClusterRole), Alertmanager kube-prometheus-stack-alertmanager (1 replica, Secret
    alertmanager-kube-prometheus-stack-alertmanager) and the Services the alerts are sent through; no PDB and no
    NetworkPolicy. Beyond the defaults, the values this cluster sets for the kube-score gate it holds its Prometheus
    to (tests/cluster/test_prod_on_cluster.py): prometheusSpec resources, securityContext and the reloaders'
    storage, and the chart's own podDisruptionBudget and networkPolicy switches."""
    p_name, a_name = f"{KPS}-prometheus", f"{KPS}-alertmanager"
    p_labels, a_labels = _chart_labels("prometheus"), _chart_labels("alertmanager")
    p_pods = {"app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": p_name}
    a_pods = {"app.kubernetes.io/name": "alertmanager", "alertmanager": a_name}
    everywhere = {}
    reloader_storage = {"requests": {"ephemeral-storage": "16Mi"}, "limits": {"ephemeral-storage": "16Mi"}}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(p_name, p_labels),
         "automountServiceAccountToken": True},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": _meta(p_name, p_labels, None),
         "rules": [{"apiGroups": [""], "resources": ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
                    "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                    "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]},
                   {"nonResourceURLs": ["/metrics", "/metrics/cadvisor"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": _meta(p_name, p_labels, None),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": p_name},
         "subjects": [{"kind": "ServiceAccount", "name": p_name, "namespace": NAMESPACE}]},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
         "metadata": _meta(p_name, p_labels) | {"annotations": {
             # The kube-score gate's one ignore, copied by the operator onto the StatefulSet.
             "kube-score/ignore": "container-image-pull-policy",
             "django-observability.io/kube-score-ignore-container-image-pull-policy": LOCAL_IMAGES}},
         "spec": {"image": images.prometheus, "version": Images.version(images.prometheus),
                  "imagePullPolicy": PULL, "replicas": 1, "serviceAccountName": p_name, "portName": "http-web",
                  "retention": "10d", "scrapeInterval": "30s", "evaluationInterval": "30s",
                  **{f"{kind}Selector": {"matchLabels": dict(RELEASE)}
                     for kind in ("serviceMonitor", "podMonitor", "probe", "rule", "scrapeConfig")},
                  **{f"{kind}NamespaceSelector": everywhere
                     for kind in ("serviceMonitor", "podMonitor", "probe", "rule", "scrapeConfig")},
                  "alerting": {"alertmanagers": [{"namespace": NAMESPACE, "name": a_name, "port": "http-web",
                                                  "apiVersion": "v2"}]},
                  "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                      "fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
                  "resources": {"requests": {"cpu": "500m", "memory": "1Gi", "ephemeral-storage": "2Gi"},
                                "limits": {"cpu": "500m", "memory": "1Gi", "ephemeral-storage": "2Gi"}},
                  "containers": [{"name": "config-reloader", "resources": reloader_storage}],
                  "initContainers": [{"name": "init-config-reloader", "resources": reloader_storage}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(p_name, p_labels | {"self-monitor": "true"}),
         "spec": {"selector": p_pods, "ports": [{"name": "http-web", "port": 9090, "targetPort": 9090},
                                                {"name": "reloader-web", "port": 8080, "targetPort": "reloader-web"}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(p_name, p_labels),
         "spec": {"maxUnavailable": 1, "selector": {"matchLabels": p_pods}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(p_name, p_labels),
         "spec": {"podSelector": {"matchLabels": p_pods}, "policyTypes": ["Ingress", "Egress"],
                  "ingress": [{"ports": [{"port": 9090, "protocol": "TCP"}]}], "egress": [{}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(a_name, a_labels),
         "automountServiceAccountToken": True},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": _meta(f"alertmanager-{a_name}", a_labels),
         "stringData": {"alertmanager.yaml": _config({
             "global": {"resolve_timeout": "5m"},
             "inhibit_rules": STOCK_INHIBIT_RULES + [{"target_matchers": ["alertname = InfoInhibitor"]}],
             "route": {"group_by": ["namespace"], "group_wait": "30s", "group_interval": "5m",
                       "repeat_interval": "12h", "receiver": "platform",
                       "routes": [{"matchers": ["alertname = \"Watchdog\""], "receiver": "null"}]},
             "receivers": [{"name": "null"}, {"name": "platform", "webhook_configs": _WEBHOOK}],
             "templates": ["/etc/alertmanager/config/*.tmpl"]})}},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager", "metadata": _meta(a_name, a_labels),
         "spec": {"image": images.alertmanager, "version": Images.version(images.alertmanager),
                  "imagePullPolicy": PULL, "replicas": 1, "serviceAccountName": a_name, "portName": "http-web",
                  "retention": "120h", "alertmanagerConfigSelector": everywhere,
                  "alertmanagerConfigNamespaceSelector": everywhere, "listenLocal": False,
                  "securityContext": {"runAsGroup": 2000, "runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 2000,
                                      "seccompProfile": {"type": "RuntimeDefault"}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(a_name, a_labels | {"self-monitor": "true"}),
         "spec": {"selector": a_pods, "ports": [{"name": "http-web", "port": 9093, "targetPort": 9093},
                                                {"name": "reloader-web", "port": 8080, "targetPort": "reloader-web"}]}},
    ]


INSTALLS = {
    "kube-prometheus": Install("kube-prometheus", "k8s", 2, "prometheus-k8s", "main", 3, {}, _kube_prometheus),
    KPS: Install(KPS, f"{KPS}-prometheus", 1, f"{KPS}-prometheus", f"{KPS}-alertmanager", 1, dict(RELEASE),
                 _kube_prometheus_stack),
}
DEFAULT = KPS


def receiver_objects() -> list[dict]:
    """The platform's own webhook receiver, where the installs' Alertmanagers notify (netcheck's webhook keeps
    every body it was sent, at /received)."""
    labels = {"app": "webhook"}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": RECEIVER_NAMESPACE}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "webhook", "namespace": RECEIVER_NAMESPACE,
                                                         "labels": labels},
         "spec": {"containers": [{"name": "netcheck", "image": NETCHECK_IMAGE, "imagePullPolicy": PULL,
                                  "args": ["webhook", ":8080"],
                                  "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                                      "runAsUser": 65534, "capabilities": {"drop": ["ALL"]},
                                                      "seccompProfile": {"type": "RuntimeDefault"}}}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "webhook", "namespace": RECEIVER_NAMESPACE},
         "spec": {"selector": labels, "ports": [{"port": 8080}]}},
    ]


def field_manager(install: Install) -> str:
    return f"platform-{install.name}"


def _statefulsets(install: Install) -> dict[str, int]:
    return {f"prometheus-{install.prometheus}": install.prometheus_replicas,
            f"alertmanager-{install.alertmanager}": install.alertmanager_replicas}


def ready(kubectl: Callable, install: Install) -> bool:
    for name, replicas in _statefulsets(install).items():
        found = kubectl("-n", NAMESPACE, "get", "statefulset", name, "-o", "jsonpath={.status.readyReplicas}",
                        check=False).stdout.strip()
        if found != str(replicas):
            return False
    return True


def install(kubectl: Callable, images: Images, name: str, timeout: float = 300) -> Install:
    """Apply an install (server-side, as its own field manager) and the platform's receiver; wait until every
    Prometheus and Alertmanager replica is ready."""
    chosen = INSTALLS[name]
    say(f"monitoring: {name} in namespace {NAMESPACE} (Prometheus {chosen.prometheus}, "
        f"Alertmanager {chosen.alertmanager})")
    kubectl("apply", "--server-side", "--field-manager=platform-receiver", "-f", "-",
            stdin=yaml.safe_dump_all(receiver_objects()))
    kubectl("apply", "--server-side", f"--field-manager={field_manager(chosen)}", "-f", "-",
            stdin=yaml.safe_dump_all(chosen.objects(images)))
    wait_until(lambda: ready(kubectl, chosen), f"{name}'s Prometheus and Alertmanager to be ready", timeout=timeout,
               interval=2)
    return chosen


def remove(kubectl: Callable, images: Images, name: str, timeout: float = 180) -> None:
    """Delete what the install applied (its namespace stays, with the labels it set taken off: both installs use
    `monitoring`), and wait until the operator's StatefulSets of it are gone."""
    chosen = INSTALLS[name]
    say(f"monitoring: removing {name}")
    objects = [obj for obj in chosen.objects(images) if obj["kind"] != "Namespace"]
    kubectl("delete", "--ignore-not-found", "--wait=true", "-f", "-", stdin=yaml.safe_dump_all(objects),
            timeout=timeout)
    kubectl("apply", "--server-side", f"--field-manager={field_manager(chosen)}", "-f", "-",
            stdin=yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}))

    def gone() -> bool:
        return all(kubectl("-n", NAMESPACE, "get", "statefulset", each, check=False).returncode != 0
                   for each in _statefulsets(chosen))

    wait_until(gone, f"{name}'s StatefulSets to be deleted", timeout=timeout, interval=2)


def objects_of(install_name: str, images: Images) -> list[tuple[str, str, str | None]]:
    """(kind, name, namespace) of what an install applied, for a test that holds them unchanged."""
    return [(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))
            for obj in INSTALLS[install_name].objects(images)]


def current() -> Install:
    """The install the cluster runs now."""
    return INSTALLS[recorded().get("monitoring") or DEFAULT]


def switch(kubectl: Callable, images: Images, name: str) -> Install:
    """Replace the running install by `name` (while no stack is deployed beside it)."""
    running = current()
    if running.name != name:
        remove(kubectl, images, running.name)
    record(monitoring=name)
    return install(kubectl, images, name)
