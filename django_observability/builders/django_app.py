"""The metrics-enabled Django deployment: Deployment, Service, PodDisruptionBudget, NetworkPolicy and the
namespace's default-deny egress.

gunicorn runs WEB_CONCURRENCY workers and django-prometheus in each worker binds its own port from
range(METRICS_START_PORT, METRICS_START_PORT + WEB_CONCURRENCY); the pod therefore names one port per worker.
"""
from django_observability.builders.kube_score import ignore_annotations, shape_ignores
from django_observability.builders.params import AppParams, egress_rules
from django_observability.settings.pod import Probes, ProbeTiming
from django_observability.settings.ports import MULTIPROC_DIR

CONTAINER_NAME = "django"
HEALTH_PATH = "/health/"
READY_PATH = "/ready/"
"""The reference app's views `health` (Django answers) and `ready` (it can serve: the database answers)."""
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


HARD_HOSTNAME_SPREAD = ("a DoNotSchedule topology spread over kubernetes.io/hostname with maxSkew 1 keeps replicas "
                        "on separate nodes as anti-affinity would, and still places more replicas than nodes")


def kube_score_ignores(app: AppParams) -> dict[str, str]:
    """The stack's own ignores, plus those the objects' shape makes wrong (each only while it is)."""
    ignores = dict(app.kube_score_ignores) | shape_ignores(app.resources, app.image, app.image_pull_policy)
    if app.replicas > 1 and app.spread.hostname == "hard":
        ignores["deployment-has-host-podantiaffinity"] = HARD_HOSTNAME_SPREAD
    return ignores


def _timing(timing: ProbeTiming) -> dict:
    return {"periodSeconds": timing.period_seconds, "timeoutSeconds": timing.timeout_seconds,
            "failureThreshold": timing.failure_threshold, "successThreshold": 1}


def _probes(probes: Probes) -> dict:
    """Startup waits for boot and migrations; readiness takes the pod out of the endpoints when it cannot serve
    (its database); liveness restarts only a gunicorn master that stopped accepting connections: the master holds
    the listening socket and the kernel accepts for it even when every worker is busy, so load never kills a pod."""
    return {
        "startupProbe": {"httpGet": {"path": HEALTH_PATH, "port": "http", "scheme": "HTTP"}, **_timing(probes.startup)},
        "readinessProbe": {"httpGet": {"path": READY_PATH, "port": "http", "scheme": "HTTP"},
                           **_timing(probes.readiness)},
        "livenessProbe": {"tcpSocket": {"port": "http"}, **_timing(probes.liveness)},
    }


SPREAD_KEYS = {"hostname": "kubernetes.io/hostname", "zone": "topology.kubernetes.io/zone"}


def _spread(app: AppParams) -> list[dict]:
    # nodeTaintsPolicy Honor: a cordoned node (drain, upgrade) is no domain to balance, or a hard spread would leave
    # the replacement of an evicted pod Pending.
    return [{"maxSkew": 1, "topologyKey": SPREAD_KEYS[field],
             "whenUnsatisfiable": "DoNotSchedule" if mode == "hard" else "ScheduleAnyway",
             "nodeTaintsPolicy": "Honor", "labelSelector": {"matchLabels": app.identity.selector}}
            for field, mode in app.spread.model_dump().items() if mode != "off"]


def build_deployment(app: AppParams) -> dict:
    identity, plan = app.identity, app.identity.ports
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes = [{"name": "tmp", "emptyDir": {"sizeLimit": app.storage.tmp}}]
    if plan.mode == "multiprocess":
        # Wiped with the pod, as prometheus_client requires between gunicorn runs; in memory, as it is hot.
        mounts.append({"name": "prometheus-multiproc", "mountPath": MULTIPROC_DIR})
        volumes.append({"name": "prometheus-multiproc",
                        "emptyDir": {"medium": "Memory", "sizeLimit": app.storage.multiproc}})
    env = plan.env() | {"GUNICORN_GRACEFUL_TIMEOUT": str(app.shutdown.graceful_timeout_seconds)}
    container = {
        "name": CONTAINER_NAME,
        "image": app.image,
        "imagePullPolicy": app.image_pull_policy,
        "env": [{"name": name, "value": value} for name, value in sorted(env.items())],
        "ports": [{"name": port.name, "containerPort": port.port, "protocol": "TCP"}
                  for port in (plan.http, *plan.metrics)],
        **_probes(app.probes),
        # Endpoints drop a terminating pod a moment after the kubelet signals it; until every node's kube-proxy has
        # seen that, new connections still arrive. Keep serving that long before gunicorn begins its graceful stop.
        "lifecycle": {"preStop": {"sleep": {"seconds": app.shutdown.pre_stop_seconds}}},
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
        "terminationGracePeriodSeconds": app.shutdown.termination_grace_period(),
        "containers": [container],
        "volumes": volumes,
    }
    if app.replicas > 1:
        pod_spec["topologySpreadConstraints"] = _spread(app)
    metadata = identity.metadata()
    annotations = review_annotations(app) | ignore_annotations(kube_score_ignores(app))
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
    """http from the allowed namespaces (or anywhere); the metrics ports only from the Prometheus pods; out only to
    cluster DNS and the stack's egress allow-list."""
    if "networkPolicy" in app.security_exceptions:
        return None
    identity, plan = app.identity, app.identity.ports
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": identity.metadata(),
        "spec": {
            "podSelector": {"matchLabels": identity.selector},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"ports": [{"port": plan.http.name, "protocol": "TCP"}]} | ({"from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
                    for namespace in app.http_allowed_namespaces]} if app.http_allowed_namespaces else {}),
                {"from": [app.prometheus.peer()],
                 "ports": [{"port": port.name, "protocol": "TCP"} for port in plan.metrics]},
            ],
            "egress": egress_rules(app.egress, app.dns),
        },
    }


def build_default_deny_egress(app: AppParams) -> dict | None:
    """Every pod of the namespace the stack owns, not only the app's, is denied egress unless a policy allows it."""
    if "networkPolicy" in app.security_exceptions or not app.owns_namespace:
        return None
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": app.identity.metadata(name="default-deny-egress"),
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }


def metrics_ports(deployment: dict) -> dict[str, int]:
    """Metrics port name → number, read from a Deployment's container (as built, or as the engine registered it)."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {port["name"]: port["containerPort"] for port in container["ports"] if port["name"].startswith("metrics")}


def build_django_app(app: AppParams) -> list[dict]:
    objects = [build_deployment(app), build_service(app), build_disruption_budget(app), build_network_policy(app),
               build_default_deny_egress(app)]
    return [obj for obj in objects if obj is not None]
