"""Kubernetes backend: a prometheus-operator Alertmanager with its config Secret, PDB and NetworkPolicy.

The operator generates the StatefulSet and the `--cluster.peer` flags of every replica itself
(alertmanager-<name>-<i>.alertmanager-operated:9094); what it needs from us is the replica count, the config and
the guard rails around them.
"""
from builders.alertmanager.config import config_text
from builders.alertmanager.peers import MESH_PORT, WEB_PORT
from builders.kube_score import ignore_annotations
from builders.params import AlertmanagerParams, egress_rules

CONFIG_KEY = "alertmanager.yaml"
GOVERNING_SERVICE = "alertmanager-operated"
RUN_AS = 1000
CONTAINER_NAME = "alertmanager"
"""The operator's name for the Alertmanager container, which spec.containers patches."""
OPERATOR_CREATES_PODS = ("prometheus-operator creates the Alertmanager pods from the Alertmanager resource, with the "
                         "spec.podMetadata labels this policy selects; kube-score sees no pod in the rendered objects")


def config_secret_name(params: AlertmanagerParams) -> str:
    return f"alertmanager-{params.settings.name}"


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


def build_alertmanager(params: AlertmanagerParams) -> dict:
    settings = params.settings
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Alertmanager",
        "metadata": _metadata(params, settings.name),
        "spec": {
            "replicas": settings.replicas,
            "image": settings.image,
            "configSecret": config_secret_name(params),
            "retention": settings.retention,
            "podMetadata": {"labels": params.labels},
            "resources": settings.resources.to_kubernetes(),
            "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            # Merged by name into the container the operator generates.
            "containers": [{"name": CONTAINER_NAME,
                            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                                "capabilities": {"drop": ["ALL"]}}}],
            "affinity": {"podAntiAffinity": _anti_affinity(params)},
        },
    }


def build_disruption_budget(params: AlertmanagerParams) -> dict | None:
    """Exactly when there is more than one peer (as kube-prometheus does), never a separate switch."""
    if params.settings.replicas < 2:
        return None
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": _metadata(params, params.settings.name),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": params.selector}}}


def build_network_policy(params: AlertmanagerParams) -> dict:
    """Peers gossip with each other on 9094 over TCP and UDP (both are needed); Prometheus reaches 9093. Out: DNS,
    the peers and the receivers (alertmanager.egress). It selects the Alertmanager pods alone, never the whole
    namespace, which the cluster's own Prometheus and operator share."""
    peers = [{"podSelector": {"matchLabels": params.selector}}]
    mesh = [{"port": MESH_PORT, "protocol": "TCP"}, {"port": MESH_PORT, "protocol": "UDP"}]
    metadata = _metadata(params, params.settings.name)
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
            "egress": [*egress_rules(tuple(params.settings.egress)), {"to": peers, "ports": mesh}],
        },
    }


def prometheus_alerting(objects: list[dict]) -> dict:
    """For the Prometheus CR's spec.alerting, read from the Alertmanager object: the operator resolves every pod
    behind the governing Service, so alerts go to each peer, never through a load balancer."""
    [alertmanager] = [obj for obj in objects if obj["kind"] == "Alertmanager"]
    return {"alertmanagers": [{"namespace": alertmanager["metadata"]["namespace"], "name": GOVERNING_SERVICE,
                               "port": "web", "apiVersion": "v2"}]}


def build_kubernetes_alertmanager(params: AlertmanagerParams) -> list[dict]:
    objects = [build_config_secret(params), build_alertmanager(params), build_disruption_budget(params),
               build_network_policy(params)]
    return [obj for obj in objects if obj is not None]
