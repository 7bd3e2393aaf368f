"""What a stack is made of: one list of parts, each with the slice of settings it reads, what it builds from that
slice, and the Pulumi component type that registers it.

The program (`__main__.py`), the offline render (`render.py`) and the tests, the policy pack's among them, walk
this list and nothing else, so what is rendered and what is deployed cannot drift apart.
"""
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from django_observability.builders.alertmanager.config import config_text
from django_observability.builders.alertmanager.kubernetes import (build_kubernetes_alertmanager,
                                                                  platform_alert_relabelings, prometheus_alerting)
from django_observability.builders.alertmanager.swarm import build_swarm_plan, prometheus_alerting_swarm
from django_observability.builders.dashboard import build_dashboard_config_map
from django_observability.builders.django_app import app_exports, build_django_app
from django_observability.builders.namespace import build_namespace
from django_observability.builders.params import AlertmanagerParams, StackParams
from django_observability.builders.service_monitor import build_monitoring
from django_observability.builders.slo import build_prometheus_rule


def _nothing(params) -> dict:
    return {}


class Part(NamedTuple):
    component: str | None
    """Pulumi type token of the component whose children the part's objects are; None for objects registered at
    the top of the stack (the namespace, which the parts in it depend on)."""
    select: Callable[[StackParams], Any]
    """The part's slice of the settings, or None when this stack has no such part."""
    named_by: str
    """The setting its objects' names follow (the slice's `name` is its value): what a user changes when one of
    them would collide with an object someone else made."""
    objects: Callable[[Any], list[dict]] = lambda params: []
    """Its Kubernetes objects: one file each in the offline render, one resource each under the engine."""
    files: Callable[[Any], dict[str, Any]] = _nothing
    """Further files of the offline render (path → YAML document, or text)."""
    exports: Callable[[list[dict]], dict] = _nothing
    """The stack outputs it contributes (also its component's outputs), read from its objects. Under the engine
    they are read from what the registered resources returned, so they never run ahead of the resources: after a
    failed update they stay what the last successful write left."""
    backend: Literal["kubernetes", "swarm"] = "kubernetes"
    in_app_namespace: bool = False
    """Its objects live in the app's namespace, so they are registered after it."""
    reads_credentials: bool = False
    """Its slice carries the credentials (placeholders offline); under the engine its Secrets are built again from
    the real values, inside an Output, so that they stay secret."""


def _alertmanager_config_file(params: AlertmanagerParams) -> dict[str, str]:
    return {"alertmanager/alertmanager.yml": config_text(params.settings.routing, params.secrets)}


def _backend(name: str) -> Callable[[StackParams], AlertmanagerParams | None]:
    return lambda stack: stack.alertmanager if stack.alertmanager.settings.backend == name else None


PARTS = (
    Part(None, lambda stack: stack.namespace, "namespace", lambda namespace: [build_namespace(namespace)]),
    Part("django-observability:django_app:DjangoApp", lambda stack: stack.app, "appName", build_django_app,
         exports=app_exports, in_app_namespace=True),
    Part("django-observability:service_monitor:ServiceMonitor", lambda stack: stack.monitoring, "appName",
         build_monitoring,
         exports=lambda objects: {"serviceMonitorName": objects[0]["metadata"]["name"]}, in_app_namespace=True),
    Part("django-observability:slo:SloRules", lambda stack: stack.slo, "appName",
         lambda slo: [build_prometheus_rule(slo)], in_app_namespace=True),
    Part("django-observability:dashboard:Dashboard", lambda stack: stack.slo, "appName",
         lambda slo: [build_dashboard_config_map(slo)], in_app_namespace=True),
    Part("django-observability:alertmanager:KubernetesAlertmanager", _backend("kubernetes"), "alertmanager.name",
         build_kubernetes_alertmanager, files=_alertmanager_config_file,
         exports=lambda objects: {"alertmanagerPrometheusAlerting": prometheus_alerting(objects),
                                  "platformAlertRelabelings": platform_alert_relabelings(objects)},
         reads_credentials=True),
    Part("django-observability:alertmanager:SwarmAlertmanager", _backend("swarm"), "alertmanager.name",
         files=lambda alertmanager: _alertmanager_config_file(alertmanager) | {
             "swarm/alertmanager-plan.yaml": build_swarm_plan(alertmanager),
             "prometheus/alerting-swarm.yml": {"alerting": prometheus_alerting_swarm()}},
         backend="swarm", reads_credentials=True),
)


def stack_parts(params: StackParams) -> list[tuple[Part, Any]]:
    """The parts this stack has, in registration order, each with its slice."""
    return [(part, selected) for part in PARTS if (selected := part.select(params)) is not None]


def stack_objects(params: StackParams) -> list[dict]:
    """Every Kubernetes object of the stack, as plain dicts."""
    return [obj for part, selected in stack_parts(params) for obj in part.objects(selected)]


def stack_files(params: StackParams) -> dict[str, Any]:
    """The offline render's files beyond one per object: the Alertmanager config, and for Swarm its plan."""
    return {name: document for part, selected in stack_parts(params) for name, document in part.files(selected).items()}
