"""The one way a component's Kubernetes objects become Pulumi resources: children of the component, registered
unchanged, and the component's outputs read back from what the engine returned for them."""
from collections.abc import Callable
from typing import Any

import pulumi

from django_observability.components.resources import read_returned, register


def register_children(parent: pulumi.ComponentResource, objects: list[dict],
                      aliases: Callable[[dict], list[pulumi.Alias]] = lambda obj: [],
                      first: Callable[[dict], bool] = lambda obj: False) -> list[pulumi.CustomResource]:
    """Register each object as a child of `parent`, in order. The objects `first` picks (a namespace) are registered
    before the others, which depend on them; `aliases` gives an object's former identities (components/aliases.py)."""
    registered, before = [], []
    for obj in objects:
        opts = pulumi.ResourceOptions(parent=parent, depends_on=list(before) or None, aliases=aliases(obj) or None)
        resource = register(obj, opts)
        registered.append(resource)
        if first(obj):
            before.append(resource)
    return registered


def registered_outputs(objects: list[dict], resources: list[pulumi.CustomResource],
                       read: Callable[[list[dict]], dict[str, Any]]) -> dict[str, pulumi.Output]:
    """`read`'s outputs, keyed as read from the objects as built, valued from what the engine returned: each
    resolves only once every object was written, so after a failed update they stay what the last successful write
    left. Secrets are left out: no output reads one, and reading one would make every output secret."""
    kept = [(obj, resource) for obj, resource in zip(objects, resources) if obj["kind"] != "Secret"]
    values = read_returned(kept, read)
    return {key: values.apply(lambda all_values, key=key: all_values[key]) for key in read([obj for obj, _ in kept])}
