"""The prometheus-operator ServiceMonitor: one endpoint per metrics port of the port plan; and, when the stack names
the Prometheus' service account, the discovery it needs in the app's namespace."""
from django_observability.builders.params import MonitoringParams
from django_observability.builders.relabel import to_operator


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
