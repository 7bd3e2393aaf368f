"""The one way a part's Kubernetes objects become Pulumi resources: children of one component of the part's type,
registered unchanged (django_observability/builders/parts.py says which parts a stack has)."""
from collections.abc import Mapping
from typing import Any

import pulumi

from django_observability.builders.parts import Part
from django_observability.components.resources import read_returned, register, resource_name


class PartComponent(pulumi.ComponentResource):
    def __init__(self, part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]] | None,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(part.component, params.name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        objects = part.objects(params)
        self.resources = [register(_with_credentials(part, params, secrets, obj), child) for obj in objects]
        self.exports = _registered_exports(part, objects, self.resources)
        self.register_outputs(self.exports)


def _registered_exports(part: Part, objects: list[dict], resources: list[pulumi.CustomResource]) -> dict:
    """The part's exports, keyed as built, valued from what the engine returned for the resources. Secrets are
    left out: no export reads one, and reading one would make every export of the part secret."""
    kept = [(obj, resource) for obj, resource in zip(objects, resources) if obj["kind"] != "Secret"]
    values = read_returned(kept, part.exports)
    return {key: values[key] for key in part.exports([obj for obj, _ in kept])}


def _with_credentials(part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]] | None, obj: dict) -> dict:
    """The object to register. A Secret of a part that reads credentials gets its data from the real values: they
    arrive as secret Outputs, and Output.all keeps the data secret (pulumi-kubernetes marks a Secret's data secret in
    any case). With no credentials (`secrets` None: render mode) that Secret is registered without its data: a
    review needs no credential, and the provider warns of a plaintext secret for any Secret data it renders,
    placeholders too, so its warning keeps meaning that a real credential reached a rendered file."""
    if not (part.reads_credentials and obj["kind"] == "Secret"):
        return obj
    if secrets is None:
        return {key: value for key, value in obj.items() if key not in ("data", "stringData")}
    name = resource_name(obj)

    def string_data(values: dict[str, str]) -> dict[str, str]:
        [filled] = [each for each in part.objects(params._replace(secrets=values))
                    if each["kind"] == "Secret" and resource_name(each) == name]
        return filled["stringData"]

    return obj | {"stringData": pulumi.Output.all(**secrets).apply(string_data)}


def register_part(part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]] | None,
                  opts: pulumi.ResourceOptions) -> pulumi.Resource:
    """Register one part of the stack: the namespace at the top, Swarm's Docker resources through their own
    component (pulumi_docker is imported for a Swarm stack only), everything else as a `PartComponent`.
    A component's `exports` are the stack outputs it contributes."""
    if part.component is None:
        [obj] = part.objects(params)
        return register(obj, opts)
    if part.backend == "swarm":
        from django_observability.components.swarm import register_swarm

        return register_swarm(part, params, secrets)
    return PartComponent(part, params, secrets, opts)
