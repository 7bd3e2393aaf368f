"""Every stack setting, its default and its rules, in one typed model.

`Pulumi.<stack>.yaml` holds only what differs from these defaults. Field names are snake_case here and camelCase
in the stack files (`web_concurrency` ↔ `django-observability:webConcurrency`), following the Prometheus and
Kubernetes names where one exists.
"""
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from stacks.alertmanager import AlertmanagerSettings
from stacks.durations import parse_duration
from stacks.model import (IMAGE, Duration, stack_name, Image, KubernetesLabels, LabelValue, Model, Name, Port,
                          ResourceQuantities, Resources)
from stacks.ports import PortPlan, plan_ports
from stacks.relabel import RelabelConfig
from stacks.rules import LABEL_NAME, dns1123_label
from stacks.slo import SloSpec, ViewName

SecurityControl = Literal["readOnlyRootFilesystem", "networkPolicy"]
Reason = Annotated[str, Field(min_length=10, description="why, in a sentence a reviewer can check")]

MAX_WORKERS = 64
"""The documented maximum of gunicorn workers per pod: one named metrics port each; past this, add replicas."""


def _prometheus_label_map(labels: dict[str, str]) -> dict[str, str]:
    for name in labels:
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise ValueError(f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)")
    return labels


class StackSettings(Model):
    # Where it goes
    kube_context: Annotated[str, Field(min_length=1)]
    """The kubeconfig context `pulumi up` deploys to."""
    render_yaml_to_directory: Annotated[str | None, BeforeValidator(lambda value: value or None)] = None
    """When set, nothing is deployed: the Kubernetes provider writes the manifests into this directory and
    kubeContext is not used. `make up` and `make preview` set it through DJANGO_OBSERVABILITY_RENDER_DIR."""
    namespace: Name = "app"
    """Namespace of the Django app (DNS-1123 label)."""
    create_namespace: bool = True
    """Create the namespace (labelled to enforce the restricted Pod Security Standard), or expect it to exist."""

    # The Django deployment
    app_name: Annotated[str, AfterValidator(lambda value: dns1123_label(value, max_length=50))] = "app-django"
    """Name of the Deployment, Service and ServiceMonitor (DNS-1123 label, at most 50 characters)."""
    part_of: LabelValue = "django-observability"
    """The app.kubernetes.io/part-of label of every object."""
    image: Image
    """The Django image, repository[:tag][@sha256:digest]."""
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    """Always, IfNotPresent or Never."""
    replicas: Annotated[int, Field(ge=1, le=100)] = 1
    """Pods of the Django Deployment (1-100); more than one adds a PodDisruptionBudget and topology spread."""
    web_concurrency: Annotated[int, Field(ge=1, le=MAX_WORKERS)] = 2
    """gunicorn workers per pod (WEB_CONCURRENCY, 1-64), one metrics port each."""
    metrics_mode: Literal["per-worker-ports", "multiprocess"] = "per-worker-ports"
    """per-worker-ports (one port and one target per worker) or multiprocess (one aggregated port)."""
    http_port: Port = 5000
    """Container port gunicorn binds (HTTP_PORT), named http."""
    service_port: Port = 80
    """Service port for http."""
    metrics_start_port: Port = 5001
    """First metrics port (METRICS_START_PORT); worker i exports on METRICS_START_PORT + i - 1."""
    resources: Resources = Resources(requests=ResourceQuantities(cpu="100m", memory="256Mi"),
                                     limits=ResourceQuantities(cpu="1", memory="512Mi"))
    """Requests and limits of the Django container: {requests, limits}, each {cpu, memory}."""

    http_allowed_namespaces: list[Name] = []
    """Namespaces whose pods may reach the http port (NetworkPolicy); empty admits every source, e.g. an ingress
    controller in any namespace."""
    security_exceptions: dict[SecurityControl, Reason] = {}
    """Secure defaults this stack relaxes, each with the reason, which is written on the Deployment:
    readOnlyRootFilesystem (the app writes outside /tmp), networkPolicy (the cluster enforces none)."""
    scanner_skips: dict[Annotated[str, Field(pattern=r"^CKV2?_K8S_[0-9]+$")], Reason] = {}
    """checkov checks skipped on the Django objects, each with its reason (written as checkov.io/skip annotations)."""

    # How Prometheus scrapes it
    metrics_path: Annotated[str, Field(pattern=r"^/\S*$")] = "/metrics"
    """Path Prometheus scrapes on each metrics port."""
    scrape_interval: Duration = "15s"
    """Prometheus duration between scrapes of each endpoint."""
    scrape_timeout: Duration = "10s"
    """Prometheus duration a scrape may take, at most scrapeInterval."""
    service_monitor_labels: KubernetesLabels = {}
    """Labels on the ServiceMonitor itself, for a Prometheus' serviceMonitorSelector (e.g. release: kube-prometheus-stack)."""
    prometheus_namespace: Name = "monitoring"
    """Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager."""
    prometheus_pod_labels: KubernetesLabels = {"app.kubernetes.io/name": "prometheus"}
    """Labels of the Prometheus pods the NetworkPolicies admit."""
    static_labels: Annotated[dict[str, str], AfterValidator(_prometheus_label_map)] = {}
    """Fixed labels added to every scraped series by relabeling; environment=<stack name> is always added."""
    relabelings: list[RelabelConfig] = []
    """Further relabel_configs for every target, in prometheus.yml's snake_case."""
    metric_relabelings: list[RelabelConfig] = []
    """metric_relabel_configs for every scraped series, in prometheus.yml's snake_case."""

    # Error budgets
    slos: list[SloSpec] = [SloSpec(name="availability", objective=Decimal("99"))]
    """SLOs of the app: name, objective (percent), period (30d or 28d), sli (availability or latency) and which
    burn-rate alerts fire. Rendered as a PrometheusRule, plus a Grafana dashboard."""
    slo_excluded_views: list[ViewName] = []
    """Further Django views (URL names, the `view` label) whose requests no SLI counts, besides health and
    prometheus-django-metrics, which are always excluded."""
    sloth_labels: bool = False
    """Add Sloth's sloth_service, sloth_slo and sloth_id labels to every SLO rule, for Sloth's Grafana dashboards."""

    # Alerting
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    """The Alertmanager cluster: backend (kubernetes or swarm), replicas, routing (alertmanager.yml's snake_case)."""

    @model_validator(mode="after")
    def _cross_field_rules(self, info: ValidationInfo):
        """Rules between settings, all reported together (each under the key a user would change)."""
        problems: list[tuple[str, object, str]] = []
        metrics = self.port_plan().metrics
        first, last = metrics[0].port, metrics[-1].port
        if last > 65535:
            problems.append(("metricsStartPort", first, f"the metrics ports {first}-{last} must end at or below 65535"))
        if first <= self.http_port <= last:
            problems.append(("httpPort", self.http_port, f"must not fall inside the metrics ports {first}-{last}"))
        if first <= self.service_port <= last:
            problems.append(("servicePort", self.service_port,
                             f"must not fall inside the metrics ports {first}-{last}, which the Service also exposes"))
        if parse_duration(self.scrape_timeout) > parse_duration(self.scrape_interval):
            problems.append(("scrapeTimeout", self.scrape_timeout,
                             f"must not exceed scrapeInterval ({self.scrape_interval}); prometheus-operator rejects it"))
        if stack_name(info) == "prod":
            match = IMAGE.match(self.image)
            if not match["digest"] and match["tag"] in (None, "latest"):
                problems.append(("image", self.image, "prod needs a pinned image: a tag other than latest, or a digest"))
        if "environment" in self.static_labels:
            problems.append(("staticLabels", self.static_labels,
                             "must not set environment: every series already gets environment=<stack name>"))
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=PydanticCustomError("stack_rule", rule), loc=(key,), input=value)
                 for key, value, rule in problems],
            )
        return self

    def port_plan(self) -> PortPlan:
        """Every named port of the app; the builders take it once from builders/params.py."""
        return plan_ports(self.web_concurrency, self.metrics_start_port, self.http_port, self.service_port,
                          self.metrics_mode)
