"""Before a real deployment, what the target cluster says about it, read through the official client
(components/kube_client.py) with the stack's kubeContext:

- the context exists and its API server answers; otherwise the provider would fail mid-update with pages of gRPC
  detail, so the program stops before any resource is registered, with one line naming the setting;
- no object the stack would create exists without this stack having made it (components/ownership.py): one line,
  before any change;
- the traps that deploy fine and then do nothing, each a warning of one line: a ServiceMonitor or PrometheusRule
  that one of the target Prometheus' four selectors skips (components/selectors.py), a Prometheus that may not
  discover the app's targets (RBAC), a retention shorter than an SLO period. What cannot be read is said once.
"""
from typing import NamedTuple

from django_observability.builders.namespace import build_namespace
from django_observability.builders.params import DjangoAppParams, StackParams
from django_observability.builders.service_monitor import build_service_monitor
from django_observability.builders.slo import build_prometheus_rule
from django_observability.components import kube_client, ownership
from django_observability.components.kube_client import Cluster, Unreadable
from django_observability.components.selectors import Subject, skipped_by
from django_observability.settings.durations import parse_duration
from django_observability.settings.problems import Problem
from django_observability.settings.slo import PERIODS
from django_observability.settings.stack import StackSettings

DEFAULT_RETENTION = "24h"
"""prometheus-operator's retention when a Prometheus sets neither retention nor retentionSize."""


class Refused(Exception):
    """Deploying would fail or damage what someone else made; the one line says why and nothing was changed."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def reach(kube_context: str) -> Cluster:
    """A client for the context whose API server answered; Refused otherwise."""
    from kubernetes.config.config_exception import ConfigException

    if not kube_client.in_cluster() and kube_context not in kube_client.contexts():
        where = ":".join(str(path) for path in kube_client.kubeconfig_files())
        known = ", ".join(sorted(kube_client.contexts())) or "none"
        raise Refused(Problem("kubeContext", kube_context,
                              f"is not a context of the kubeconfig {where} (contexts: {known})"))
    try:
        cluster = kube_client.connect(kube_context)
    except (ConfigException, OSError, ValueError) as error:
        raise Refused(Problem("kubeContext", kube_context, f"its credentials cannot be loaded ({error})")) from None
    try:
        cluster.get("/version")
    except Unreadable as error:
        raise Refused(Problem("kubeContext", kube_context,
                              f"its API server {cluster.server} does not answer ({error})")) from None
    return cluster


def _namespace_labels(cluster: Cluster, params: DjangoAppParams) -> dict[str, str] | None:
    """The app namespace's labels as Prometheus will see them: the ones the stack sets when it makes the namespace,
    else the live ones (None when they cannot be read)."""
    name = params.app.identity.namespace
    if params.namespace is not None:
        return {**build_namespace(params.namespace)["metadata"]["labels"], "kubernetes.io/metadata.name": name}
    try:
        live = cluster.get(f"/api/v1/namespaces/{name}")
    except Unreadable:
        return None
    return (live or {}).get("metadata", {}).get("labels") or {"kubernetes.io/metadata.name": name}


class Target(NamedTuple):
    """The Prometheus objects of prometheusNamespace, and which of them select our ServiceMonitor and rules."""

    prometheuses: list[dict]
    selecting: list[dict]


def _subjects(params: DjangoAppParams, namespace_labels: dict[str, str] | None) -> list[Subject]:
    """Our ServiceMonitor and PrometheusRule as their builders make them."""
    return [Subject(obj["kind"], obj["metadata"]["name"], obj["metadata"]["namespace"], obj["metadata"]["labels"],
                    namespace_labels)
            for obj in (build_service_monitor(params.monitoring), build_prometheus_rule(params.slo))]


def _selector_warnings(cluster: Cluster, settings: StackSettings, params: DjangoAppParams) -> tuple[list[str], Target]:
    namespace = settings.prometheus_namespace
    read = f"kubectl -n {namespace} get prometheus -o yaml"
    try:
        found = cluster.get(f"/apis/monitoring.coreos.com/v1/namespaces/{namespace}/prometheuses")
    except Unreadable as error:
        return [str(Problem("prometheusNamespace", namespace,
                            f"its Prometheus objects cannot be read ({error}): whether one scrapes the ServiceMonitor "
                            f"and loads the rules is not checked; read them with `{read}`"))], Target([], [])
    prometheuses = (found or {}).get("items") or []
    labels = _namespace_labels(cluster, params)
    warnings = []
    if labels is None:
        warnings.append(str(Problem("namespace", params.app.identity.namespace,
                                    "its labels cannot be read (forbidden): the namespace selectors are not checked")))
    subjects = _subjects(params, labels)
    skipped = {p["metadata"]["name"]: [reason for s in subjects if (reason := skipped_by(p, s))] for p in prometheuses}
    selecting = [p for p in prometheuses if not skipped[p["metadata"]["name"]]]
    if not selecting:
        why = " | ".join(f"Prometheus {namespace}/{name}: {'; '.join(reasons)}" for name, reasons in skipped.items())
        warnings.append(f"{Problem('serviceMonitorLabels', params.monitoring.labels, 'are selected by no Prometheus: its ServiceMonitor and rules would be scraped and loaded by nobody')} "
                        f"({why or f'there is no Prometheus in namespace {namespace}'}; read a Prometheus' four "
                        f"selectors with `{read}`)")
    return warnings, Target(prometheuses, selecting)


def _discovery_warnings(cluster: Cluster, settings: StackSettings, params: DjangoAppParams,
                        target: Target) -> list[str]:
    """Whether the Prometheus that selects us may list what its discovery reads in the app's namespace (a
    SubjectAccessReview as that service account); nothing to check when the stack grants it."""
    namespace = params.app.identity.namespace
    warnings = []
    for prometheus in target.selecting:
        spec = prometheus.get("spec") or {}
        account = spec.get("serviceAccountName") or "default"
        if account == settings.prometheus_service_account:
            continue
        endpointslices = spec.get("serviceDiscoveryRole") == "EndpointSlice"
        resource = {"group": "discovery.k8s.io", "resource": "endpointslices"} if endpointslices else \
            {"group": "", "resource": "endpoints"}
        user = f"system:serviceaccount:{settings.prometheus_namespace}:{account}"
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                  "spec": {"user": user, "groups": ["system:serviceaccounts",
                                                     f"system:serviceaccounts:{settings.prometheus_namespace}"],
                           "resourceAttributes": {"namespace": namespace, "verb": "list", **resource}}}
        name = f"{settings.prometheus_namespace}/{prometheus['metadata']['name']}"
        try:
            answer = cluster.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", review) or {}
        except Unreadable as error:
            warnings.append(str(Problem("prometheusServiceAccount", settings.prometheus_service_account,
                                        f"whether Prometheus {name} may discover the app's targets in namespace "
                                        f"{namespace} cannot be checked ({error})")))
            continue
        if not answer.get("status", {}).get("allowed"):
            warnings.append(str(Problem(
                "prometheusServiceAccount", settings.prometheus_service_account,
                f"Prometheus {name} (service account {account}) may not list {resource['resource']} in namespace "
                f"{namespace}: it selects the ServiceMonitor and then finds no target; set prometheusServiceAccount: "
                f"{account} and the stack grants it a Role and RoleBinding there")))
    return warnings


def _retention_warnings(params: DjangoAppParams, target: Target, key: str) -> list[str]:
    warnings = []
    for prometheus in target.selecting:
        spec = prometheus.get("spec") or {}
        retention = spec.get("retention") or (None if spec.get("retentionSize") else DEFAULT_RETENTION)
        if retention is None:
            continue
        kept = parse_duration(retention)
        for index, slo in enumerate(params.slo.slos):
            if kept < PERIODS[slo.period] * 86400:
                name = f"{prometheus['metadata']['namespace']}/{prometheus['metadata']['name']}"
                warnings.append(str(Problem(
                    f"{key}slos[{index}].period", slo.period,
                    f"Prometheus {name} keeps {retention} of samples (spec.retention"
                    f"{'' if spec.get('retention') else ' unset: the operator default'}), shorter than the SLO "
                    f"period: the {slo.name} error budget and its slow-burn alerts see only {retention}")))
                break
    return warnings


def before_deploying(settings: StackSettings, params: StackParams, stack: str) -> list[str]:
    """Refused when the target cannot be deployed to or an object would be taken over; else the warnings, each
    app's."""
    cluster = reach(settings.kube_context)
    if problem := ownership.first_refusal(cluster, stack, ownership.planned(params)):
        raise Refused(problem)
    warnings = []
    for index, app in enumerate(params.apps):
        key = f"apps[{index}]." if len(params.apps) > 1 else ""
        found, target = _selector_warnings(cluster, settings, app)
        warnings += found + _discovery_warnings(cluster, settings, app, target) + _retention_warnings(app, target, key)
    return warnings
