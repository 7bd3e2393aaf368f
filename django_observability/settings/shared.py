"""What the apps of a stack and its Alertmanager share: where the platform's Prometheus runs, the part-of label of
every object, and whether production rules hold."""
from typing import Annotated

from pydantic import AfterValidator

from django_observability.settings.model import KubernetesLabels, LabelValue, Model, Name


def _selects_something(labels: dict[str, str]) -> dict[str, str]:
    if not labels:
        raise ValueError("must name at least one label: an empty podSelector admits every pod of the namespace")
    return labels


class PlatformSettings(Model):
    """Where the platform's Prometheus runs, and how every object is labelled: what an app and an Alertmanager
    cluster are both built with."""

    part_of: LabelValue = "django-observability"
    """The app.kubernetes.io/part-of label of every object."""
    prometheus_namespace: Name = "monitoring"
    """Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager."""
    prometheus_pod_labels: Annotated[KubernetesLabels, AfterValidator(_selects_something)] = {
        "app.kubernetes.io/name": "prometheus"}
    """Labels of the Prometheus pods the NetworkPolicies admit."""


class SharedSettings(PlatformSettings):
    """What every app of a stack shares."""

    production: bool = False
    """Hold every app to production rules: an image pinned by a tag other than latest or by a digest, and a memory
    limit equal to the memory request."""
