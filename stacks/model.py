"""The base of every settings model, and the value types several of them share."""
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic.alias_generators import to_camel

from stacks.durations import parse_duration
from stacks.rules import dns1123_label, kubernetes_label_key, kubernetes_label_value

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
IMAGE = re.compile(
    r"^(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def _quantity(value: str) -> str:
    if not _QUANTITY.match(value):
        raise ValueError("must be a Kubernetes quantity such as 250m, 1, 512Mi or 2Gi")
    return value


def _image(value: str) -> str:
    if not IMAGE.match(value):
        raise ValueError("must be an image reference repository[:tag][@sha256:<64 hex>] in lowercase")
    return value


def image_version(image: str) -> str:
    """The image tag (or the start of its digest), for the app.kubernetes.io/version label."""
    match = IMAGE.match(image)
    if match["tag"]:
        return match["tag"][:63].rstrip("-_.")
    return match["digest"].removeprefix("sha256:")[:12] if match["digest"] else "unversioned"


def stack_name(info: ValidationInfo) -> str | None:
    """The stack being validated: the loader passes it as validation context."""
    return (info.context or {}).get("stack")


def _label_map(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        kubernetes_label_key(key)
        kubernetes_label_value(value)
    return labels


Port = Annotated[int, Field(ge=1, le=65535)]
Duration = Annotated[str, AfterValidator(_duration)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Image = Annotated[str, AfterValidator(_image)]
Name = Annotated[str, AfterValidator(dns1123_label)]
KubernetesLabels = Annotated[dict[str, str], AfterValidator(_label_map)]
LabelValue = Annotated[str, AfterValidator(kubernetes_label_value)]


class Model(BaseModel):
    """Frozen, unknown keys rejected, camelCase in the stack files. The docstring under a field documents it; only
    the reference generator reads it (stacks/reference.py), so that loading settings does not parse source."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class UpstreamModel(Model):
    """A structure of Prometheus' or Alertmanager's own config (relabel_config, alertmanager.yml): their snake_case
    keys, so that it can be copied from their documentation."""

    model_config = ConfigDict(alias_generator=None)


class ResourceQuantities(Model):
    cpu: Quantity
    """CPU as a Kubernetes quantity (250m, 1)."""
    memory: Quantity
    """Memory as a Kubernetes quantity (256Mi, 1Gi)."""


class Resources(Model):
    """Requests and limits of one container; every container gets both."""

    requests: ResourceQuantities
    """What the scheduler reserves."""
    limits: ResourceQuantities
    """What the container may use at most."""

    def to_kubernetes(self) -> dict:
        return self.model_dump()
