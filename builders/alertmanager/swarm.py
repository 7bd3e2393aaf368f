"""Docker Swarm backend: N numbered services, each pinned to its own node and peering with all the others.

One Swarm service cannot give each of its tasks different `--cluster.peer` flags, so each peer is a service of its
own (`alertmanager_1` … `alertmanager_N`) and they share the network alias `alertmanager` for discovery. The config
is a Docker config named after a hash of its content: a changed config is a new Docker config, and the services
roll over to it; Docker configs are never edited in place.
"""
import hashlib

from builders.alertmanager.config import config_text
from builders.alertmanager.peers import CONFIG_FILE, STORAGE_PATH, WEB_PORT, peer_plan, swarm_address
from builders.params import AlertmanagerParams

NETWORK_ALIAS = "alertmanager"


def config_name(text: str) -> str:
    return f"alertmanager-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def build_swarm_plan(params: AlertmanagerParams) -> dict:
    settings = params.settings
    swarm = settings.swarm
    text = config_text(settings.routing, params.secrets)
    services = [{
        "name": peer.name,
        "image": settings.image,
        "args": peer.args(swarm_address),
        "constraints": [f"node.hostname == {node}"],
        "network": swarm.network,
        "aliases": [NETWORK_ALIAS],
        "ports": [{"target": WEB_PORT, "published": swarm.first_published_port + peer.index - 1, "protocol": "tcp"}],
        "volume": {"name": f"{peer.name}_data", "target": STORAGE_PATH},
        "config": {"name": config_name(text), "target": CONFIG_FILE},
    } for peer, node in zip(peer_plan(settings.replicas), swarm.nodes)]
    return {
        "network": {"name": swarm.network, "driver": "overlay", "attachable": True},
        "config": {"name": config_name(text), "data": text},
        "volumes": [service["volume"]["name"] for service in services],
        "services": services,
    }


def prometheus_alerting_swarm() -> dict:
    """prometheus.yml `alerting`: every peer through Swarm's per-task DNS, never through a load balancer."""
    return {"alertmanagers": [{"dns_sd_configs": [{"names": [f"tasks.{NETWORK_ALIAS}"], "type": "A", "port": WEB_PORT}]}]}
