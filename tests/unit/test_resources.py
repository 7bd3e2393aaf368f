"""django_observability/components/resources.py registers each kind exactly as pulumi-kubernetes' own class for it does (type, name,
aliases, secret outputs, version, inputs), without importing those classes: compared request by request under
the mock engine, for every object of every stack."""
import pytest
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks

import pulumi
import pulumi_kubernetes as k8s
from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_objects
from django_observability.components.resources import owned, register, resource_name
from django_observability.settings.loader import PROJECT, load_offline
from tests.helpers import STACKS, RecordingMocks

SDK_CLASSES = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
}


def _with_sdk_class(obj: dict) -> pulumi.CustomResource:
    """What pulumi-kubernetes' own class for the kind registers (a CustomResource for the operator's kinds)."""
    fields = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")}
    cls = SDK_CLASSES.get((obj["apiVersion"], obj["kind"]))
    if cls is None:
        return k8s.apiextensions.CustomResource(resource_name(obj), api_version=obj["apiVersion"], kind=obj["kind"],
                                                **fields)
    snake = {"stringData": "string_data"}
    return cls(resource_name(obj), **{snake.get(key, key): value for key, value in fields.items()})


def _requests(monkeypatch, objects: list[dict], how) -> list[dict]:
    requests = []
    original = pulumi_mocks.MockMonitor.RegisterResource

    def record(self, request):
        if request.type != "pulumi:pulumi:Stack":
            fields = json_format.MessageToDict(request, preserving_proto_field_name=True)
            for where in ("sourcePosition", "stackTrace"):  # where in this file the call was made
                fields.pop(where, None)
            requests.append(fields)
        return original(self, request)

    monkeypatch.setattr(pulumi_mocks.MockMonitor, "RegisterResource", record)
    pulumi.runtime.set_mocks(RecordingMocks(), project=PROJECT, stack="test", preview=False)

    @pulumi.runtime.test
    def program():
        for obj in objects:
            how(obj)

    program()
    return sorted(requests, key=lambda fields: (fields["type"], fields["name"]))


@pytest.mark.parametrize("stack", STACKS)
def test_every_object_registers_as_its_sdk_class_does(monkeypatch, stack):
    objects = stack_objects(stack_params(stack, load_offline(stack).settings))
    ours = _requests(monkeypatch, objects, lambda obj: register(obj, pulumi.ResourceOptions()))
    theirs = _requests(monkeypatch, objects, lambda obj: _with_sdk_class(owned(obj)))
    assert len(ours) == len(objects) and ours == theirs


def test_the_stacks_hold_every_kind_compared():
    kinds = {(obj["apiVersion"], obj["kind"]) for stack in STACKS
             for obj in stack_objects(stack_params(stack, load_offline(stack).settings))}
    assert set(SDK_CLASSES) <= kinds and any(kind not in SDK_CLASSES for kind in kinds)


def test_the_comparison_sees_a_difference(monkeypatch):
    """Negative control: a Deployment registered without its aliases is not what the SDK class registers."""
    [deployment] = [obj for obj in stack_objects(stack_params("dev", load_offline("dev").settings))
                    if obj["kind"] == "Deployment"]
    plain = _requests(monkeypatch, [deployment], lambda obj: pulumi.CustomResource(
        "kubernetes:apps/v1:Deployment", resource_name(obj), dict(obj)))
    assert plain != _requests(monkeypatch, [deployment], _with_sdk_class)
