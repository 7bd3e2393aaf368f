"""The prometheus-operator ServiceMonitor: one endpoint per metrics port of the port plan."""
import pulumi

from components.django_app import app_labels, port_plan
from components.labels import selector_labels
from components.relabel import RelabelConfig, static_label
from components.resources import register
from stacks.settings import StackSettings


def target_relabelings(settings: StackSettings, stack: str) -> list[RelabelConfig]:
    """environment=<stack>, then each static label, then the stack's own relabel configs, in that order."""
    fixed = [static_label("environment", stack)]
    fixed += [static_label(name, value) for name, value in sorted(settings.static_labels.items())]
    return fixed + list(settings.relabelings)


def build_service_monitor(settings: StackSettings, stack: str) -> dict:
    labels = app_labels(settings, stack)
    relabelings = [config.to_operator() for config in target_relabelings(settings, stack)]
    metric_relabelings = [config.to_operator() for config in settings.metric_relabelings]
    endpoints = []
    for port in port_plan(settings).metrics:
        endpoint = {"port": port.name, "path": settings.metrics_path, "interval": settings.scrape_interval,
                    "scrapeTimeout": settings.scrape_timeout, "relabelings": relabelings}
        if metric_relabelings:
            endpoint["metricRelabelings"] = metric_relabelings
        endpoints.append(endpoint)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": settings.app_name, "namespace": settings.namespace,
                     "labels": labels | dict(settings.service_monitor_labels)},
        "spec": {
            "selector": {"matchLabels": selector_labels(labels)},
            "namespaceSelector": {"matchNames": [settings.namespace]},
            "endpoints": endpoints,
        },
    }


class ServiceMonitor(pulumi.ComponentResource):
    def __init__(self, name: str, settings: StackSettings, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:service_monitor:ServiceMonitor", name, None, opts)
        self.resource = register(build_service_monitor(settings, stack), pulumi.ResourceOptions(parent=self))
        self.name = pulumi.Output.from_input(settings.app_name)
        self.register_outputs({"name": self.name})
