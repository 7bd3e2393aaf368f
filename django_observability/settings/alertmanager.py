"""Settings of the Alertmanager cluster: where it runs, how many peers, and its routing."""
import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from django_observability.settings.durations import parse_go_duration
from django_observability.settings.model import (Image, Integer, KubeScoreIgnores, Model, Name, Port, PullPolicy,
                                                 Quantity, ResourceQuantities, Resources)
from django_observability.settings.network import HTTPS_ANYWHERE, EgressRule
from django_observability.settings.problems import PROJECT
from django_observability.settings.routing import RoutingConfig
from django_observability.settings.rules import Pattern, matching
from django_observability.settings.shared import PlatformSettings

_DOCKER_HOST = Pattern(r"unix:///[!-~]+|tcp://[A-Za-z0-9.-]+(?::(?P<tcp_port>[0-9]{1,5}))?"
                       r"|ssh://(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(?::(?P<ssh_port>[0-9]{1,5}))?")
Hostname = matching(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", "must be a node hostname (letters, digits, '.' and '-')")


def _go_duration(value: str) -> str:
    parse_go_duration(value)
    return value


def _docker_host(value: str) -> str:
    match = _DOCKER_HOST.fullmatch(value)
    port = match and (match["tcp_port"] or match["ssh_port"])
    if not match or (port and not 1 <= int(port) <= 65535):
        raise ValueError("must be a Docker endpoint unix:///<socket path>, tcp://<host>[:<port>] or "
                         "ssh://[<user>@]<host>[:<port>], with a port of 1-65535")
    return value


def _ip_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("must be an IP address of a node (Alertmanager advertises an IP, not a name)") from None


NAME_LENGTH = 40
"""The Alertmanager's name, at most: the operator derives alertmanager-<name>-<i> pod names and their labels."""


class SwarmSettings(Model):
    """Where the Swarm backend runs its peers."""

    nodes: list[Hostname] = []
    """Node hostnames, one per peer in peer order: peer i is pinned to nodes[i-1]."""
    advertise_addresses: list[Annotated[str, AfterValidator(_ip_address)]] = []
    """The nodes' IP addresses, in peer order: peer i gossips at advertiseAddresses[i-1]:9094, published on its node (inside a task Alertmanager would advertise the docker_gwbridge address, which every node reuses)."""
    docker_host: Annotated[str, AfterValidator(_docker_host)] = "unix:///var/run/docker.sock"
    """The Docker endpoint of a Swarm manager (unix://, tcp:// or ssh://)."""
    network: Name = "alertmanager"
    """The attachable overlay network the peers gossip on."""
    first_published_port: Port = 19093
    """Peer i publishes its web port (9093) at firstPublishedPort + i - 1."""


class AlertmanagerSettings(Model):
    backend: Literal["kubernetes", "swarm"] = "kubernetes"
    """kubernetes (a prometheus-operator Alertmanager) or swarm (numbered Docker Swarm services)."""
    name: Annotated[Name | None, Field(max_length=NAME_LENGTH)] = None
    """Name of the Alertmanager resource (its StatefulSet and config Secret are alertmanager-<name>); default
    <project>-<stack> (django-observability-dev), never a name a platform's own Alertmanager has (main,
    kube-prometheus-stack-alertmanager). Its PDB and NetworkPolicy carry the same name."""
    namespace: Name = "monitoring"
    """Namespace of the Alertmanager on Kubernetes."""
    replicas: Annotated[Integer, Field(ge=1, le=9)] = 1
    """Peers of the cluster (1-9); more than one adds a PodDisruptionBudget. Gossip needs no quorum (Prometheus
    sends each alert to every peer, which share a notification log so that one notifies), so any count works and
    each further peer tolerates one more failure."""
    image: Image = "prom/alertmanager:v0.28.1"
    """The Alertmanager image."""
    image_pull_policy: PullPolicy = "Always"
    """When the kubelet pulls the Alertmanager and config-reloader images (IfNotPresent suits an image pinned by
    digest)."""
    anti_affinity: Literal["soft", "hard"] = "soft"
    """Spread peers over nodes: soft (preferred) or hard (required) pod anti-affinity on kubernetes.io/hostname."""
    retention: Annotated[str, AfterValidator(_go_duration)] = "120h"
    """How long silences and the notification log are kept (h, m, s, ms only)."""
    resources: Resources = Resources(requests=ResourceQuantities(cpu="10m", memory="128Mi"),
                                     limits=ResourceQuantities(cpu="200m", memory="128Mi"))
    """Requests and limits of each Alertmanager container; memory request equal to the limit, so that the peers
    are not the first evicted under memory pressure."""
    ephemeral_storage: Quantity = "128Mi"
    """ephemeral-storage request and limit of each Alertmanager container: its logs, and the data directory of
    silences and the notification log (an emptyDir, counted against the pod's limit)."""
    kube_score_ignores: KubeScoreIgnores = {}
    """kube-score checks ignored on the StatefulSet the operator generates, each with its reason (annotations of the
    Alertmanager resource, which the operator copies onto it)."""
    egress: list[EgressRule] = [HTTPS_ANYWHERE]
    """Where the peers may connect besides cluster DNS and each other (9094): the receivers, each a cidr or pods
    (namespace, podLabels), with ports. Default: HTTPS anywhere but the cloud metadata address."""
    swarm: SwarmSettings = SwarmSettings()
    """Where the swarm backend runs its peers."""
    routing: RoutingConfig = RoutingConfig()
    """alertmanager.yml: route, receivers, inhibit_rules, templates (snake_case); credentials as *_secret keys."""

    def resource_name(self, stack: str) -> str:
        """The Alertmanager resource's name in `stack`: `name`, or one derived from the project and the stack (the
        one Alertmanager cluster a stack shares between its apps)."""
        return self.name or f"{PROJECT}-{stack}"

    @model_validator(mode="after")
    def _peers(self):
        if self.backend == "swarm":
            if len(self.swarm.nodes) != self.replicas:
                raise ValueError(f"the swarm backend pins each of the {self.replicas} peers to its own node: "
                                 f"swarm.nodes must list {self.replicas} node(s), it lists {len(self.swarm.nodes)}")
            if len(set(self.swarm.nodes)) != len(self.swarm.nodes):
                raise ValueError("swarm.nodes must not repeat a node: two peers on one node fail together")
            if len(self.swarm.advertise_addresses) != self.replicas:
                raise ValueError(f"each of the {self.replicas} peers gossips at its node's address: "
                                 f"swarm.advertiseAddresses must list {self.replicas} address(es), "
                                 f"it lists {len(self.swarm.advertise_addresses)}")
            last = self.swarm.first_published_port + self.replicas - 1
            if last > 65535:
                raise ValueError(f"swarm.firstPublishedPort {self.swarm.first_published_port} with {self.replicas} "
                                 f"peers publishes up to port {last}; the last must be at most 65535")
        return self


class AppRef(Model):
    """An app whose alerts an Alertmanager cluster receives."""

    namespace: Name
    """The app's namespace."""
    app_name: Name
    """The app's name (its Service's): with the namespace, what every alert of its rules carries."""


class AlertmanagerSpec(PlatformSettings, AlertmanagerSettings):
    """An Alertmanager cluster with where the platform's Prometheus runs and the apps it receives alerts of: what an
    `AlertmanagerCluster` component is built from."""

    apps: list[AppRef] = []
    """The apps whose alerts the cluster receives: the alerting it exports keeps their alerts alone, and the
    relabelings it exports for a platform's own Alertmanager drop them there. Empty, it receives every alert of the
    Prometheus that sends to it."""
