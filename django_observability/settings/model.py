"""The base of every settings model, and the value types several of them share."""
import typing
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from django_observability.settings.durations import parse_duration
from django_observability.settings.rules import (Pattern, dns1123_label, kubernetes_label_key, kubernetes_label_value, matching,
                          prometheus_label_name)

_QUANTITY = Pattern(r"(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<suffix>m|k|M|G|T|Ki|Mi|Gi|Ti)?")
_SUFFIXES = {None: Decimal(1), "m": Decimal("0.001"), "k": Decimal(10**3), "M": Decimal(10**6),
             "G": Decimal(10**9), "T": Decimal(10**12), "Ki": Decimal(2**10), "Mi": Decimal(2**20),
             "Gi": Decimal(2**30), "Ti": Decimal(2**40)}
IMAGE = Pattern(
    r"(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?"
)


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def quantity_value(value: str) -> Decimal:
    """A Kubernetes quantity as a number (250m → 0.25, 1Ki → 1024), for comparing requests with limits."""
    match = _QUANTITY.fullmatch(value)
    return Decimal(match["number"]) * _SUFFIXES[match["suffix"]]


def _quantity(value: str) -> str:
    if not _QUANTITY.fullmatch(value):
        raise ValueError("must be a Kubernetes quantity such as 250m, 1, 512Mi or 2Gi")
    return value


def _memory(value: str) -> str:
    if value.endswith("m"):
        raise ValueError(f"{value} means {quantity_value(value)} bytes (m is milli); memory takes Mi, Gi, M or G, "
                         "such as 512Mi")
    return value


def _image(value: str) -> str:
    if not IMAGE.fullmatch(value):
        raise ValueError("must be an image reference repository[:tag][@sha256:<64 hex>] in lowercase")
    return value


def image_version(image: str) -> str:
    """The app.kubernetes.io/version label of an image: its tag (or the start of its digest) cut to a valid label
    value, which starts and ends alphanumeric (a Docker tag may start with _ or end with . or -)."""
    match = IMAGE.fullmatch(image)
    tag = match["tag"].strip("-_.")[:63].rstrip("-_.") if match["tag"] else ""
    if tag:
        return tag
    return match["digest"].removeprefix("sha256:")[:12] if match["digest"] else "unversioned"


def instance_label(app_name: str, stack: str) -> str:
    """The app.kubernetes.io/instance label of an app in a stack."""
    return f"{app_name}-{stack}"


def stack_name(info: ValidationInfo) -> str | None:
    """The stack being validated: the loader passes it as validation context."""
    return (info.context or {}).get("stack")


def raise_problems(model: str, problems: list[tuple[str | tuple, object, str]]) -> None:
    """Raise every rule a model's validator found as one ValidationError, each problem located at its key (a key or
    a path of keys), so that the loader reports each under the setting a user would change."""
    if problems:
        raise ValidationError.from_exception_data(model, [
            InitErrorDetails(type=PydanticCustomError("stack_rule", rule),
                             loc=key if isinstance(key, tuple) else (key,), input=value)
            for key, value, rule in problems])


def _label_map(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        kubernetes_label_key(key)
        kubernetes_label_value(value)
    return labels


def _prometheus_label_map(labels: dict[str, str]) -> dict[str, str]:
    for name in labels:
        prometheus_label_name(name)
    return labels


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


def _reason(value: str) -> str:
    if len(value.strip()) < 10:
        raise ValueError("must give the reason in at least 10 characters besides spaces, a sentence a reviewer can check")
    return value


def _not_boolean(value):
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


NOT_BOOLEAN = BeforeValidator(_not_boolean)
"""On every number setting: pydantic reads true as 1 for a number, and a number setting refuses true and false.
Strings of digits stay accepted: `pulumi config set` writes every number as a string. (A validator on each number
type, not one on every field of every model: that one would be applied, and its signature inspected, per field.)"""
Integer = Annotated[int, NOT_BOOLEAN]
Exact = Annotated[Decimal, NOT_BOOLEAN]
"""A number compared and printed exactly (an objective of 99.9, not 99.90000000000001)."""
Real = Annotated[float, NOT_BOOLEAN]
Port = Annotated[Integer, Field(ge=1, le=65535)]
Duration = Annotated[str, AfterValidator(_duration)]
Quantity = Annotated[str, AfterValidator(_quantity)]
MemoryQuantity = Annotated[Quantity, AfterValidator(_memory)]
Image = Annotated[str, AfterValidator(_image)]
Name = Annotated[str, AfterValidator(dns1123_label)]
KubernetesLabels = Annotated[dict[str, str], AfterValidator(_label_map)]
PrometheusLabels = Annotated[dict[str, str], AfterValidator(_prometheus_label_map)]
"""Labels on series or alerts: Prometheus label names (no leading __), any values."""
LabelValue = Annotated[str, AfterValidator(kubernetes_label_value)]
Text = Annotated[str, AfterValidator(_not_blank)]
"""Free text that must say something."""
Reason = Annotated[str, AfterValidator(_reason)]
"""Why a secure default or a check is relaxed."""
KubeScoreIgnores = dict[matching(r"[a-z]+(-[a-z]+)*", "must be a kube-score check id such as deployment-replicas"),
                        Reason]
"""kube-score check id → why it is wrong for that object."""
PullPolicy = typing.Literal["Always", "IfNotPresent", "Never"]


class Model(BaseModel):
    """Frozen, unknown keys rejected, camelCase in the stack files. The docstring under a field documents it; only
    the reference generator reads it (django_observability/settings/reference.py), so that loading settings does not parse source."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class UpstreamModel(Model):
    """A structure of Prometheus' or Alertmanager's own config (relabel_config, alertmanager.yml): their snake_case
    keys, so that it can be copied from their documentation."""

    model_config = ConfigDict(alias_generator=None)


class ResourceQuantities(Model):
    """A CPU and a memory quantity."""

    cpu: Quantity
    """CPU as a Kubernetes quantity (250m, 1)."""
    memory: MemoryQuantity
    """Memory as a Kubernetes quantity (256Mi, 1Gi)."""


class Resources(Model):
    """Requests and limits of one container; every container gets both."""

    requests: ResourceQuantities
    """What the scheduler reserves."""
    limits: ResourceQuantities
    """What the container may use at most."""

    @model_validator(mode="after")
    def _requests_within_limits(self):
        # kube-apiserver refuses a pod whose request exceeds its limit.
        for name in ("cpu", "memory"):
            request, limit = getattr(self.requests, name), getattr(self.limits, name)
            if quantity_value(request) > quantity_value(limit):
                raise ValueError(f"requests.{name} {request} exceeds limits.{name} {limit}; Kubernetes refuses a "
                                 "request above its limit")
        return self

    def to_kubernetes(self) -> dict:
        return self.model_dump()
