"""Each part's own slice of the settings, computed once: the builders read these and nothing else. Every slice
has a `name`, the name of the component that registers what is built from it.

An app's identity (labels, selector, port plan) is computed here once and shared by its Deployment, Service,
ServiceMonitor, PrometheusRule and dashboard; the Alertmanager's likewise.
"""
from collections.abc import Mapping
from typing import NamedTuple

from django_observability.builders.labels import common_labels, selector_labels
from django_observability.builders.relabel import static_label
from django_observability.settings.alertmanager import AlertmanagerSettings
from django_observability.settings.loader import placeholder
from django_observability.settings.model import image_version, instance_label
from django_observability.settings.network import KUBE_DNS, Destination, EgressRule
from django_observability.settings.pod import Probes, Shutdown, Spread, Storage
from django_observability.settings.ports import PortPlan
from django_observability.settings.relabel import RelabelConfig
from django_observability.settings.app import AppSettings
from django_observability.settings.shared import PlatformSettings, SharedSettings
from django_observability.settings.stack import StackSettings
from django_observability.settings.slo import EXCLUDED_VIEWS, SloSpec


class PrometheusPods(NamedTuple):
    """The Prometheus pods that scrape the app and send alerts: the only source NetworkPolicies admit to metrics
    ports and to Alertmanager."""

    namespace: str
    pod_labels: dict[str, str]

    def peer(self) -> dict:
        """A NetworkPolicy `from` entry admitting exactly these pods."""
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": self.namespace}},
                "podSelector": {"matchLabels": dict(self.pod_labels)}}


def peer(destination: Destination) -> dict:
    """A NetworkPolicy `to` entry: a CIDR (the metadata address excepted), or pods of a namespace."""
    if destination.cidr is not None:
        excepted = destination.excepted()
        return {"ipBlock": {"cidr": destination.cidr} | ({"except": excepted} if excepted else {})}
    found = {}
    if destination.namespace is not None:
        found["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": destination.namespace}}
    if destination.pod_labels is not None:
        found["podSelector"] = {"matchLabels": dict(destination.pod_labels)}
    return found


DEFAULT_DNS = (KUBE_DNS,)


def egress_rules(allowed: tuple[EgressRule, ...], dns: tuple[Destination, ...]) -> list[dict]:
    """NetworkPolicy egress rules: cluster DNS (where `clusterDns` says it is served, port 53 over UDP and TCP), then
    each allow entry."""
    rules = [{"to": [peer(each) for each in dns], "ports": [{"port": 53, "protocol": "UDP"},
                                                            {"port": 53, "protocol": "TCP"}]}]
    for rule in allowed:
        rules.append({"to": [peer(rule)], "ports": [{"port": port.port, "protocol": port.protocol}
                                                    for port in rule.ports]})
    return rules


class AppIdentity(NamedTuple):
    name: str
    namespace: str
    stack: str
    labels: dict[str, str]
    selector: dict[str, str]
    ports: PortPlan

    def metadata(self, name: str | None = None, labels: dict[str, str] | None = None) -> dict:
        return {"name": self.name if name is None else name, "namespace": self.namespace,
                "labels": self.labels if labels is None else labels}


class NamespaceParams(NamedTuple):
    name: str
    part_of: str


_APP_NAME = property(lambda params: params.identity.name,
                     doc="The app's name: what is built from a slice of the app's settings is named after the app.")


class AppParams(NamedTuple):
    identity: AppIdentity
    image: str
    image_pull_policy: str
    replicas: int
    resources: dict
    """Requests (derived from the worker count), limits and ephemeral storage of the Django container."""
    storage: Storage
    probes: Probes
    shutdown: Shutdown
    spread: Spread
    security_exceptions: dict[str, str]
    scanner_skips: dict[str, str]
    kube_score_ignores: dict[str, str]
    http_allowed_namespaces: tuple[str, ...]
    egress: tuple[EgressRule, ...]
    dns: tuple[Destination, ...]
    owns_namespace: bool
    """The stack creates the namespace, so a default-deny may select every pod in it."""
    prometheus: PrometheusPods
    name = _APP_NAME


class MonitoringParams(NamedTuple):
    identity: AppIdentity
    labels: dict[str, str]
    """Of the ServiceMonitor itself: the app's labels plus those a Prometheus' serviceMonitorSelector matches."""
    path: str
    interval: str
    timeout: str
    relabelings: tuple[RelabelConfig, ...]
    """environment=<stack>, then each static label, then the stack's own relabel configs, in that order."""
    metric_relabelings: tuple[RelabelConfig, ...]
    prometheus_namespace: str
    prometheus_service_account: str | None
    """The Prometheus service account the stack grants discovery in the app's namespace, or None."""
    name = _APP_NAME


class SloParams(NamedTuple):
    identity: AppIdentity
    labels: dict[str, str]
    """Of the PrometheusRule: the app's labels plus the ServiceMonitor's, so the same Prometheus selects both."""
    slos: tuple[SloSpec, ...]
    excluded_views: tuple[str, ...]
    """Views no SLI counts: django_observability/settings/slo.py's EXCLUDED_VIEWS, then the stack's sloExcludedViews."""
    sloth_labels: bool
    name = _APP_NAME


class AlertmanagerParams(NamedTuple):
    settings: AlertmanagerSettings
    stack: str
    """The stack the cluster belongs to: with its name, what tells its peers from another cluster's."""
    name: str
    """Of the Alertmanager resource, its Service, PDB and NetworkPolicy (`alertmanager.name`, or <project>-<stack>)."""
    labels: dict[str, str]
    selector: dict[str, str]
    prometheus: PrometheusPods
    dns: tuple[Destination, ...]
    alerts_of: tuple[tuple[str, str], ...]
    """(namespace, app name) of every app whose alerts this Alertmanager receives: their rules label every alert
    namespace=<namespace>, service=<app name>."""
    secrets: Mapping[str, str]
    """Secret config key → value for the config text: placeholders unless the real values are given."""


class DjangoAppParams(NamedTuple):
    """Everything one app is built from: its namespace (None when it expects the namespace to exist), its workload,
    its ServiceMonitor, its SLO rules and dashboard."""

    namespace: NamespaceParams | None
    app: AppParams
    monitoring: MonitoringParams
    slo: SloParams

    @property
    def name(self) -> str:
        return self.app.identity.name


class StackParams(NamedTuple):
    apps: tuple[DjangoAppParams, ...]
    alertmanager: AlertmanagerParams


def alertmanager_params(settings: AlertmanagerSettings, stack: str, platform: PlatformSettings,
                        alerts_of: tuple[tuple[str, str], ...], secrets: Mapping[str, str] | None = None
                        ) -> AlertmanagerParams:
    """The Alertmanager's slice; `secrets` defaults to a placeholder for each credential its routing reads."""
    if secrets is None:
        secrets = {key: placeholder(key) for key in settings.routing.secret_keys()}
    name = settings.resource_name(stack)
    labels = common_labels("alertmanager", name, "alert-router", platform.part_of, image_version(settings.image))
    return AlertmanagerParams(settings, stack, name, labels, selector_labels(labels), prometheus_pods(platform),
                              tuple(platform.cluster_dns), alerts_of, secrets)


def django_app_params(app: AppSettings, shared: SharedSettings, environment: str) -> DjangoAppParams:
    """One app's slices; `environment` (the stack's name) goes into its instance label and onto every series."""
    labels = common_labels(app.app_name, instance_label(app.app_name, environment), "web", shared.part_of,
                           image_version(app.image))
    identity = AppIdentity(app.app_name, app.namespace, environment, labels, selector_labels(labels), app.port_plan())
    prometheus = prometheus_pods(shared)
    monitor_labels = labels | dict(app.service_monitor_labels)
    relabelings = (static_label("environment", environment),
                   *(static_label(name, value) for name, value in sorted(app.static_labels.items())),
                   *app.relabelings)
    return DjangoAppParams(
        namespace=NamespaceParams(app.namespace, shared.part_of) if app.create_namespace else None,
        app=AppParams(identity, app.image, app.image_pull_policy, app.replicas, app.container_resources(), app.storage,
                      app.probes, app.shutdown, app.spread, dict(app.security_exceptions), dict(app.scanner_skips),
                      dict(app.kube_score_ignores), tuple(app.http_allowed_namespaces), tuple(app.egress),
                      tuple(shared.cluster_dns), app.create_namespace, prometheus),
        monitoring=MonitoringParams(identity, monitor_labels, app.metrics_path, app.scrape_interval,
                                    app.scrape_timeout, relabelings, tuple(app.metric_relabelings),
                                    shared.prometheus_namespace, shared.prometheus_service_account),
        slo=SloParams(identity, monitor_labels, tuple(app.slos),
                      tuple(dict.fromkeys((*EXCLUDED_VIEWS, *app.slo_excluded_views))), app.sloth_labels),
    )


def prometheus_pods(platform: PlatformSettings) -> PrometheusPods:
    return PrometheusPods(platform.prometheus_namespace, dict(platform.prometheus_pod_labels))


def stack_params(stack: str, settings: StackSettings, secrets: Mapping[str, str] | None = None) -> StackParams:
    """Every part's parameters; `secrets` defaults to a placeholder for each credential the routing reads."""
    return StackParams(
        apps=tuple(django_app_params(app, settings, stack) for app in settings.apps),
        alertmanager=alertmanager_params(settings.alertmanager, stack, settings,
                                         tuple((app.namespace, app.app_name) for app in settings.apps), secrets),
    )
