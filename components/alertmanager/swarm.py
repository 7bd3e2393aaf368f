"""Docker Swarm backend: N numbered services, each pinned to its own node and peering with all the others.

One Swarm service cannot give each of its tasks different `--cluster.peer` flags, so each peer is a service of its
own (`alertmanager_1` … `alertmanager_N`) and they share the network alias `alertmanager` for discovery. The config
is a Docker config named after a hash of its content: a changed config is a new Docker config, and the services
roll over to it; Docker configs are never edited in place.
"""
import hashlib

import pulumi
import pulumi_docker as docker

from components.alertmanager.kubernetes import config_text
from components.alertmanager.peers import CONFIG_FILE, STORAGE_PATH, WEB_PORT, peer_plan, swarm_address
from stacks.alertmanager import AlertmanagerSettings

NETWORK_ALIAS = "alertmanager"


def config_name(text: str) -> str:
    return f"alertmanager-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def build_swarm_plan(settings: AlertmanagerSettings, secrets: dict[str, str]) -> dict:
    swarm = settings.swarm
    text = config_text(settings, secrets)
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


class SwarmAlertmanager(pulumi.ComponentResource):
    def __init__(self, name: str, settings: AlertmanagerSettings, secrets: dict[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:alertmanager:SwarmAlertmanager", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Computed from the credentials: secret whenever they are (the content-derived name is a hash, unsecret).
        plan = pulumi.Output.all(**secrets).apply(lambda values: build_swarm_plan(settings, values))
        skeleton = build_swarm_plan(settings, {key: "" for key in settings.routing.secret_keys()})
        network = skeleton["network"]
        self.network = docker.Network(network["name"], name=network["name"], driver=network["driver"],
                                      attachable=network["attachable"], opts=child)
        self.config = docker.ServiceConfig(
            f"{name}-config", name=pulumi.Output.unsecret(plan.apply(lambda p: p["config"]["name"])),
            data_raw=plan.apply(lambda p: p["config"]["data"]), opts=child)
        self.volumes = [docker.Volume(volume, name=volume, opts=child) for volume in skeleton["volumes"]]
        self.services = [self._service(service, child) for service in skeleton["services"]]
        self.register_outputs({"services": [service["name"] for service in skeleton["services"]],
                               "prometheus_alerting": prometheus_alerting_swarm()})

    def _service(self, service: dict, child: pulumi.ResourceOptions) -> docker.Service:
        container = docker.ServiceTaskSpecContainerSpecArgs(
            image=service["image"], args=service["args"],
            configs=[docker.ServiceTaskSpecContainerSpecConfigArgs(
                config_id=self.config.id, config_name=self.config.name, file_name=service["config"]["target"])],
            mounts=[docker.ServiceTaskSpecContainerSpecMountArgs(
                type="volume", source=service["volume"]["name"], target=service["volume"]["target"])])
        return docker.Service(
            service["name"], name=service["name"],
            task_spec=docker.ServiceTaskSpecArgs(
                container_spec=container,
                placement=docker.ServiceTaskSpecPlacementArgs(constraints=service["constraints"]),
                networks_advanceds=[docker.ServiceTaskSpecNetworksAdvancedArgs(
                    id=self.network.id, aliases=service["aliases"])]),
            mode=docker.ServiceModeArgs(replicated=docker.ServiceModeReplicatedArgs(replicas=1)),
            endpoint_spec=docker.ServiceEndpointSpecArgs(ports=[docker.ServiceEndpointSpecPortArgs(
                target_port=port["target"], published_port=port["published"], protocol=port["protocol"])
                for port in service["ports"]]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.volumes))
