"""Turns a plain Kubernetes object from a builder into the matching pulumi-kubernetes resource, unchanged."""
import re

import pulumi
import pulumi_kubernetes as k8s

_TYPED = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resource_name(obj: dict) -> str:
    """Unique per kind within a stack, and the same as the object's own name."""
    metadata = obj["metadata"]
    return f"{metadata['namespace']}-{metadata['name']}" if "namespace" in metadata else metadata["name"]


def register(obj: dict, opts: pulumi.ResourceOptions, **overrides) -> pulumi.CustomResource:
    """Register `obj` with `opts` (a component passes `ResourceOptions(parent=self)`).
    `overrides` replace top-level fields with Outputs, e.g. secret data."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    fields = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")} | overrides
    cls = _TYPED.get((api_version, kind))
    if cls is None:
        return k8s.apiextensions.CustomResource(resource_name(obj), api_version=api_version, kind=kind, opts=opts,
                                                **fields)
    return cls(resource_name(obj), opts=opts, **{_snake(key): value for key, value in fields.items()})
