"""Every stack setting, its default and its rules, in one typed model.

`Pulumi.<stack>.yaml` holds only what differs from these defaults. Field names are snake_case here and camelCase
in the stack files (`web_concurrency` ↔ `django-observability:webConcurrency`), following the Prometheus and
Kubernetes names where one exists.
"""
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from django_observability.settings.alertmanager import NAME_LENGTH, AlertmanagerSettings
from django_observability.settings.durations import parse_duration
from django_observability.settings.model import (IMAGE, Duration, Image, Integer, KubernetesLabels, KubeScoreIgnores, LabelValue, Model, Name,
                          Port, PrometheusLabels, PullPolicy, Reason, Text, instance_label, quantity_value,
                          stack_name)
from django_observability.settings.network import KUBE_DNS, Destination, EgressRule
from django_observability.settings.pod import AppResources, Probes, Shutdown, Spread, Storage
from django_observability.settings.ports import PortPlan, plan_ports
from django_observability.settings.relabel import RelabelConfig
from django_observability.settings.rules import dns1123_label, matching
from django_observability.settings.slo import SloSpec, ViewName

SecurityControl = Literal["readOnlyRootFilesystem", "networkPolicy"]
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces the cluster owns: the app never goes there, and they are never relabelled to the restricted Pod
Security Standard."""

MAX_WORKERS = 64
"""The documented maximum of gunicorn workers per pod: one named metrics port each; past this, add replicas."""


def _selects_something(labels: dict[str, str]) -> dict[str, str]:
    if not labels:
        raise ValueError("must name at least one label: an empty podSelector admits every pod of the namespace")
    return labels


def _unique_names(slos: list[SloSpec]) -> list[SloSpec]:
    names = [slo.name for slo in slos]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"SLO names must be unique (each names a rule group); {', '.join(repeated)} appears more than once")
    return slos


class StackSettings(Model):
    # Where it goes
    kube_context: Text
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
    image_pull_policy: PullPolicy = "IfNotPresent"
    """Always, IfNotPresent or Never."""
    replicas: Annotated[Integer, Field(ge=1, le=100)] = 1
    """Pods of the Django Deployment (1-100); more than one adds a PodDisruptionBudget and topology spread."""
    spread: Spread = Spread()
    """Topology spread of the replicas (with more than one): over nodes and over zones."""
    web_concurrency: Annotated[Integer, Field(ge=1, le=MAX_WORKERS)] = 2
    """gunicorn workers per pod (WEB_CONCURRENCY, 1-64), one metrics port each."""
    metrics_mode: Literal["per-worker-ports", "multiprocess"] = "per-worker-ports"
    """per-worker-ports (one port and one target per worker) or multiprocess (one aggregated port)."""
    http_port: Port = 5000
    """Container port gunicorn binds (HTTP_PORT), named http."""
    service_port: Port = 80
    """Service port for http."""
    metrics_start_port: Port = 5001
    """First metrics port (METRICS_START_PORT); worker i exports on METRICS_START_PORT + i - 1."""
    resources: AppResources = AppResources()
    """Requests (derived from the worker count) and limits of the Django container."""
    storage: Storage = Storage()
    """Ephemeral storage of the Django container and the size of each emptyDir."""
    probes: Probes = Probes()
    """Timings of the startup, readiness and liveness probes."""
    shutdown: Shutdown = Shutdown()
    """Graceful shutdown: the pre-stop sleep and gunicorn's graceful timeout; the grace period follows from them."""

    http_allowed_namespaces: list[Name] = []
    """Namespaces whose pods may reach the http port (NetworkPolicy); empty admits every source, e.g. an ingress
    controller in any namespace."""
    egress: list[EgressRule] = []
    """Where the app's pods may connect besides cluster DNS (clusterDns, port 53): each a cidr or pods (namespace,
    podLabels), with ports. Everything else is denied."""
    cluster_dns: Annotated[list[Destination], Field(min_length=1)] = [KUBE_DNS]
    """Where cluster DNS is served from, the one destination the app's and the Alertmanager's pods always reach
    (port 53, UDP and TCP): each a cidr or pods (namespace, podLabels). Default kube-system pods k8s-app: kube-dns;
    with NodeLocal DNSCache, [{cidr: 169.254.20.10/32}]."""
    security_exceptions: dict[SecurityControl, Reason] = {}
    """Secure defaults this stack relaxes, each with the reason, which is written on the Deployment:
    readOnlyRootFilesystem (the app writes outside /tmp), networkPolicy (the cluster enforces none)."""
    scanner_skips: dict[matching(r"CKV2?_K8S_[0-9]+", "must be a checkov Kubernetes check id such as CKV_K8S_43"), Reason] = {}
    """checkov checks skipped on the Django objects, each with its reason (written as checkov.io/skip annotations)."""
    kube_score_ignores: KubeScoreIgnores = {}
    """kube-score checks ignored on the Django Deployment, each with its reason (kube-score/ignore, the reason in
    django-observability.io/kube-score-ignore-<check>)."""

    # How Prometheus scrapes it
    metrics_path: matching(r"/[!-~]*", "must be a URL path starting with / (printable ASCII, no spaces)") = "/metrics"
    """Path Prometheus scrapes on each metrics port."""
    scrape_interval: Duration = "15s"
    """Prometheus duration between scrapes of each endpoint."""
    scrape_timeout: Duration = "10s"
    """Prometheus duration a scrape may take, at most scrapeInterval."""
    service_monitor_labels: KubernetesLabels = {}
    """Labels on the ServiceMonitor itself, for a Prometheus' serviceMonitorSelector (e.g. release: kube-prometheus-stack)."""
    prometheus_namespace: Name = "monitoring"
    """Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager."""
    prometheus_pod_labels: Annotated[KubernetesLabels, AfterValidator(_selects_something)] = {"app.kubernetes.io/name": "prometheus"}
    """Labels of the Prometheus pods the NetworkPolicies admit."""
    prometheus_service_account: Annotated[Name | None, BeforeValidator(lambda value: value or None)] = None
    """When set, the stack lets this service account of prometheusNamespace discover the app's targets: a Role and
    RoleBinding in the app's namespace (get, list and watch services, endpoints, endpointslices and pods), which
    kube-prometheus' Prometheus (prometheus-k8s) needs outside default, kube-system and monitoring. Unset, the check
    before deploying says when the Prometheus that selects the ServiceMonitor may not list them."""
    static_labels: PrometheusLabels = {}
    """Fixed labels added to every scraped series by relabeling; environment=<stack name> is always added."""
    relabelings: list[RelabelConfig] = []
    """Further relabel_configs for every target, in prometheus.yml's snake_case."""
    metric_relabelings: list[RelabelConfig] = []
    """metric_relabel_configs for every scraped series, in prometheus.yml's snake_case."""

    # Error budgets
    slos: Annotated[list[SloSpec], AfterValidator(_unique_names)] = [SloSpec(name="availability", objective=Decimal("99"))]
    """SLOs of the app: name, objective (percent), period (30d or 28d), sli (availability or latency) and which
    burn-rate alerts fire. Rendered as a PrometheusRule, plus a Grafana dashboard."""
    slo_excluded_views: list[ViewName] = []
    """Further Django views (URL names, the `view` label) whose requests no SLI counts, besides health, ready and
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
        if self.namespace in (*RESERVED_NAMESPACES, self.prometheus_namespace):
            problems.append(("namespace", self.namespace,
                             f"must be the app's own namespace, not {self.namespace!r}: the cluster owns "
                             f"{', '.join(RESERVED_NAMESPACES)} and Prometheus runs in prometheusNamespace"))
        stack = stack_name(info)
        if stack is not None and len(instance_label(self.app_name, stack)) > 63:
            problems.append(("appName", self.app_name,
                             f"with the stack name it makes the app.kubernetes.io/instance label "
                             f"{instance_label(self.app_name, stack)!r}, over 63 characters: shorten appName to at "
                             f"most {62 - len(stack)} characters"))
        if stack is not None and len(self.alertmanager.resource_name(stack)) > NAME_LENGTH:
            problems.append(("alertmanager.name", self.alertmanager.resource_name(stack),
                             f"the default <project>-<stack> is over {NAME_LENGTH} characters: set alertmanager.name"))
        if stack == "prod":
            match = IMAGE.fullmatch(self.image)
            if not match["digest"] and match["tag"] in (None, "latest"):
                problems.append(("image", self.image, "prod needs a pinned image: a tag other than latest, or a digest"))
        requests, formulas = self.resources.derived(self.web_concurrency, self.in_memory_volume())
        limits = self.resources.limits
        for name, limit in (("cpu", limits.cpu), ("memory", limits.memory)):
            if limit is not None and quantity_value(requests[name]) > quantity_value(limit):
                problems.append(("resources", requests[name], f"requests.{name} {formulas[name]} exceeds limits.{name} "
                                 f"{limit}; Kubernetes refuses a request above its limit"))
        if stack == "prod" and limits.memory is not None and quantity_value(limits.memory) != quantity_value(requests["memory"]):
            problems.append(("resources.limits.memory", limits.memory,
                             f"must equal the memory request ({requests['memory']}) in prod: leave it unset, or set "
                             "resources.requests; a pod above its memory request is the first evicted under pressure"))
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

    def in_memory_volume(self) -> str | None:
        """The sizeLimit of the in-memory multiprocess directory, which counts as the container's memory."""
        return self.storage.multiproc if self.metrics_mode == "multiprocess" else None

    def container_resources(self) -> dict:
        """Requests, limits and ephemeral storage of the Django container; the builders take it from params."""
        return self.resources.to_kubernetes(self.web_concurrency, self.in_memory_volume(), self.storage.ephemeral)

    def port_plan(self) -> PortPlan:
        """Every named port of the app; the builders take it once from django_observability/builders/params.py."""
        return plan_ports(self.web_concurrency, self.metrics_start_port, self.http_port, self.service_port,
                          self.metrics_mode)
