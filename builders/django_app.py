"""The metrics-enabled Django deployment: Deployment, Service, PodDisruptionBudget and NetworkPolicy.

gunicorn runs WEB_CONCURRENCY workers and django-prometheus in each worker binds its own port from
range(METRICS_START_PORT, METRICS_START_PORT + WEB_CONCURRENCY); the pod therefore names one port per worker.
"""
from builders.params import AppParams
from stacks.ports import MULTIPROC_DIR

CONTAINER_NAME = "django"
HEALTH_PATH = "/health/"
RUN_AS = 10001

EXCEPTION_ANNOTATION = "django-observability.io/security-exception-"
# The checkov checks a relaxed secure default fails, skipped with the exception's own reason.
EXCEPTION_CHECKS = {"readOnlyRootFilesystem": ("CKV_K8S_22",), "networkPolicy": ()}


def review_annotations(app: AppParams) -> dict[str, str]:
    """Every relaxed default and every scanner skip, with its reason, where a reviewer and checkov see it."""
    annotations = {f"{EXCEPTION_ANNOTATION}{control}": reason
                   for control, reason in sorted(app.security_exceptions.items())}
    skips = dict(app.scanner_skips)
    for control, reason in app.security_exceptions.items():
        skips |= {check: reason for check in EXCEPTION_CHECKS[control]}
    annotations |= {f"checkov.io/skip{index}": f"{check}={reason}"
                    for index, (check, reason) in enumerate(sorted(skips.items()), start=1)}
    return annotations


PRE_STOP_SECONDS = 5
GUNICORN_GRACEFUL_TIMEOUT = 30
"""gunicorn's default graceful_timeout; app/gunicorn.conf.py keeps it."""


def _probe() -> dict:
    return {"httpGet": {"path": HEALTH_PATH, "port": "http", "scheme": "HTTP"}, "initialDelaySeconds": 10,
            "periodSeconds": 30, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def build_deployment(app: AppParams) -> dict:
    identity, plan = app.identity, app.identity.ports
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes = [{"name": "tmp", "emptyDir": {}}]
    if plan.mode == "multiprocess":
        # Wiped with the pod, as prometheus_client requires between gunicorn runs; in memory, as it is hot.
        mounts.append({"name": "prometheus-multiproc", "mountPath": MULTIPROC_DIR})
        volumes.append({"name": "prometheus-multiproc", "emptyDir": {"medium": "Memory"}})
    container = {
        "name": CONTAINER_NAME,
        "image": app.image,
        "imagePullPolicy": app.image_pull_policy,
        "env": [{"name": name, "value": value} for name, value in sorted(plan.env().items())],
        "ports": [{"name": port.name, "containerPort": port.port, "protocol": "TCP"}
                  for port in (plan.http, *plan.metrics)],
        "livenessProbe": _probe(),
        "readinessProbe": _probe(),
        # Endpoints drop a terminating pod a moment after the kubelet signals it; until every node's kube-proxy has
        # seen that, new connections still arrive. Keep serving that long before gunicorn begins its graceful stop.
        "lifecycle": {"preStop": {"sleep": {"seconds": PRE_STOP_SECONDS}}},
        "resources": app.resources,
        "securityContext": {"allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": "readOnlyRootFilesystem" not in app.security_exceptions,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": mounts,
    }
    pod_spec = {
        "automountServiceAccountToken": False,  # the app never talks to the Kubernetes API
        "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        # The pre-stop pause plus gunicorn's 30 s graceful timeout, so no request is cut off by SIGKILL.
        "terminationGracePeriodSeconds": PRE_STOP_SECONDS + GUNICORN_GRACEFUL_TIMEOUT,
        "containers": [container],
        "volumes": volumes,
    }
    if app.replicas > 1:
        pod_spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": identity.selector},
        }]
    metadata = identity.metadata()
    annotations = review_annotations(app)
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": app.replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": identity.selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": identity.labels}, "spec": pod_spec},
        },
    }


def build_service(app: AppParams) -> dict:
    identity, plan = app.identity, app.identity.ports
    ports = [{"name": plan.http.name, "port": plan.service_http_port, "targetPort": plan.http.name, "protocol": "TCP"}]
    ports += [{"name": port.name, "port": port.port, "targetPort": port.name, "protocol": "TCP"} for port in plan.metrics]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": identity.metadata(),
        "spec": {"type": "ClusterIP", "selector": identity.selector, "ports": ports},
    }


def build_disruption_budget(app: AppParams) -> dict | None:
    """Only when there is more than one replica: with one, maxUnavailable 1 would block nothing and mean nothing."""
    if app.replicas < 2:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": app.identity.metadata(),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": app.identity.selector}},
    }


def build_network_policy(app: AppParams) -> dict | None:
    """http from the allowed namespaces (or anywhere); the metrics ports only from the Prometheus pods."""
    if "networkPolicy" in app.security_exceptions:
        return None
    identity, plan = app.identity, app.identity.ports
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": identity.metadata(),
        "spec": {
            "podSelector": {"matchLabels": identity.selector},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"ports": [{"port": plan.http.name, "protocol": "TCP"}]} | ({"from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
                    for namespace in app.http_allowed_namespaces]} if app.http_allowed_namespaces else {}),
                {"from": [app.prometheus.peer()],
                 "ports": [{"port": port.name, "protocol": "TCP"} for port in plan.metrics]},
            ],
        },
    }


def metrics_ports(deployment: dict) -> dict[str, int]:
    """Metrics port name → number, read from a Deployment's container (as built, or as the engine registered it)."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {port["name"]: port["containerPort"] for port in container["ports"] if port["name"].startswith("metrics")}


def app_exports(objects: list[dict]) -> dict:
    """The stack outputs of the Django app, read from its Deployment and Service."""
    [deployment] = [obj for obj in objects if obj["kind"] == "Deployment"]
    [service] = [obj for obj in objects if obj["kind"] == "Service"]
    return {"namespace": deployment["metadata"]["namespace"], "serviceName": service["metadata"]["name"],
            "metricsPorts": metrics_ports(deployment)}


def build_django_app(app: AppParams) -> list[dict]:
    objects = [build_deployment(app), build_service(app), build_disruption_budget(app), build_network_policy(app)]
    return [obj for obj in objects if obj is not None]
