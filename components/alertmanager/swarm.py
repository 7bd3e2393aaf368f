"""Docker Swarm backend: N numbered services, each pinned to its own node and peering with all the others.

One Swarm service cannot give each of its tasks different `--cluster.peer` flags, so each peer is a service of its
own (`alertmanager_1` … `alertmanager_N`) and they share the network alias `alertmanager` for discovery. Docker
configs and secrets are never edited in place, so each is named after a hash of its content: a change is a new
object that the services roll over to, and the old one is removed afterwards.

Each peer's data (silences, notification log) is a volume on its own node, which that node's engine creates when
the task first starts: a volume of the local driver exists on one node only, and the program talks to the manager
alone, so it cannot create volumes on the other nodes (nor remove them: destroy leaves the data, like a PVC).

Credentials never enter the config: each is a Docker secret, mounted as a file that alertmanager.yml names
(`url_file`, `api_url_file`, …), so `docker config inspect` shows a config without them.

The services use DNS round robin (`dnsrr`) and publish their ports in host mode on their own node: Prometheus
reaches every task by `tasks.<name>` DNS, and nothing needs a service VIP or the ingress routing mesh (both need
IPVS, which not every kernel has). Peers join through `tasks.alertmanager_<j>` but gossip at their node's address:
a task's default route is docker_gwbridge, whose address Alertmanager would otherwise advertise, and every node
hands out the same one (all peers then "see" 172.18.0.3 and gossip with themselves).
"""
import base64
import hashlib
import socket
from urllib.parse import urlsplit

import pulumi
import pulumi_docker as docker
import yaml

from components.alertmanager.peers import CONFIG_FILE, MESH_PORT, STORAGE_PATH, WEB_PORT, peer_plan, swarm_address
from stacks.alertmanager import AlertmanagerSettings

NETWORK_ALIAS = "alertmanager"
SECRETS_DIR = "/run/secrets"


def content_name(prefix: str, content: str) -> str:
    return f"{prefix}-{hashlib.sha256(content.encode()).hexdigest()[:12]}"


def credential_file(key: str) -> str:
    return f"{SECRETS_DIR}/{key}"


def swarm_config_text(settings: AlertmanagerSettings) -> str:
    """alertmanager.yml with every credential read from its Docker secret's file."""
    files = {key: credential_file(key) for key in settings.routing.secret_keys()}
    return yaml.safe_dump(settings.routing.to_alertmanager_config({}, secret_files=files), sort_keys=False)


def build_swarm_plan(settings: AlertmanagerSettings, secrets: dict[str, str]) -> dict:
    swarm = settings.swarm
    text = swarm_config_text(settings)
    config = {"name": content_name("alertmanager", text), "target": CONFIG_FILE, "data": text}
    credentials = [{"key": key, "name": content_name(f"alertmanager-{key}", secrets[key]),
                    "target": credential_file(key), "data": secrets[key]}
                   for key in settings.routing.secret_keys()]
    services = [{
        "name": peer.name,
        "image": settings.image,
        "args": [*peer.args(swarm_address), f"--cluster.advertise-address={address}:{MESH_PORT}"],
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
        "secrets": [{"name": credential["name"], "target": credential["target"]} for credential in credentials],
    } for peer, node, address in zip(peer_plan(settings.replicas), swarm.nodes, swarm.advertise_addresses)]
    return {
        "network": {"name": swarm.network, "driver": "overlay", "attachable": True},
        "config": config,
        "secrets": credentials,
        "services": services,
    }


def docker_host_problem(docker_host: str, timeout: float = 5) -> str | None:
    """Why no Docker engine answers `GET /_ping` at a unix:// or tcp:// endpoint, or None when one does (ssh:// is
    left to the provider). Checked before anything is registered, so an unreachable Swarm changes nothing."""
    url = urlsplit(docker_host)
    if url.scheme == "unix":
        family, address = socket.AF_UNIX, url.path
    elif url.scheme == "tcp":
        family, address = socket.AF_INET, (url.hostname, url.port or 2375)
    else:
        return None
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(address)
            connection.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status = connection.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as error:
        return f"cannot reach a Docker engine there ({error.strerror or error})"
    if " 200 " not in f"{status} ":
        return f"cannot reach a Docker engine there (it answered {status!r} to GET /_ping)"
    return None


def prometheus_alerting_swarm() -> dict:
    """prometheus.yml `alerting`: every peer through Swarm's per-task DNS, never through a load balancer."""
    return {"alertmanagers": [{"dns_sd_configs": [{"names": [f"tasks.{NETWORK_ALIAS}"], "type": "A", "port": WEB_PORT}]}]}


class SwarmAlertmanager(pulumi.ComponentResource):
    def __init__(self, name: str, settings: AlertmanagerSettings, secrets: dict[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:alertmanager:SwarmAlertmanager", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The structure does not depend on the credentials; only the secrets' names and data do.
        plan = build_swarm_plan(settings, {key: "" for key in settings.routing.secret_keys()})
        network, config = plan["network"], plan["config"]
        self.network = docker.Network(network["name"], name=network["name"], driver=network["driver"],
                                      attachable=network["attachable"], opts=child)
        self.config = docker.ServiceConfig(f"{name}-config", name=config["name"], data_raw=config["data"], opts=child)
        self.secrets = {credential["key"]: self._secret(name, credential["key"], secrets[credential["key"]], child)
                        for credential in plan["secrets"]}
        self.services = [self._service(service, child) for service in plan["services"]]
        self.register_outputs({"services": [service["name"] for service in plan["services"]],
                               "prometheus_alerting": prometheus_alerting_swarm()})

    @staticmethod
    def _secret(name: str, key: str, value: pulumi.Input[str], child: pulumi.ResourceOptions) -> docker.Secret:
        value = pulumi.Output.from_input(value)
        # The content-derived name is a hash, so it need not stay secret; the data does.
        return docker.Secret(f"{name}-{key}", name=pulumi.Output.unsecret(value.apply(
            lambda text: content_name(f"alertmanager-{key}", text))),
            data=pulumi.Output.secret(value.apply(lambda text: base64.b64encode(text.encode()).decode())), opts=child)

    def _service(self, service: dict, child: pulumi.ResourceOptions) -> docker.Service:
        secrets = [docker.ServiceTaskSpecContainerSpecSecretArgs(
            secret_id=self.secrets[key].id, secret_name=self.secrets[key].name, file_name=credential_file(key))
            for key in self.secrets]
        container = docker.ServiceTaskSpecContainerSpecArgs(
            image=service["image"], args=service["args"],
            configs=[docker.ServiceTaskSpecContainerSpecConfigArgs(
                config_id=self.config.id, config_name=self.config.name, file_name=service["config"]["target"])],
            secrets=secrets,
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
            endpoint_spec=docker.ServiceEndpointSpecArgs(mode=service["endpoint_mode"], ports=[
                docker.ServiceEndpointSpecPortArgs(target_port=port["target"], published_port=port["published"],
                                                   protocol=port["protocol"], publish_mode=port["mode"])
                for port in service["ports"]]),
            opts=child)
