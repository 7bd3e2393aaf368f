"""Kubernetes backend: a prometheus-operator Alertmanager with its config Secret, PDB and NetworkPolicy.

The operator generates the StatefulSet and the `--cluster.peer` flags of every replica itself
(alertmanager-<name>-<i>.alertmanager-operated:9094); what it needs from us is the replica count, the config and
the guard rails around them.
"""
import pulumi
import yaml

from components.alertmanager.peers import MESH_PORT, WEB_PORT
from components.alertmanager.routing import placeholder
from components.labels import common_labels, selector_labels
from components.resources import register
from stacks.alertmanager import AlertmanagerSettings
from stacks.model import image_version

CONFIG_KEY = "alertmanager.yaml"
GOVERNING_SERVICE = "alertmanager-operated"
RUN_AS = 1000


def alertmanager_labels(settings: AlertmanagerSettings, part_of: str) -> dict[str, str]:
    return common_labels("alertmanager", settings.name, "alert-router", part_of, image_version(settings.image))


def config_secret_name(settings: AlertmanagerSettings) -> str:
    return f"alertmanager-{settings.name}"


def config_text(settings: AlertmanagerSettings, secrets: dict[str, str]) -> str:
    return yaml.safe_dump(settings.routing.to_alertmanager_config(secrets), sort_keys=False)


def _metadata(settings: AlertmanagerSettings, name: str, labels: dict[str, str]) -> dict:
    return {"name": name, "namespace": settings.namespace, "labels": labels}


def build_config_secret(settings: AlertmanagerSettings, part_of: str, secrets: dict[str, str]) -> dict:
    labels = alertmanager_labels(settings, part_of)
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": _metadata(settings, config_secret_name(settings), labels),
            "stringData": {CONFIG_KEY: config_text(settings, secrets)}}


def _anti_affinity(settings: AlertmanagerSettings, selector: dict[str, str]) -> dict:
    term = {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector}}
    if settings.anti_affinity == "hard":
        return {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    return {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}


def build_alertmanager(settings: AlertmanagerSettings, part_of: str) -> dict:
    labels = alertmanager_labels(settings, part_of)
    selector = selector_labels(labels)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Alertmanager",
        "metadata": _metadata(settings, settings.name, labels),
        "spec": {
            "replicas": settings.replicas,
            "image": settings.image,
            "configSecret": config_secret_name(settings),
            "retention": settings.retention,
            "podMetadata": {"labels": labels},
            "resources": settings.resources.to_kubernetes(),
            "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": {"podAntiAffinity": _anti_affinity(settings, selector)},
        },
    }


def build_disruption_budget(settings: AlertmanagerSettings, part_of: str) -> dict | None:
    """Exactly when there is more than one peer (as kube-prometheus does), never a separate switch."""
    if settings.replicas < 2:
        return None
    labels = alertmanager_labels(settings, part_of)
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": _metadata(settings, settings.name, labels),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(labels)}}}


def build_network_policy(settings: AlertmanagerSettings, part_of: str, prometheus_namespace: str,
                         prometheus_pod_labels: dict[str, str]) -> dict:
    """Peers gossip with each other on 9094 over TCP and UDP (both are needed); Prometheus reaches 9093."""
    labels = alertmanager_labels(settings, part_of)
    selector = selector_labels(labels)
    prometheus = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": prometheus_namespace}},
                  "podSelector": {"matchLabels": dict(prometheus_pod_labels)}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(settings, settings.name, labels),
        "spec": {
            "podSelector": {"matchLabels": selector},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [prometheus], "ports": [{"port": WEB_PORT, "protocol": "TCP"}]},
                {"from": [{"podSelector": {"matchLabels": selector}}],
                 "ports": [{"port": MESH_PORT, "protocol": "TCP"}, {"port": MESH_PORT, "protocol": "UDP"}]},
            ],
        },
    }


def prometheus_alerting(settings: AlertmanagerSettings) -> dict:
    """For the Prometheus CR's spec.alerting: the operator resolves every pod behind the governing Service, so
    alerts go to each peer, never through a load balancer."""
    return {"alertmanagers": [{"namespace": settings.namespace, "name": GOVERNING_SERVICE, "port": "web",
                               "apiVersion": "v2"}]}


def build_kubernetes_alertmanager(settings: AlertmanagerSettings, part_of: str, prometheus_namespace: str,
                                  prometheus_pod_labels: dict[str, str], secrets: dict[str, str]) -> list[dict]:
    objects = [build_config_secret(settings, part_of, secrets), build_alertmanager(settings, part_of),
               build_disruption_budget(settings, part_of),
               build_network_policy(settings, part_of, prometheus_namespace, prometheus_pod_labels)]
    return [obj for obj in objects if obj is not None]


class KubernetesAlertmanager(pulumi.ComponentResource):
    """Registers what `build_kubernetes_alertmanager` returns; the config Secret's data is filled in from the
    secret config values and stays secret in state."""

    def __init__(self, name: str, settings: AlertmanagerSettings, part_of: str, prometheus_namespace: str,
                 prometheus_pod_labels: dict[str, str], secrets: dict[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:alertmanager:KubernetesAlertmanager", name, None, opts)
        skeleton = {key: placeholder(key) for key in settings.routing.secret_keys()}
        objects = build_kubernetes_alertmanager(settings, part_of, prometheus_namespace, prometheus_pod_labels, skeleton)
        # Real credentials arrive as secret Outputs and Output.all keeps them secret (pulumi-kubernetes marks a
        # Secret's data secret in any case).
        string_data = pulumi.Output.all(**secrets).apply(lambda values: {CONFIG_KEY: config_text(settings, values)})
        self.resources = [register(obj, pulumi.ResourceOptions(parent=self), **({"stringData": string_data} if obj["kind"] == "Secret" else {}))
                          for obj in objects]
        self.prometheus_alerting = pulumi.Output.from_input(prometheus_alerting(settings))
        self.register_outputs({"prometheus_alerting": self.prometheus_alerting})
