"""What is generated from the settings models: Pulumi.yaml's `config:` block, the components' argument types
(components/args.py, see settings/args_source.py) and the settings tables of docs/settings.md.

    python -m django_observability.settings.reference --write     rewrite Pulumi.yaml's config block and args.py
    python -m django_observability.settings.reference --table     print the settings tables (Markdown)
    python -m django_observability.settings.reference --docs      rewrite the settings tables in docs/settings.md

Pulumi checks declared config before the program runs and refuses with its own message, so the block declares
nothing Pulumi would check: no `type` (Pulumi would refuse `prometheusNamespace: 3` with its own message before
this program says which rule it breaks), and only the optional settings of the stack as a whole, each with the
model's default (a declared key without a default is required by Pulumi, which would refuse a missing kubeContext
with its own message too). An app's settings are not declared: the CLI hands a program every declared default, so
a stack listing its apps under `apps:` would receive top-level app settings too. The required settings are named
in the header comment instead; the model stays the one place the defaults are written. Credentials are not
declared: a declared secret without a value would be required in every stack, and a secret cannot have a default.
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

from django_observability.settings import args_source
from django_observability.settings.field_docs import defaults, description
from django_observability.settings.app import AppSettings
from django_observability.settings.loader import PROJECT_DIR, read_stack_file
from django_observability.settings.model import Model, UpstreamModel
from django_observability.settings.stack import StackSettings

STACKS = ("dev", "acceptance", "prod")


def _header() -> str:
    required = ", ".join(field.alias for model in (StackSettings, AppSettings)
                         for name, field in model.model_fields.items() if field.is_required() and name != "apps")
    return ("# Generated from django_observability/settings/ by `python -m django_observability.settings.reference "
            "--write`;\n# tests check that it agrees. Every optional setting of the stack as a whole is declared with "
            "its default\n# and no type: the program checks each value and says which rule it breaks. An app's "
            "settings (docs/settings.md)\n# are not declared, and neither is what every stack file sets: "
            f"{required}.\n")


def _type_name(annotation) -> str | None:
    """string, integer or boolean for a scalar setting (the tables' type column); None for a structured one."""
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


def config_block() -> dict:
    defaults_ = defaults(StackSettings)
    return {field.alias: {"description": " ".join(description(StackSettings, name).split()),
                          "default": "" if defaults_[field.alias] is None else defaults_[field.alias]}
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


def _table(model: type[Model], per_stack: list[dict], leave_out: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | default | " + " | ".join(STACKS) + " | what it sets |", "|---" * (4 + len(STACKS)) + "|"]
    for key, kind, default, values, text in _rows(model, defaults(model), per_stack):
        if key not in leave_out:
            text = " ".join(text.split()).replace("|", "\\|")
            lines.append(f"| `{key}` | {kind} | {default} | " + " | ".join(values) + f" | {text} |")
    return lines


def settings_table() -> str:
    """The stack's settings, then one app's (at the top level of a one-app stack, as the stacks here are)."""
    per_stack = [{key.partition(":")[2]: value for key, value in read_stack_file(stack).items()} for stack in STACKS]
    return "\n".join(["Of the stack:", "", *_table(StackSettings, per_stack, leave_out=("apps",)), "",
                      "Of each app (at the top level of a stack of one app, else in each entry of `apps`):", "",
                      *_table(AppSettings, per_stack)])


SETTINGS_PAGE = "docs/settings.md"
TABLE_BEGIN, TABLE_END = "<!-- settings:begin -->", "<!-- settings:end -->"


def settings_page() -> str:
    """docs/settings.md with its settings tables generated anew."""
    text = (PROJECT_DIR / SETTINGS_PAGE).read_text()
    before, rest = text.split(TABLE_BEGIN, 1)
    _, after = rest.split(TABLE_END, 1)
    return f"{before}{TABLE_BEGIN}\n{settings_table()}\n{TABLE_END}{after}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--table", action="store_true")
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        (PROJECT_DIR / "Pulumi.yaml").write_text(project_file())
        args_source.ARGS_FILE.write_text(args_source.args_module())
    if args.docs:
        (PROJECT_DIR / SETTINGS_PAGE).write_text(settings_page())
    if args.table:
        print(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
