"""The metrics-enabled Django deployment: Deployment, Service, PodDisruptionBudget and NetworkPolicy.

gunicorn runs WEB_CONCURRENCY workers and django-prometheus in each worker binds its own port from
range(METRICS_START_PORT, METRICS_START_PORT + WEB_CONCURRENCY); the pod therefore names one port per worker.
"""
import pulumi

from components.labels import common_labels, selector_labels
from components.ports import MULTIPROC_DIR, PortPlan, plan_ports
from components.resources import register
from stacks.model import image_version
from stacks.settings import StackSettings

CONTAINER_NAME = "django"
HEALTH_PATH = "/health/"
RUN_AS = 10001


def port_plan(settings: StackSettings) -> PortPlan:
    return plan_ports(settings.web_concurrency, settings.metrics_start_port, settings.http_port,
                      settings.service_port, settings.metrics_mode)


def app_labels(settings: StackSettings, stack: str) -> dict[str, str]:
    return common_labels(settings.app_name, f"{settings.app_name}-{stack}", "web", settings.part_of,
                         image_version(settings.image))


EXCEPTION_ANNOTATION = "django-observability.io/security-exception-"
# The checkov checks a relaxed secure default fails, skipped with the exception's own reason.
EXCEPTION_CHECKS = {"readOnlyRootFilesystem": ("CKV_K8S_22",), "networkPolicy": ()}


def _metadata(settings: StackSettings, labels: dict[str, str]) -> dict:
    return {"name": settings.app_name, "namespace": settings.namespace, "labels": labels}


def review_annotations(settings: StackSettings) -> dict[str, str]:
    """Every relaxed default and every scanner skip, with its reason, where a reviewer and checkov see it."""
    annotations = {f"{EXCEPTION_ANNOTATION}{control}": reason
                   for control, reason in sorted(settings.security_exceptions.items())}
    skips = dict(settings.scanner_skips)
    for control, reason in settings.security_exceptions.items():
        skips |= {check: reason for check in EXCEPTION_CHECKS[control]}
    annotations |= {f"checkov.io/skip{index}": f"{check}={reason}"
                    for index, (check, reason) in enumerate(sorted(skips.items()), start=1)}
    return annotations


def _probe() -> dict:
    return {"httpGet": {"path": HEALTH_PATH, "port": "http", "scheme": "HTTP"}, "initialDelaySeconds": 10,
            "periodSeconds": 30, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def build_deployment(settings: StackSettings, stack: str, plan: PortPlan) -> dict:
    labels = app_labels(settings, stack)
    selector = selector_labels(labels)
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes = [{"name": "tmp", "emptyDir": {}}]
    if plan.mode == "multiprocess":
        # Wiped with the pod, as prometheus_client requires between gunicorn runs; in memory, as it is hot.
        mounts.append({"name": "prometheus-multiproc", "mountPath": MULTIPROC_DIR})
        volumes.append({"name": "prometheus-multiproc", "emptyDir": {"medium": "Memory"}})
    container = {
        "name": CONTAINER_NAME,
        "image": settings.image,
        "imagePullPolicy": settings.image_pull_policy,
        "env": [{"name": name, "value": value} for name, value in sorted(plan.env().items())],
        "ports": [{"name": port.name, "containerPort": port.port, "protocol": "TCP"}
                  for port in (plan.http, *plan.metrics)],
        "livenessProbe": _probe(),
        "readinessProbe": _probe(),
        "resources": settings.resources.to_kubernetes(),
        "securityContext": {"allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": "readOnlyRootFilesystem" not in settings.security_exceptions,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": mounts,
    }
    pod_spec = {
        "automountServiceAccountToken": False,  # the app never talks to the Kubernetes API
        "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
        "volumes": volumes,
    }
    if settings.replicas > 1:
        pod_spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector},
        }]
    metadata = _metadata(settings, labels)
    annotations = review_annotations(settings)
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": settings.replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def build_service(settings: StackSettings, stack: str, plan: PortPlan) -> dict:
    labels = app_labels(settings, stack)
    ports = [{"name": plan.http.name, "port": plan.service_http_port, "targetPort": plan.http.name, "protocol": "TCP"}]
    ports += [{"name": port.name, "port": port.port, "targetPort": port.name, "protocol": "TCP"} for port in plan.metrics]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(settings, labels),
        "spec": {"type": "ClusterIP", "selector": selector_labels(labels), "ports": ports},
    }


def build_disruption_budget(settings: StackSettings, stack: str) -> dict | None:
    """Only when there is more than one replica: with one, maxUnavailable 1 would block nothing and mean nothing."""
    if settings.replicas < 2:
        return None
    labels = app_labels(settings, stack)
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(settings, labels),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(labels)}},
    }


def build_network_policy(settings: StackSettings, stack: str, plan: PortPlan) -> dict | None:
    """http from the allowed namespaces (or anywhere); the metrics ports only from the Prometheus pods."""
    if "networkPolicy" in settings.security_exceptions:
        return None
    labels = app_labels(settings, stack)
    prometheus = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": settings.prometheus_namespace}},
                  "podSelector": {"matchLabels": dict(settings.prometheus_pod_labels)}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(settings, labels),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(labels)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"ports": [{"port": plan.http.name, "protocol": "TCP"}]} | ({"from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
                    for namespace in settings.http_allowed_namespaces]} if settings.http_allowed_namespaces else {}),
                {"from": [prometheus], "ports": [{"port": port.name, "protocol": "TCP"} for port in plan.metrics]},
            ],
        },
    }


def build_django_app(settings: StackSettings, stack: str) -> list[dict]:
    plan = port_plan(settings)
    objects = [build_deployment(settings, stack, plan), build_service(settings, stack, plan),
               build_disruption_budget(settings, stack), build_network_policy(settings, stack, plan)]
    return [obj for obj in objects if obj is not None]


class DjangoApp(pulumi.ComponentResource):
    """Registers what `build_django_app` returns; `service_name` and `metrics_ports` are its outputs."""

    def __init__(self, name: str, settings: StackSettings, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:django_app:DjangoApp", name, None, opts)
        self.resources = [register(obj, pulumi.ResourceOptions(parent=self)) for obj in build_django_app(settings, stack)]
        self.service_name = pulumi.Output.from_input(settings.app_name)
        self.metrics_ports = pulumi.Output.from_input({port.name: port.port for port in port_plan(settings).metrics})
        self.register_outputs({"service_name": self.service_name, "metrics_ports": self.metrics_ports})
