"""Docker Swarm backend under the engine: the network, config, volumes and services of
builders/alertmanager/swarm.py's plan as pulumi_docker resources. Imported for a Swarm stack only."""
import dataclasses
from collections.abc import Mapping

import pulumi
import pulumi_docker as docker

from builders.alertmanager.swarm import build_swarm_plan
from builders.params import AlertmanagerParams
from builders.parts import Part


def register_swarm(part: Part, params: AlertmanagerParams,
                   secrets: Mapping[str, pulumi.Input[str]]) -> "SwarmAlertmanager":
    provider = docker.Provider("swarm", host=params.settings.swarm.docker_host)
    return SwarmAlertmanager(part, params, secrets, opts=pulumi.ResourceOptions(provider=provider))


class SwarmAlertmanager(pulumi.ComponentResource):
    def __init__(self, part: Part, params: AlertmanagerParams, secrets: Mapping[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(part.component, params.name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Computed from the credentials: secret whenever they are (the content-derived name is a hash, unsecret).
        plan = pulumi.Output.all(**secrets).apply(
            lambda values: build_swarm_plan(dataclasses.replace(params, secrets=values)))
        skeleton = build_swarm_plan(params)  # what does not depend on the credentials
        network = skeleton["network"]
        self.network = docker.Network(network["name"], name=network["name"], driver=network["driver"],
                                      attachable=network["attachable"], opts=child)
        self.config = docker.ServiceConfig(
            f"{params.name}-config", name=pulumi.Output.unsecret(plan.apply(lambda p: p["config"]["name"])),
            data_raw=plan.apply(lambda p: p["config"]["data"]), opts=child)
        self.volumes = [docker.Volume(volume, name=volume, opts=child) for volume in skeleton["volumes"]]
        self.services = [self._service(service, child) for service in skeleton["services"]]
        self.exports = {"alertmanagerServices": pulumi.Output.all(*[service.name for service in self.services])}
        self.register_outputs(self.exports)

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
