"""How Prometheus scrapes the app: one endpoint per metrics port of the port plan, as a prometheus-operator
ServiceMonitor, and the same jobs as prometheus.yml's `scrape_configs` for a Prometheus without the operator; and,
when the stack names the Prometheus' service account, the discovery it needs in the app's namespace.

The scrape jobs give each target the labels the operator gives the ServiceMonitor's (namespace, service, pod,
container, job, endpoint), so the SLO rules and the dashboard read both alike; tests/cluster/test_operator_config.py
holds them to what the real operator generates.
"""
import re

from django_observability.builders.params import MonitoringParams
from django_observability.builders.relabel import to_operator, to_prometheus


def build_service_monitor(monitoring: MonitoringParams) -> dict:
    identity = monitoring.identity
    relabelings = [to_operator(config) for config in monitoring.relabelings]
    metric_relabelings = [to_operator(config) for config in monitoring.metric_relabelings]
    endpoints = []
    for port in identity.ports.metrics:
        endpoint = {"port": port.name, "path": monitoring.path, "interval": monitoring.interval,
                    "scrapeTimeout": monitoring.timeout, "relabelings": relabelings}
        if metric_relabelings:
            endpoint["metricRelabelings"] = metric_relabelings
        endpoints.append(endpoint)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": identity.metadata(labels=monitoring.labels),
        "spec": {
            "selector": {"matchLabels": identity.selector},
            "namespaceSelector": {"matchNames": [identity.namespace]},
            "endpoints": endpoints,
        },
    }


_META = "__meta_kubernetes_"


def _label_name(key: str) -> str:
    """A Kubernetes label key as Prometheus' discovery spells it in a meta label."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", key)


def _literal(text: str) -> str:
    """`text` as an RE2 pattern that matches only itself."""
    return re.sub(r"([.*+?^${}()|\[\]\\])", r"\\\1", text)


def _copy(source: str, target: str) -> dict:
    return {"source_labels": [f"{_META}{source}"], "target_label": target}


def build_scrape_jobs(monitoring: MonitoringParams) -> list[dict]:
    """prometheus.yml `scrape_configs` entries: per worker port, a job that discovers the Service's endpoints in the
    app's namespace, keeps the Service the ServiceMonitor selects and that one port, labels each target as the
    operator does, drops pods that have ended, then applies the stack's relabel configs (snake_case)."""
    identity = monitoring.identity
    selector = [{"action": "keep", "source_labels": [f"{_META}service_label_{_label_name(key)}",
                                                     f"{_META}service_labelpresent_{_label_name(key)}"],
                 "regex": f"({_literal(value)});true"} for key, value in sorted(identity.selector.items())]
    jobs = []
    for port in identity.ports.metrics:
        relabel_configs = [
            *selector,
            {"action": "keep", "source_labels": [f"{_META}endpoint_port_name"], "regex": _literal(port.name)},
            _copy("namespace", "namespace"), _copy("service_name", "service"), _copy("pod_name", "pod"),
            _copy("pod_container_name", "container"),
            {"action": "drop", "source_labels": [f"{_META}pod_phase"], "regex": "(Failed|Succeeded)"},
            _copy("service_name", "job"),
            {"target_label": "endpoint", "replacement": port.name},
            *(to_prometheus(config) for config in monitoring.relabelings),
        ]
        job = {"job_name": f"{identity.namespace}/{identity.name}/{port.name}", "honor_labels": False,
               "scrape_interval": monitoring.interval, "scrape_timeout": monitoring.timeout,
               "metrics_path": monitoring.path,
               "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": [identity.namespace]}}],
               "relabel_configs": relabel_configs}
        if monitoring.metric_relabelings:
            job["metric_relabel_configs"] = [to_prometheus(config) for config in monitoring.metric_relabelings]
        jobs.append(job)
    return jobs


DISCOVERY_RULES = [
    {"apiGroups": [""], "resources": ["services", "endpoints", "pods"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
]
"""What a Prometheus' Kubernetes discovery of a ServiceMonitor's targets reads (role endpoints or endpointslice)."""


def build_discovery_grant(monitoring: MonitoringParams) -> list[dict]:
    """A Role and RoleBinding in the app's namespace for the Prometheus service account `prometheusServiceAccount`,
    exactly what its discovery reads there, and nothing when the setting is unset."""
    account = monitoring.prometheus_service_account
    if account is None:
        return []
    identity = monitoring.identity
    metadata = identity.metadata(name=f"{identity.name}-prometheus-discovery")
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata,
         "rules": DISCOVERY_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": metadata,
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": metadata["name"]},
         "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": monitoring.prometheus_namespace}]},
    ]


def build_monitoring(monitoring: MonitoringParams) -> list[dict]:
    """The ServiceMonitor first (the part's export reads it), then its discovery grant."""
    return [build_service_monitor(monitoring), *build_discovery_grant(monitoring)]
