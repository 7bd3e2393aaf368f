"""Pulumi.yaml's `config:` block and the README's settings table, both generated from `StackSettings`.

    python -m stacks.reference --write     rewrite Pulumi.yaml's config block
    python -m stacks.reference --table     print the settings table (Markdown)

Pulumi makes every declared key without a default required, so each optional setting is declared with the model's
default; the model stays the one place the defaults are written. Credentials are not declared: a declared secret
without a value would be required in every stack, and a secret cannot have a default.
"""
import argparse
import json
import sys
import typing

import yaml

from stacks.loader import ROOT, read_stack_file
from stacks.settings import StackSettings

STACKS = ("dev", "acceptance", "prod")
HEADER = """\
# Generated from stacks/settings.py by `python -m stacks.reference --write`; tests check that it agrees.
"""


def _pulumi_type(annotation) -> str | None:
    """Pulumi's config types are string, integer, boolean and arrays of those; a structured setting (a mapping, or
    a list of mappings) is declared untyped."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        origin = typing.get_origin(annotation)
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is str or origin is typing.Literal:
        return "string"
    return None


def _defaults() -> dict:
    return StackSettings.model_construct().model_dump(mode="json", by_alias=True)


def config_block() -> dict:
    defaults, block = _defaults(), {}
    for name, field in StackSettings.model_fields.items():
        entry = {}
        kind = _pulumi_type(field.annotation)
        if kind:
            entry["type"] = kind
        entry["description"] = " ".join(field.description.split())
        if not field.is_required():
            default = defaults[field.alias]
            entry["default"] = "" if default is None else default
        block[field.alias] = entry
    return block


def project_file() -> str:
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    document["config"] = config_block()
    return HEADER + yaml.safe_dump(document, sort_keys=False, width=120)


def settings_table() -> str:
    values = {stack: {key.partition(":")[2]: value for key, value in read_stack_file(stack).items()} for stack in STACKS}
    lines = ["| key | type | default | " + " | ".join(STACKS) + " | what it sets |", "|---" * (4 + len(STACKS)) + "|"]
    defaults = _defaults()
    for name, field in StackSettings.model_fields.items():
        key = field.alias

        def show(value):
            text = json.dumps(value, separators=(",", ":")) if not isinstance(value, str) else value
            return f"`{text}`" if len(text) <= 40 else "(see the stack file)"

        default = "required" if field.is_required() else show(defaults[key])
        per_stack = [show(values[stack][key]) if key in values[stack] else "" for stack in STACKS]
        kind = _pulumi_type(field.annotation) or "object"
        description = " ".join(field.description.split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {kind} | {default} | " + " | ".join(per_stack) + f" | {description} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        (ROOT / "Pulumi.yaml").write_text(project_file())
    if args.table:
        print(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
