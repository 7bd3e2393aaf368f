"""Docker Swarm backend under the engine: the network, config, secrets and services of
django_observability/builders/alertmanager/swarm.py's plan as pulumi_docker resources. Imported for a Swarm stack only."""
import base64
from collections.abc import Mapping

import pulumi
import pulumi_docker as docker

from django_observability.builders.alertmanager.swarm import build_swarm_plan, content_name, credential_file
from django_observability.builders.params import AlertmanagerParams
from django_observability.builders.parts import Part


def register_swarm(part: Part, params: AlertmanagerParams,
                   secrets: Mapping[str, pulumi.Input[str]]) -> "SwarmAlertmanager":
    provider = docker.Provider("swarm", host=params.settings.swarm.docker_host)
    return SwarmAlertmanager(part, params, secrets, opts=pulumi.ResourceOptions(provider=provider))


class SwarmAlertmanager(pulumi.ComponentResource):
    def __init__(self, part: Part, params: AlertmanagerParams, secrets: Mapping[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(part.component, params.name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The structure does not depend on the credentials; only the secrets' names and data do.
        plan = build_swarm_plan(params._replace(secrets={key: "" for key in secrets}))
        network, config = plan["network"], plan["config"]
        self.network = docker.Network(network["name"], name=network["name"], driver=network["driver"],
                                      attachable=network["attachable"], opts=child)
        self.config = docker.ServiceConfig(f"{params.name}-config", name=config["name"], data_raw=config["data"],
                                           opts=child)
        self.secrets = {credential["key"]: self._secret(params.name, credential["key"], secrets[credential["key"]],
                                                        child) for credential in plan["secrets"]}
        self.services = [self._service(service, child) for service in plan["services"]]
        self.exports = {"alertmanagerServices": pulumi.Output.all(*[service.name for service in self.services])}
        self.register_outputs(self.exports)

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
