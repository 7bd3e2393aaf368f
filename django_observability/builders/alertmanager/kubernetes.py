"""Kubernetes backend: a prometheus-operator Alertmanager with its config Secret, the Service Prometheus sends to,
a PDB and a NetworkPolicy.

The operator generates the StatefulSet and the `--cluster.peer` flags of every replica itself
(alertmanager-<name>-<i>.alertmanager-operated:9094); what it needs from us is the replica count, the config and
the guard rails around them. Alerts never go through `alertmanager-operated`: the operator makes that Service once
per namespace and it selects every Alertmanager pod there, a platform's own included, so each alert would be
notified by both. Our Service selects our pods alone (`alertmanager: <name>`, a label the operator sets).
"""
from django_observability.builders.alertmanager.config import config_text
from django_observability.builders.alertmanager.peers import MESH_PORT, WEB_PORT
from django_observability.builders.kube_score import ignore_annotations, shape_ignores
from django_observability.builders.params import AlertmanagerParams, egress_rules

CONFIG_KEY = "alertmanager.yaml"
RUN_AS = 10001
CONTAINER_NAME, RELOADER, INIT_RELOADER = "alertmanager", "config-reloader", "init-config-reloader"
"""The operator's names for the Alertmanager container and its config reloaders, which spec.containers and
spec.initContainers patch by name."""
RELOADER_EPHEMERAL_STORAGE = "16Mi"
"""ephemeral-storage request and limit of each config reloader: its logs only (its root filesystem is read-only,
and the config it writes lands in an emptyDir, which counts against the pod). The operator sets their CPU and memory
(10m, 50Mi, requests equal to limits)."""
OPERATOR_CREATES_PODS = ("prometheus-operator creates the Alertmanager pods from the Alertmanager resource, with the "
                         "spec.podMetadata labels this policy selects; kube-score sees no pod in the rendered objects")
OPERATOR_LABELS_PODS = ("prometheus-operator creates the Alertmanager pods from the Alertmanager resource and labels "
                        "them alertmanager=<name>, which this Service selects; kube-score sees no pod in the rendered "
                        "objects")


def config_secret_name(params: AlertmanagerParams) -> str:
    return f"alertmanager-{params.name}"


def service_name(params: AlertmanagerParams) -> str:
    """Named as the operator names what it derives from the resource (and as kube-prometheus names its own)."""
    return f"alertmanager-{params.name}"


def _metadata(params: AlertmanagerParams, name: str) -> dict:
    return {"name": name, "namespace": params.settings.namespace, "labels": params.labels}


def build_config_secret(params: AlertmanagerParams) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": _metadata(params, config_secret_name(params)),
            "stringData": {CONFIG_KEY: config_text(params.settings.routing, params.secrets)}}


def _anti_affinity(params: AlertmanagerParams) -> dict:
    term = {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": params.selector}}
    if params.settings.anti_affinity == "hard":
        return {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    return {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}


def _ephemeral(quantity: str) -> dict:
    return {"requests": {"ephemeral-storage": quantity}, "limits": {"ephemeral-storage": quantity}}


def build_alertmanager(params: AlertmanagerParams) -> dict:
    """The operator generates the pods' StatefulSet from this: every container of it gets resources including
    ephemeral storage, the restricted securityContext, and the image pull policy; its kube-score ignores (annotations
    the operator copies onto the StatefulSet) hold only while the shape they excuse does."""
    settings = params.settings
    resources = settings.resources.to_kubernetes()
    metadata = _metadata(params, params.name)
    if ignores := ignore_annotations(dict(settings.kube_score_ignores) | shape_ignores(
            resources, settings.image, settings.image_pull_policy)):
        metadata["annotations"] = ignores
    own = {key: {**quantities, "ephemeral-storage": settings.ephemeral_storage}
           for key, quantities in resources.items()}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Alertmanager",
        "metadata": metadata,
        "spec": {
            "replicas": settings.replicas,
            "image": settings.image,
            "imagePullPolicy": settings.image_pull_policy,
            "configSecret": config_secret_name(params),
            "retention": settings.retention,
            "podMetadata": {"labels": params.labels},
            "resources": own,
            "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            # Merged by name into the containers the operator generates.
            "containers": [{"name": CONTAINER_NAME,
                            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                                "capabilities": {"drop": ["ALL"]}}},
                           {"name": RELOADER, "resources": _ephemeral(RELOADER_EPHEMERAL_STORAGE)}],
            "initContainers": [{"name": INIT_RELOADER, "resources": _ephemeral(RELOADER_EPHEMERAL_STORAGE)}],
            "affinity": {"podAntiAffinity": _anti_affinity(params)},
        },
    }


WEB_PORT_NAME = "web"
"""The Alertmanager container's web port, as the operator names it (spec.portName, left at its default)."""
ALERTS_OF = "django-observability.io/alerts-of"
"""On the Service: the apps (<namespace>/<app name>, comma-separated) whose alerts this Alertmanager receives."""


def build_service(params: AlertmanagerParams) -> dict:
    """What Prometheus' alerting discovery resolves to every peer: the pods of this Alertmanager alone; annotated
    with the apps whose alerts it is for, which the exported alert relabelings keep (and a platform's own entry
    drops)."""
    metadata = _metadata(params, service_name(params))
    metadata["annotations"] = ignore_annotations({"service-targets-pod": OPERATOR_LABELS_PODS})
    if params.alerts_of:
        metadata["annotations"][ALERTS_OF] = ",".join(f"{namespace}/{app}" for namespace, app in params.alerts_of)
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata,
            "spec": {"selector": {"app.kubernetes.io/name": "alertmanager", "alertmanager": params.name},
                     "ports": [{"name": WEB_PORT_NAME, "port": WEB_PORT, "targetPort": WEB_PORT_NAME,
                                "protocol": "TCP"}]}}


def build_disruption_budget(params: AlertmanagerParams) -> dict | None:
    """Exactly when there is more than one peer (as kube-prometheus does), never a separate switch."""
    if params.settings.replicas < 2:
        return None
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": _metadata(params, params.name),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": params.selector}}}


def build_network_policy(params: AlertmanagerParams) -> dict:
    """Peers gossip with each other on 9094 over TCP and UDP (both are needed); Prometheus reaches 9093. Out: DNS,
    the peers and the receivers (alertmanager.egress). It selects the Alertmanager pods alone, never the whole
    namespace, which the cluster's own Prometheus and operator share."""
    peers = [{"podSelector": {"matchLabels": params.selector}}]
    mesh = [{"port": MESH_PORT, "protocol": "TCP"}, {"port": MESH_PORT, "protocol": "UDP"}]
    metadata = _metadata(params, params.name)
    metadata["annotations"] = ignore_annotations({"networkpolicy-targets-pod": OPERATOR_CREATES_PODS})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": {
            "podSelector": {"matchLabels": params.selector},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [params.prometheus.peer()], "ports": [{"port": WEB_PORT, "protocol": "TCP"}]},
                {"from": peers, "ports": mesh},
            ],
            "egress": [*egress_rules(tuple(params.settings.egress), params.dns), {"to": peers, "ports": mesh}],
        },
    }


def _our_alerts(service: dict, action: str) -> list[dict]:
    """The alert relabeling that keeps (or drops) the alerts of the apps this Alertmanager is for: every alert of
    their rules carries namespace and service (builders/slo.py). None when the cluster names no apps: it then
    receives every alert of the Prometheus that sends to it."""
    named = service["metadata"]["annotations"].get(ALERTS_OF)
    if not named:
        return []
    apps = [each.replace("/", ";") for each in named.split(",")]
    return [{"sourceLabels": ["namespace", "service"], "separator": ";", "regex": "|".join(apps), "action": action}]


def prometheus_alerting(objects: list[dict]) -> dict:
    """For the Prometheus CR's spec.alerting, read from our Service: Prometheus discovers every pod behind it and
    posts to each peer, never through a load balancer, and to no other Alertmanager of the namespace; only our
    apps' alerts (alertRelabelings, Prometheus 2.51 and later)."""
    [service] = [obj for obj in objects if obj["kind"] == "Service"]
    entry = {"namespace": service["metadata"]["namespace"], "name": service["metadata"]["name"],
             "port": service["spec"]["ports"][0]["name"], "apiVersion": "v2"}
    if kept := _our_alerts(service, "keep"):
        entry["alertRelabelings"] = kept
    return {"alertmanagers": [entry]}


def platform_alert_relabelings(objects: list[dict]) -> list[dict]:
    """What a platform adds to its own Alertmanager's entry of spec.alerting, so that our apps' alerts are notified
    by our Alertmanager alone."""
    [service] = [obj for obj in objects if obj["kind"] == "Service"]
    return _our_alerts(service, "drop")


def build_kubernetes_alertmanager(params: AlertmanagerParams) -> list[dict]:
    objects = [build_config_secret(params), build_alertmanager(params), build_service(params),
               build_disruption_budget(params), build_network_policy(params)]
    return [obj for obj in objects if obj is not None]
