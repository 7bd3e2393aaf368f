"""A render by the engine next to the offline render, object by object."""
import base64
from pathlib import Path

import yaml

import render


def _by_identity(objects) -> dict:
    return {(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj for obj in objects}


def engine_objects(directory: Path) -> dict:
    """Every object the Kubernetes provider rendered into `directory`. The provider turns a Secret's `stringData`
    into base64 `data` (the only difference from the offline render); it is turned back here."""
    objects = _by_identity(yaml.safe_load(path.read_text()) for path in directory.rglob("*.yaml"))
    for obj in objects.values():
        if obj["kind"] == "Secret":
            obj["stringData"] = {name: base64.b64decode(value).decode() for name, value in obj.pop("data").items()}
    return objects


def offline_objects(stack: str, out: Path) -> dict:
    render.render(stack, out)
    return _by_identity(yaml.safe_load(path.read_text()) for path in (out / stack).glob("*.yaml"))
