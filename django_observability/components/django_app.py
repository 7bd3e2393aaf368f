"""`DjangoApp`: one metrics-enabled Django app as a Pulumi component — its namespace (when it creates it),
Deployment, Service, PodDisruptionBudget and NetworkPolicies, its ServiceMonitor (one endpoint per gunicorn
worker), its SLO rules and its dashboard."""
import pulumi

from django_observability.builders.params import django_app_params
from django_observability.builders.stack import app_objects, app_outputs
from django_observability.components import former
from django_observability.components.args import DjangoAppArgs
from django_observability.components.arguments import validated
from django_observability.components.children import register_children, registered_outputs
from django_observability.settings.app import AppSpec

TYPE = "django-observability:index:DjangoApp"


class DjangoApp(pulumi.ComponentResource):
    """A Django app behind gunicorn, scraped by Prometheus one port per worker, with its SLO rules and dashboard."""

    namespace: pulumi.Output[str]
    """The app's namespace."""
    service_name: pulumi.Output[str]
    """The app's Service, in its namespace."""
    service_port: pulumi.Output[int]
    """The Service's http port."""
    metrics_ports: pulumi.Output[dict[str, int]]
    """Each gunicorn worker's metrics port, by name (metrics-1 … metrics-N), on the pod and the Service."""
    scrape_targets: pulumi.Output[int]
    """How many targets Prometheus scrapes for the app: replicas × metrics ports."""
    service_monitor_name: pulumi.Output[str]
    """The ServiceMonitor, in the app's namespace."""
    prometheus_rule_name: pulumi.Output[str]
    """The PrometheusRule of the app's SLOs, in its namespace."""
    dashboard_name: pulumi.Output[str]
    """The ConfigMap holding the app's Grafana dashboard, in its namespace."""

    def __init__(self, name: str, args: DjangoAppArgs, opts: pulumi.ResourceOptions | None = None):
        """`args` are validated before anything is registered: every problem at once, one line each. The app is
        named `name` unless `app_name` says otherwise."""
        spec = validated("DjangoApp", name, AppSpec, {"app_name": name, **(args or {})})
        params = django_app_params(spec, spec, pulumi.get_stack())
        super().__init__(TYPE, name, None, pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=former.DJANGO_APP)]), opts))
        objects = app_objects(params)
        resources = register_children(self, objects, aliases=lambda obj: former.app_child(spec.app_name, obj),
                                      first=lambda obj: obj["kind"] == "Namespace")
        outputs = registered_outputs(objects, resources, app_outputs)
        for key, value in outputs.items():
            setattr(self, key, value)
        self.register_outputs(outputs)
