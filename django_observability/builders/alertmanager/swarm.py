"""Docker Swarm backend: N numbered services, each pinned to its own node and peering with all the others.

One Swarm service cannot give each of its tasks different `--cluster.peer` flags, so each peer is a service of its
own (`alertmanager_1` … `alertmanager_N`) and they share the network alias `alertmanager` for discovery; each peer
gossips under the cluster label `<stack>/<name>`, so peers of another cluster that reach the mesh port are ignored.
Docker configs and secrets are never edited in place: a change is a new object that the services roll over to, and
the old one is removed afterwards. The config is named after a hash of its content, which holds no credential. A
secret's name must reveal nothing of its value (a hash of a weak password can be guessed offline from `docker
secret ls` or the state), so the plan names no secret: the Docker provider names each after its resource with a
random suffix, and a new value replaces the secret under a fresh name.

Each peer's data (silences, notification log) is a volume on its own node, which that node's engine creates when
the task first starts: a volume of the local driver exists on one node only, and the program talks to the manager
alone, so it cannot create volumes on the other nodes (nor remove them: destroy leaves the data, like a PVC).

Credentials never enter the config: each is a Docker secret, mounted as a file that alertmanager.yml names
(`url_file`, `api_url_file`, …), so `docker config inspect` shows a config without them.

The services use DNS round robin (`dnsrr`) and publish their ports in host mode on their own node: Prometheus
reaches every task by `tasks.<name>` DNS, and nothing needs a service VIP or the ingress routing mesh (both need
IPVS, which not every kernel has). Peers join through `tasks.alertmanager_<j>` but gossip at their node's address:
a task's default route is docker_gwbridge, whose address Alertmanager would otherwise advertise, and every node
hands out the same one (all peers then "see" one address and gossip with themselves).
"""
import hashlib

import yaml

from django_observability.builders.alertmanager.config import alertmanager_config
from django_observability.builders.alertmanager.peers import CONFIG_FILE, MESH_PORT, STORAGE_PATH, WEB_PORT, peer_plan, swarm_address
from django_observability.builders.params import AlertmanagerParams

NETWORK_ALIAS = "alertmanager"
SECRETS_DIR = "/run/secrets"


def content_name(prefix: str, content: str) -> str:
    return f"{prefix}-{hashlib.sha256(content.encode()).hexdigest()[:12]}"


def credential_file(key: str) -> str:
    return f"{SECRETS_DIR}/{key}"


def swarm_config_text(params: AlertmanagerParams) -> str:
    """alertmanager.yml with every credential read from its Docker secret's file."""
    routing = params.settings.routing
    files = {key: credential_file(key) for key in routing.secret_keys()}
    return yaml.safe_dump(alertmanager_config(routing, {}, secret_files=files), sort_keys=False)


def cluster_label(params: AlertmanagerParams) -> str:
    """What every peer of this cluster sends with each gossip packet, and wants from its peers: as unique as the
    operator's `<namespace>/<name>` on Kubernetes."""
    return f"{params.stack}/{params.name}"


def build_swarm_plan(params: AlertmanagerParams) -> dict:
    settings = params.settings
    swarm = settings.swarm
    text = swarm_config_text(params)
    config = {"name": content_name("alertmanager", text), "target": CONFIG_FILE, "data": text}
    credentials = [{"key": key, "target": credential_file(key), "data": params.secrets[key]}
                   for key in settings.routing.secret_keys()]
    services = [{
        "name": peer.name,
        "image": settings.image,
        "args": [*peer.args(swarm_address), f"--cluster.advertise-address={address}:{MESH_PORT}",
                 f"--cluster.label={cluster_label(params)}"],
        "constraints": [f"node.hostname == {node}"],
        "network": swarm.network,
        "aliases": [NETWORK_ALIAS],
        "endpoint_mode": "dnsrr",
        "ports": [{"target": WEB_PORT, "published": swarm.first_published_port + peer.index - 1, "protocol": "tcp",
                   "mode": "host"},
                  *({"target": MESH_PORT, "published": MESH_PORT, "protocol": protocol, "mode": "host"}
                    for protocol in ("tcp", "udp"))],
        "volume": {"name": f"{peer.name}_data", "target": STORAGE_PATH},
        "config": {"name": config["name"], "target": config["target"]},
        "secrets": [{"key": credential["key"], "target": credential["target"]} for credential in credentials],
    } for peer, node, address in zip(peer_plan(settings.replicas), swarm.nodes, swarm.advertise_addresses)]
    return {
        "network": {"name": swarm.network, "driver": "overlay", "attachable": True},
        "config": config,
        "secrets": credentials,
        "services": services,
    }


def prometheus_alerting_swarm() -> dict:
    """prometheus.yml `alerting`: every peer through Swarm's per-task DNS, never through a load balancer."""
    return {"alertmanagers": [{"dns_sd_configs": [{"names": [f"tasks.{NETWORK_ALIAS}"], "type": "A", "port": WEB_PORT}]}]}
