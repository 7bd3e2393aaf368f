"""Turns a plain Kubernetes object from a builder into the pulumi-kubernetes resource of its kind, unchanged.

Every kind is registered the way pulumi-kubernetes' own class for it registers (type token, the SDK's version
options, former API versions as aliases, a Secret's data as secret outputs), but without importing those classes:
their modules (`pulumi_kubernetes.core.v1` and the like) take longer to import than the rest of the program takes
to run. tests/unit/test_resources.py holds each kind to what its class registers.
"""
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi_kubernetes import _utilities

_ALIASES = {
    "kubernetes:apps/v1:Deployment": ("kubernetes:apps/v1beta1:Deployment", "kubernetes:apps/v1beta2:Deployment",
                                      "kubernetes:extensions/v1beta1:Deployment"),
    "kubernetes:policy/v1:PodDisruptionBudget": ("kubernetes:policy/v1beta1:PodDisruptionBudget",),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": ("kubernetes:extensions/v1beta1:NetworkPolicy",),
}
_SECRET_FIELDS = {"kubernetes:core/v1:Secret": ("data", "stringData")}


def type_token(obj: dict) -> str:
    """The Pulumi type of a plain Kubernetes object, e.g. kubernetes:apps/v1:Deployment, kubernetes:core/v1:Service;
    for a custom resource kubernetes:<apiVersion>:<kind>, as pulumi-kubernetes' CustomResource names it."""
    api = obj["apiVersion"] if "/" in obj["apiVersion"] else f"core/{obj['apiVersion']}"
    return f"kubernetes:{api}:{obj['kind']}"


def resource_name(obj: dict) -> str:
    """Unique per kind within a stack, and the same as the object's own name."""
    metadata = obj["metadata"]
    return f"{metadata['namespace']}-{metadata['name']}" if "namespace" in metadata else metadata["name"]


PATCH_FORCE = "pulumi.com/patchForce"
MARK = "django-observability.io/stack"
"""The stack that made an object, <organization>/<project>/<stack> (components/ownership.py reads it)."""


def stack_name() -> str:
    """The fully qualified name of the stack being deployed."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def owned(obj: dict) -> dict:
    """`obj` with the provider's patchForce annotation and the stack's mark. patchForce: the program owns every
    field it sets, so `pulumi up` takes back a field another field manager changed (`kubectl scale`, `kubectl
    edit`) instead of failing on a server-side-apply conflict; it is safe because components/ownership.py lets
    `up` create nothing over an object this stack did not make. The mark says which stack made the object. Only
    registered resources carry them; the offline render stays free of them."""
    metadata = dict(obj["metadata"])
    metadata["annotations"] = {**metadata.get("annotations", {}), PATCH_FORCE: "true", MARK: stack_name()}
    return {**obj, "metadata": metadata}


def register(obj: dict, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Register `obj` (its fields plain values or Outputs) with `opts` (a component passes
    `ResourceOptions(parent=self)`)."""
    token = type_token(obj)
    props = owned(obj)
    secret_fields = _SECRET_FIELDS.get(token, ())
    for field in secret_fields:
        if props.get(field) is not None:
            props[field] = pulumi.Output.secret(props[field])
    own = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=alias) for alias in _ALIASES.get(token, ())] or None,
                                 additional_secret_outputs=list(secret_fields) or None)
    opts = pulumi.ResourceOptions.merge(pulumi.ResourceOptions.merge(_utilities.get_resource_opts_defaults(), opts),
                                        own)
    return pulumi.CustomResource(token, resource_name(obj), props, opts)


def read_returned(registered: list[tuple[dict, pulumi.CustomResource]], read: Callable[[list[dict]], Any]) -> pulumi.Output:
    """`read` of the objects as the engine returned them for their registered resources: an Output that resolves
    only once every one was written, and never when a write failed. Each field's value is handed on by a chain of
    applies, as it came: `Output.all` would first lift every nested dict and list of every object into an Output of
    its own (thousands for a Deployment), a fifth of a preview."""
    fields = [(index, field, getattr(resource, field)) for index, (obj, resource) in enumerate(registered)
              for field in obj]
    returned: list[dict] = [{} for _ in registered]

    def gather(position: int):
        if position == len(fields):
            return read(returned)
        index, field, output = fields[position]

        def keep(value):
            returned[index][field] = value
            return gather(position + 1)

        return output.apply(keep)

    return gather(0)
