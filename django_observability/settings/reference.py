"""Pulumi.yaml's `config:` block and the README's settings table, both generated from `StackSettings`.

    python -m django_observability.settings.reference --write     rewrite Pulumi.yaml's config block
    python -m django_observability.settings.reference --table     print the settings table (Markdown)
    python -m django_observability.settings.reference --readme    rewrite the settings table in README.md

Pulumi checks declared config before the program runs and refuses with its own message, so the block declares
nothing Pulumi would check: no `type` (Pulumi would refuse `webConcurrency: "three"` as "must be of type
'integer'" before this program says which rule it breaks), and only the optional settings, each with the model's
default (a declared key without a default is required by Pulumi, which would refuse a missing kubeContext with
its own message too). The required settings are named in the header comment instead; the model stays the one
place the defaults are written. Credentials are not declared: a declared secret without a value would be required
in every stack, and a secret cannot have a default.
"""
import argparse
import ast
import functools
import inspect
import json
import sys
import textwrap
import typing
from decimal import Decimal

import yaml

from django_observability.settings.loader import PROJECT_DIR, read_stack_file
from django_observability.settings.model import Model, UpstreamModel
from django_observability.settings.stack import StackSettings

STACKS = ("dev", "acceptance", "prod")


def _header() -> str:
    required = ", ".join(field.alias for field in StackSettings.model_fields.values() if field.is_required())
    return (
        "# Generated from django_observability/settings/stack.py by `python -m django_observability.settings.reference --write`; tests check that it agrees.\n"
        "# Every optional setting is declared with its default and no type: the program checks each value and says\n"
        "# which rule it breaks. Required in every stack file, so not declared here: " + required + ".\n"
    )


def _type_name(annotation) -> str | None:
    """string, integer or boolean for a scalar setting (the README's type column); None for a structured one."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        origin = typing.get_origin(annotation)
    if origin is typing.Annotated:  # an optional value type (`MemoryQuantity | None`) keeps its Annotated
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is str or origin is typing.Literal:
        return "string"
    return None


@functools.cache
def _attribute_docstrings(model: type[Model]) -> dict[str, str]:
    """Field name → the docstring written under it in the class body (of the model or a base it inherits from)."""
    docs = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, Model):
            continue
        try:
            body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
        except (OSError, TypeError):  # a class built by create_model has no source; its fields carry descriptions
            continue
        for node, following in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)):
                docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


def description(model: type[Model], name: str) -> str:
    """What a setting sets: its Field description, or else the docstring under it."""
    return model.model_fields[name].description or _attribute_docstrings(model)[name]


def _plain(value):
    """JSON-mode dump, but with decimals as YAML numbers (objective: 99, not '99')."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _defaults() -> dict:
    return _plain(StackSettings.model_construct().model_dump(mode="python", by_alias=True))


def config_block() -> dict:
    defaults = _defaults()
    return {field.alias: {"description": " ".join(description(StackSettings, name).split()),
                          "default": "" if defaults[field.alias] is None else defaults[field.alias]}
            for name, field in StackSettings.model_fields.items() if not field.is_required()}


def project_file() -> str:
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    document["config"] = config_block()
    return _header() + yaml.safe_dump(document, sort_keys=False, width=120)


def _rows(model: type[Model], defaults: dict, per_stack: list[dict], prefix: str = ""):
    """One row per setting; nested settings models (resources, alertmanager, swarm) spelt out key by key, an
    upstream structure (relabel configs, routing) as one object."""
    for name, field in model.model_fields.items():
        key = prefix + field.alias
        default = defaults.get(field.alias) if defaults else None
        values = [values.get(field.alias) if isinstance(values, dict) else None for values in per_stack]
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Model) and not issubclass(annotation, UpstreamModel):
            yield from _rows(annotation, default or {}, values, key + ".")
            continue
        kind = _type_name(annotation) or ("list" if typing.get_origin(annotation) is list else "object")
        shown = _show(default) if default is not None or not field.is_required() else "required"
        yield key, kind, shown, [_show(value) if value is not None else "" for value in values], description(model, name)


def _show(value) -> str:
    if value is None:
        return "unset"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return f"`{text}`" if len(text) <= 48 else "(see the stack file)"


def settings_table() -> str:
    per_stack = [{key.partition(":")[2]: value for key, value in read_stack_file(stack).items()} for stack in STACKS]
    lines = ["| key | type | default | " + " | ".join(STACKS) + " | what it sets |", "|---" * (4 + len(STACKS)) + "|"]
    for key, kind, default, values, description in _rows(StackSettings, _defaults(), per_stack):
        text = " ".join(description.split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {kind} | {default} | " + " | ".join(values) + f" | {text} |")
    return "\n".join(lines)


README_BEGIN, README_END = "<!-- settings:begin -->", "<!-- settings:end -->"


def readme() -> str:
    text = (PROJECT_DIR / "README.md").read_text()
    before, rest = text.split(README_BEGIN, 1)
    _, after = rest.split(README_END, 1)
    return f"{before}{README_BEGIN}\n{settings_table()}\n{README_END}{after}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        (PROJECT_DIR / "Pulumi.yaml").write_text(project_file())
    if args.readme:
        (PROJECT_DIR / "README.md").write_text(readme())
    if args.table:
        print(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
