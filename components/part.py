"""The one way a part's Kubernetes objects become Pulumi resources: children of one component of the part's type,
registered unchanged (builders/parts.py says which parts a stack has)."""
import dataclasses
from collections.abc import Mapping
from typing import Any

import pulumi

from builders.parts import Part
from components.resources import register, resource_name


class PartComponent(pulumi.ComponentResource):
    def __init__(self, part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(part.component, params.name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.resources = [register(obj, child, **_secret_overrides(part, params, secrets, obj))
                          for obj in part.objects(params)]
        self.register_outputs(part.outputs(params))


def _secret_overrides(part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]], obj: dict) -> dict:
    """A Secret of a part that reads credentials gets its data from the real values: they arrive as secret
    Outputs, and Output.all keeps the data secret (pulumi-kubernetes marks a Secret's data secret in any case)."""
    if not (part.reads_credentials and obj["kind"] == "Secret"):
        return {}
    name = resource_name(obj)

    def string_data(values: dict[str, str]) -> dict[str, str]:
        [filled] = [each for each in part.objects(dataclasses.replace(params, secrets=values))
                    if each["kind"] == "Secret" and resource_name(each) == name]
        return filled["stringData"]

    return {"stringData": pulumi.Output.all(**secrets).apply(string_data)}


def register_part(part: Part, params: Any, secrets: Mapping[str, pulumi.Input[str]],
                  opts: pulumi.ResourceOptions) -> pulumi.Resource | None:
    """Register one part of the stack: the namespace at the top, Swarm's Docker resources through their own
    component (pulumi_docker is imported for a Swarm stack only), everything else as a `PartComponent`."""
    if part.component is None:
        [obj] = part.objects(params)
        return register(obj, opts)
    if part.backend == "swarm":
        from components.swarm import register_swarm

        return register_swarm(part, params, secrets)
    return PartComponent(part, params, secrets, opts)
