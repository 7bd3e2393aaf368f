"""A render by the engine next to the offline render, object by object."""
import base64
from pathlib import Path

import yaml

import render
from tests.helpers import without_patch_force


def _by_identity(objects) -> dict:
    return {(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj for obj in objects}


def engine_objects(directory: Path) -> dict:
    """Every object the Kubernetes provider rendered into `directory`, as the offline render has it. The two
    differences are undone here: the provider turns a Secret's `stringData` into base64 `data`, and every registered
    object carries the provider's patchForce annotation (components/resources.py)."""
    objects = _by_identity(without_patch_force(yaml.safe_load(path.read_text())) for path in directory.rglob("*.yaml"))
    for obj in objects.values():
        if obj["kind"] == "Secret":
            obj["stringData"] = {name: base64.b64decode(value).decode() for name, value in obj.pop("data").items()}
    return objects


def offline_objects(stack: str, out: Path) -> dict:
    render.render(stack, out)
    return _by_identity(yaml.safe_load(path.read_text()) for path in (out / stack).glob("*.yaml"))
