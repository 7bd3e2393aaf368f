"""The source of components/args.py: each component's arguments as a TypedDict, written out from the settings model
that validates them, with every nested settings model as a TypedDict of its own.

Pulumi's component-provider hosting infers a provider schema from these annotations and the docstrings under
them, and an editor completes them; the model stays the one place each field is written. The arguments are plain
values (what a stack builds depends on them: the worker count makes the ports), except credentials, which may be
any secret Input. An upstream structure (a relabel config, the Alertmanager routing) stays a mapping in
Prometheus' or Alertmanager's own snake_case, as their documentation writes it.
"""
import json
import types
import typing
from decimal import Decimal
from pathlib import Path

from django_observability.settings.alertmanager import AlertmanagerSpec
from django_observability.settings.app import AppSpec
from django_observability.settings.field_docs import defaults, description
from django_observability.settings.model import Model, UpstreamModel

ARGS_FILE = Path(__file__).resolve().parent.parent / "components" / "args.py"
COMPONENTS = {
    "DjangoAppArgs": (AppSpec, "app_name", {}),
    "AlertmanagerClusterArgs": (AlertmanagerSpec, "name", {
        "credentials": ("dict[str, pulumi.Input[str]]",
                        "The value of every secret key the routing names (such as slackWebhookUrl), kept secret.")}),
}
"""Each component's arguments: the model that validates them, the field the component's name is the default of,
and arguments of the component beyond the model's fields (annotation, description)."""
_SCALARS = {bool: "bool", int: "int", float: "float", Decimal: "float", str: "str"}


def _spelt(annotation, nested: dict[type, str]) -> str:
    """A settings field's annotation as the TypedDict writes it; a nested settings model is added to `nested`."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _spelt(arguments[0], nested)
    if origin in (typing.Union, types.UnionType):
        kinds = {_spelt(argument, nested) for argument in arguments if argument is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "Any"
    if origin is typing.Literal:
        return _SCALARS[type(arguments[0])]
    if origin is list:
        return f"list[{_spelt(arguments[0], nested)}]"
    if origin is dict:
        return f"dict[str, {_spelt(arguments[1], nested)}]"
    if isinstance(annotation, type) and issubclass(annotation, UpstreamModel):
        return "dict[str, Any]"
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return nested.setdefault(annotation, f"{annotation.__name__}Args")
    return _SCALARS[annotation]


def _docstring(text: str) -> list[str]:
    """One line, however long: the provider's schema takes a docstring as it is written, without dedenting it."""
    return ['    """' + " ".join(text.split()).replace('"""', "'''") + '"""']


def _typed_dict(name: str, model: type[Model], nested: dict[type, str], named_by: str | None = None,
                extra: dict[str, tuple[str, str]] | None = None) -> str:
    defaulted = defaults(model)
    summary = " ".join((model.__doc__ or "").split()) or f"The settings of {model.__name__}."
    lines = [f"class {name}(TypedDict, total=False):", *_docstring(summary), ""]
    for field, info in model.model_fields.items():
        text, default = description(model, field), defaulted.get(info.alias or field)
        if field == named_by:
            text += " Default: the component's name."
        elif not info.is_required() and default not in (None, "", [], {}) and not isinstance(default, (dict, list)):
            text += f" Default: {json.dumps(default)}."
        spelt = _spelt(info.annotation, nested)
        lines += [f"    {field}: {f'Required[{spelt}]' if info.is_required() else spelt}", *_docstring(text)]
    for field, (spelt, text) in (extra or {}).items():
        lines += [f"    {field}: {spelt}", *_docstring(text)]
    return "\n".join(lines)


def args_module() -> str:
    """components/args.py: every settings model nested in the components' arguments, each after those it holds,
    then the components' arguments."""
    classes: list[str] = []
    written: set[type] = set()

    names: dict[str, type[Model]] = {}

    def write(name: str, model: type[Model], named_by: str | None = None, extra: dict | None = None) -> None:
        if names.setdefault(name, model) is not model:  # the schema names a type by its class name alone
            raise ValueError(f"{name} would name both {names[name].__module__}.{names[name].__name__} and "
                             f"{model.__module__}.{model.__name__}")
        nested: dict[type, str] = {}
        source = _typed_dict(name, model, nested, named_by, extra)
        for inner, inner_name in nested.items():
            if inner not in written:
                written.add(inner)
                write(inner_name, inner)
        classes.append(source)

    for name, (model, named_by, extra) in COMPONENTS.items():
        write(name, model, named_by, extra)
    header = ('"""The components\' arguments, generated from the settings models by `python -m '
              'django_observability.settings.reference\n--write` (settings/args_source.py); tests check that it '
              'agrees. A component validates its arguments with the\nmodel they were written from."""\n')
    return (f"{header}from typing import Any, Required, TypedDict\n\nimport pulumi\n\n\n"
            + "\n\n\n".join(classes) + "\n")
