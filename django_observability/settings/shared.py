"""What the apps of a stack and its Alertmanager share: where the platform's Prometheus runs, the part-of label of
every object, and whether production rules hold."""
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from django_observability.settings.model import KubernetesLabels, LabelValue, Model, Name
from django_observability.settings.network import KUBE_DNS, Destination


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
    prometheus_service_account: Annotated[Name | None, BeforeValidator(lambda value: value or None)] = None
    """When set, the stack lets this service account of prometheusNamespace discover the apps' targets: a Role and
    RoleBinding in each app's namespace (get, list and watch services, endpoints, endpointslices and pods), which
    kube-prometheus' Prometheus (prometheus-k8s) needs outside default, kube-system and monitoring. Unset, the check
    before deploying says when the Prometheus that selects a ServiceMonitor may not list them."""
    cluster_dns: Annotated[list[Destination], Field(min_length=1)] = [KUBE_DNS]
    """Where cluster DNS is served from, the one destination the apps' and the Alertmanager's pods always reach
    (port 53, UDP and TCP): each a cidr or pods (namespace, podLabels). Default kube-system pods k8s-app: kube-dns;
    with NodeLocal DNSCache, [{cidr: 169.254.20.10/32}]."""


class SharedSettings(PlatformSettings):
    """What every app of a stack shares."""

    production: bool = False
    """Hold every app to production rules: an image pinned by a tag other than latest or by a digest, and a memory
    limit equal to the memory request."""
