"""A render by the engine next to the offline render, object by object."""
from pathlib import Path

import yaml

from django_observability import render
from tests.helpers import without_patch_force


def _by_identity(objects) -> dict:
    return {(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj for obj in objects}


def engine_objects(directory: Path) -> dict:
    """Every object the Kubernetes provider rendered into `directory`, without the provider's patchForce annotation
    that every registered object carries (django_observability/components/resources.py)."""
    return _by_identity(without_patch_force(yaml.safe_load(path.read_text())) for path in directory.rglob("*.yaml"))


def offline_objects(stack: str, out: Path) -> dict:
    """The offline render of `stack` as render mode registers it: its config Secret without the data, which the
    offline render fills with placeholders and render mode leaves out (django_observability/components/alertmanager.py)."""
    render.render(stack, out)
    objects = _by_identity(yaml.safe_load(path.read_text()) for path in (out / stack).glob("*.yaml"))
    for obj in objects.values():
        if obj["kind"] == "Secret":
            del obj["stringData"]
    return objects
