"""The prometheus-operator ServiceMonitor: one endpoint per metrics port of the port plan."""
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
