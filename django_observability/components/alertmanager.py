"""`AlertmanagerCluster`: the Alertmanager peers every app's alerts go to, as a Pulumi component — a
prometheus-operator `Alertmanager` with its config Secret, PodDisruptionBudget and NetworkPolicy on Kubernetes, or
numbered Docker Swarm services (pulumi_docker, imported for that backend only)."""
from collections.abc import Mapping
from typing import Any

import pulumi

from django_observability.builders.params import alertmanager_params
from django_observability.builders.alertmanager.kubernetes import build_config_secret
from django_observability.builders.stack import alertmanager_objects, alertmanager_outputs
from django_observability.components import former
from django_observability.components.args import AlertmanagerClusterArgs
from django_observability.components.arguments import InvalidArguments, validated
from django_observability.components.children import register_children, registered_outputs
from django_observability.settings.alertmanager import AlertmanagerSpec
from django_observability.settings.problems import Problem

TYPE = "django-observability:index:AlertmanagerCluster"


class AlertmanagerCluster(pulumi.ComponentResource):
    """An Alertmanager cluster of N peers gossiping on 9094, its routing config kept secret."""

    prometheus_alerting: pulumi.Output[dict[str, Any]]
    """What a Prometheus sends the apps' alerts with, to every peer: a Prometheus CR's spec.alerting on Kubernetes,
    prometheus.yml's alerting block on Swarm."""
    platform_alert_relabelings: pulumi.Output[list[dict[str, Any]]]
    """What a platform adds to its own Alertmanager's entry of spec.alerting (alertRelabelings), so that the apps'
    alerts are notified by this cluster alone (none on Swarm)."""
    peers: pulumi.Output[int]
    """How many peers the cluster has."""

    def __init__(self, name: str, args: AlertmanagerClusterArgs, opts: pulumi.ResourceOptions | None = None, *,
                 review: bool = False):
        """`args` are validated before anything is registered. `credentials` holds the value of every secret key
        the routing names (`api_url_secret: slackWebhookUrl`); with `review` (a render for review) the config
        Secret is registered without its data instead, so that no credential reaches a rendered file."""
        args = {"name": name, **(args or {})}
        spec = validated("AlertmanagerCluster", name, AlertmanagerSpec, args, leave_out=("credentials",))
        credentials = dict(args.get("credentials") or {})
        _check_credentials(name, spec, credentials, review)
        params = alertmanager_params(spec, pulumi.get_stack(), spec,
                                     tuple((app.namespace, app.app_name) for app in spec.apps))
        super().__init__(TYPE, name, None, pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=former.ALERTMANAGER[spec.backend])]), opts))
        if spec.backend == "swarm":
            from django_observability.components.swarm import register_swarm

            outputs = register_swarm(self, params, credentials)
        else:
            objects = [_with_credentials(obj, params, None if review else credentials)
                       for obj in alertmanager_objects(params)]
            outputs = registered_outputs(objects, register_children(self, objects), alertmanager_outputs)
        outputs["peers"] = pulumi.Output.from_input(spec.replicas)
        for key, value in outputs.items():
            setattr(self, key, value)
        self.register_outputs(outputs)


def _check_credentials(name: str, spec: AlertmanagerSpec, credentials: Mapping[str, Any], review: bool) -> None:
    read = set(spec.routing.secret_keys())
    problems = [] if review else [
        Problem("credentials", None, f"lacks {key}, which the routing reads", "") for key in sorted(read - set(credentials))]
    problems += [Problem("credentials", key, "is read by no receiver of the routing", "")
                 for key in sorted(set(credentials) - read)]
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise InvalidArguments(f"AlertmanagerCluster {name!r} has {len(problems)} invalid argument(s); nothing was "
                               f"registered:\n{lines}")


def _with_credentials(obj: dict, params, credentials: Mapping[str, pulumi.Input[str]] | None) -> dict:
    """The object to register. The config Secret gets its data from the real values, inside an Output (secret
    Outputs keep it secret; pulumi-kubernetes marks a Secret's data secret in any case). Without credentials (a
    review) it is registered without its data: the provider warns of a plaintext secret for any Secret data it
    renders, placeholders too, so its warning keeps meaning that a real credential reached a rendered file."""
    if obj["kind"] != "Secret" or credentials == {}:  # no credential: the config as built is the config
        return obj
    if credentials is None:
        return {key: value for key, value in obj.items() if key not in ("data", "stringData")}
    return obj | {"stringData": pulumi.Output.all(**credentials).apply(
        lambda values: build_config_secret(params._replace(secrets=values))["stringData"])}
