"""Where the resources of a stack deployed by the program before its components existed were registered, as
aliases: the stack then updates in place instead of creating every object again and deleting the old ones (which,
under server-side apply, would delete the objects just applied). tests/engine checks it against a stack's state
from that program."""
import pulumi

APP_PARTS = {"ServiceMonitor": "django-observability:service_monitor:ServiceMonitor",
             "PrometheusRule": "django-observability:slo:SloRules",
             "ConfigMap": "django-observability:dashboard:Dashboard"}
"""The kinds of an app that each had a component of their own, named after the app."""
DJANGO_APP = "django-observability:django_app:DjangoApp"
ALERTMANAGER = {"kubernetes": "django-observability:alertmanager:KubernetesAlertmanager",
                "swarm": "django-observability:alertmanager:SwarmAlertmanager"}


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_token}::{name}"


def app_child(app_name: str, obj: dict) -> list[pulumi.Alias]:
    """An app's object: the namespace was registered at the top of the stack, the monitoring objects under a
    component of their own; the workload's objects were children of the app's former component already, which
    the component's own alias covers."""
    if obj["kind"] == "Namespace":
        return [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]
    if obj["kind"] in APP_PARTS:
        return [pulumi.Alias(parent=_urn(APP_PARTS[obj["kind"]], app_name))]
    return []
