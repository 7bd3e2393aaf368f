"""The Swarm backend of `AlertmanagerCluster`: the network, config, secrets and services of builders/alertmanager/
swarm.py's plan as pulumi_docker resources, children of the component. Imported for a Swarm cluster only."""
import base64
from collections.abc import Mapping

import pulumi
import pulumi_docker as docker

from django_observability.builders.alertmanager.swarm import build_swarm_plan, credential_file, prometheus_alerting_swarm
from django_observability.builders.params import AlertmanagerParams


def register_swarm(parent: pulumi.ComponentResource, params: AlertmanagerParams,
                   credentials: Mapping[str, pulumi.Input[str]]) -> dict[str, pulumi.Output]:
    """Register the plan's resources under `parent` through a Docker provider of the manager's endpoint; returns
    the component's outputs."""
    provider = docker.Provider("swarm", host=params.settings.swarm.docker_host, opts=pulumi.ResourceOptions(
        parent=parent, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]))
    child = pulumi.ResourceOptions(parent=parent, provider=provider)
    # The structure does not depend on the credentials; only the secrets' data does.
    plan = build_swarm_plan(params._replace(secrets={key: "" for key in credentials}))
    network, config = plan["network"], plan["config"]
    network_resource = docker.Network(network["name"], name=network["name"], driver=network["driver"],
                                      attachable=network["attachable"], opts=child)
    config_resource = docker.ServiceConfig(f"{params.name}-config", name=config["name"], data_raw=config["data"],
                                           opts=child)
    secrets = {credential["key"]: _secret(params.name, credential["key"], credentials[credential["key"]], child)
               for credential in plan["secrets"]}
    services = [_service(service, network_resource, config_resource, secrets, child) for service in plan["services"]]
    names = pulumi.Output.all(*[service.name for service in services])
    return {"prometheus_alerting": names.apply(lambda _: prometheus_alerting_swarm()),
            "platform_alert_relabelings": pulumi.Output.from_input([])}


def _secret(name: str, key: str, value: pulumi.Input[str], child: pulumi.ResourceOptions) -> docker.Secret:
    """No name is given: the provider names the secret `<name>-<key>-<random suffix>` (tools/docker-provider
    autonames it), so its name reveals nothing of the value, and a new value, which Docker cannot change in place,
    replaces the secret under a fresh name that the services roll over to."""
    value = pulumi.Output.from_input(value)
    return docker.Secret(f"{name}-{key}", data=pulumi.Output.secret(
        value.apply(lambda text: base64.b64encode(text.encode()).decode())), opts=child)


def _service(service: dict, network: docker.Network, config: docker.ServiceConfig, secrets: dict[str, docker.Secret],
             child: pulumi.ResourceOptions) -> docker.Service:
    mounted = [docker.ServiceTaskSpecContainerSpecSecretArgs(
        secret_id=secrets[key].id, secret_name=secrets[key].name, file_name=credential_file(key)) for key in secrets]
    container = docker.ServiceTaskSpecContainerSpecArgs(
        image=service["image"], args=service["args"],
        configs=[docker.ServiceTaskSpecContainerSpecConfigArgs(
            config_id=config.id, config_name=config.name, file_name=service["config"]["target"])],
        secrets=mounted,
        mounts=[docker.ServiceTaskSpecContainerSpecMountArgs(
            type="volume", source=service["volume"]["name"], target=service["volume"]["target"])])
    return docker.Service(
        service["name"], name=service["name"],
        task_spec=docker.ServiceTaskSpecArgs(
            container_spec=container,
            placement=docker.ServiceTaskSpecPlacementArgs(constraints=service["constraints"]),
            networks_advanceds=[docker.ServiceTaskSpecNetworksAdvancedArgs(id=network.id, aliases=service["aliases"])]),
        mode=docker.ServiceModeArgs(replicated=docker.ServiceModeReplicatedArgs(replicas=1)),
        endpoint_spec=docker.ServiceEndpointSpecArgs(mode=service["endpoint_mode"], ports=[
            docker.ServiceEndpointSpecPortArgs(target_port=port["target"], published_port=port["published"],
                                               protocol=port["protocol"], publish_mode=port["mode"])
            for port in service["ports"]]),
        opts=child)
