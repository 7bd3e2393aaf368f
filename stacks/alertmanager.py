"""Settings of the Alertmanager cluster: where it runs, how many peers, and its routing."""
import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from stacks.model import Image, Model, Name, Port, ResourceQuantities, Resources, stack_name
from stacks.routing import RoutingConfig

_GO_DURATION = re.compile(r"^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")


def _go_duration(value: str) -> str:
    # The Alertmanager CR's `retention` takes only h, m, s and ms (no d, w or y).
    if not value or not _GO_DURATION.match(value):
        raise ValueError("must be a duration in h, m, s and ms only, such as 120h (the Alertmanager CRD has no d or w)")
    return value


def _ip_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("must be an IP address of a node (Alertmanager advertises an IP, not a name)") from None


class SwarmSettings(Model):
    nodes: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")]] = []
    """Node hostnames, one per peer in peer order: peer i is pinned to nodes[i-1]."""
    advertise_addresses: list[Annotated[str, AfterValidator(_ip_address)]] = []
    """The nodes' IP addresses, in peer order: peer i gossips at advertiseAddresses[i-1]:9094, published on its node (inside a task Alertmanager would advertise the docker_gwbridge address, which every node reuses)."""
    docker_host: str = "unix:///var/run/docker.sock"
    """The Docker endpoint of a Swarm manager (unix://, tcp:// or ssh://)."""
    network: Name = "alertmanager"
    """The attachable overlay network the peers gossip on."""
    first_published_port: Port = 19093
    """Peer i publishes its web port (9093) at firstPublishedPort + i - 1."""


class AlertmanagerSettings(Model):
    backend: Literal["kubernetes", "swarm"] = "kubernetes"
    """kubernetes (a prometheus-operator Alertmanager) or swarm (numbered Docker Swarm services)."""
    name: Annotated[Name, Field(max_length=40)] = "main"
    """Name of the Alertmanager resource (its config Secret is alertmanager-<name>)."""
    namespace: Name = "monitoring"
    """Namespace of the Alertmanager on Kubernetes."""
    replicas: Annotated[int, Field(ge=1, le=9)] = 1
    """Peers of the cluster (1-9); more than one adds a PodDisruptionBudget. prod refuses an even count."""
    image: Image = "prom/alertmanager:v0.28.1"
    """The Alertmanager image."""
    anti_affinity: Literal["soft", "hard"] = "soft"
    """Spread peers over nodes: soft (preferred) or hard (required) pod anti-affinity on kubernetes.io/hostname."""
    retention: Annotated[str, AfterValidator(_go_duration)] = "120h"
    """How long silences and the notification log are kept (h, m, s, ms only)."""
    resources: Resources = Resources(requests=ResourceQuantities(cpu="10m", memory="64Mi"),
                                     limits=ResourceQuantities(cpu="200m", memory="256Mi"))
    """Requests and limits of each Alertmanager container."""
    swarm: SwarmSettings = SwarmSettings()
    """Where the swarm backend runs its peers."""
    routing: RoutingConfig = RoutingConfig()
    """alertmanager.yml: route, receivers, inhibit_rules, templates (snake_case); credentials as *_secret keys."""

    @model_validator(mode="after")
    def _peers(self, info: ValidationInfo):
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
        if stack_name(info) == "prod" and self.replicas % 2 == 0:
            raise ValueError(f"prod refuses an even number of peers ({self.replicas}): prod runs 3 or 5 peers, "
                             "one per node, as kube-prometheus does; an even count adds a peer but no tolerated failure zone")
        return self
