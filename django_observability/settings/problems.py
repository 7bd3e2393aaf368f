"""What is wrong with a stack's settings, one line per problem: `<stack key>: <value> — <rule>`, or
`Pulumi.<stack>.yaml: <problem>` for the file as a whole."""
import json
import typing
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

PROJECT = "django-observability"
MAX_SHOWN = 120
"""Characters of a value echoed in a problem; a value is never formatted beyond this, however large it is."""


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """`value` as compact JSON (keys sorted), cut at `limit` characters. Built piece by piece and stopped at the
    limit, so that a huge or deeply nested value (an alias bomb) costs no more than a small one."""
    pieces, size, pending = [], 0, [value]
    while pending and size <= limit:
        item = pending.pop()
        if isinstance(item, _Piece):
            piece = item.text
        elif isinstance(item, dict):
            parts: list = [_Piece("{")]
            for index, key in enumerate(sorted(item, key=str)):
                parts += [_Piece(", ")] if index else []
                parts += [_Piece(json.dumps(str(key)[:limit]) + ": "), item[key]]
            pending.extend(reversed(parts + [_Piece("}")]))
            continue
        elif isinstance(item, (list, tuple)):
            parts = [_Piece("[")]
            for index, element in enumerate(item):
                parts += [_Piece(", "), element] if index else [element]
            pending.extend(reversed(parts + [_Piece("]")]))
            continue
        elif item is None or isinstance(item, (bool, int, float)):
            piece = json.dumps(item)
        else:
            piece = json.dumps(str(item)[:limit + 1])
        pieces.append(piece)
        size += len(piece)
    text = "".join(pieces)
    return text if len(text) <= limit and not pending else text[:limit - 3] + "..."


class _Piece(NamedTuple):
    text: str


class Problem(NamedTuple):
    key: str
    """The setting, without its namespace: `webConcurrency`, `alertmanager.routing.route.matchers[0]`."""
    value: Any
    rule: str
    namespace: str = PROJECT

    def __str__(self) -> str:
        value = "(unset)" if self.value is None else shown(self.value)
        return f"{self.namespace + ':' if self.namespace else ''}{self.key}: {value} — {self.rule}"


class FileProblem(NamedTuple):
    """A stack file that cannot be read as settings at all."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


class SettingsError(Exception):
    def __init__(self, stack: str, problems: list[Problem | FileProblem]):
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"stack {stack!r} has {len(problems)} invalid setting(s); nothing was changed:\n{lines}")


def _rule(error: dict, unknown: str) -> str:
    if error["type"] == "extra_forbidden":
        return unknown
    if error["type"] == "missing":
        return "is required"
    return error["msg"].removeprefix("Value error, ")


def _model_of(annotation) -> type[BaseModel] | None:
    """The settings model a field holds, directly or as the items of a list or the values of a mapping."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_of, typing.get_args(annotation))), None)


def _python_names(model: type[BaseModel], loc: tuple) -> tuple:
    """`loc` with each stack-file key (an alias, camelCase) spelt as its field's Python name (snake_case)."""
    spelt, current = [], model
    for part in loc:
        fields = current.model_fields if current is not None else {}
        name = next((name for name, info in fields.items() if part in (info.alias, name)), None)
        if name is None:
            spelt.append(part)
            continue
        spelt.append(name)
        current = _model_of(fields[name].annotation)
    return tuple(spelt)


def located(error: ValidationError, model: type[BaseModel] | None = None,
            unknown: str = "is not a setting of this program (see docs/settings.md); a credential must be set with "
                           "--secret", namespace: str = PROJECT) -> list[Problem]:
    """Each error of a validation as a problem at its key: `apps[1].webConcurrency` as the stack file spells it, or,
    with `model`, `web_concurrency` as a component's arguments spell it (the field names of `model`)."""
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        rule = _rule(item, unknown)
        if loc and loc[-1] == "[key]":  # a mapping's key is what is wrong, not its value
            loc, rule = loc[:-1], f"as a key: {rule}"
        if model is not None:
            loc = _python_names(model, loc)
        key = ""
        for part in loc:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        problems.append(Problem(key, None if item["type"] == "missing" else item["input"], rule, namespace))
    return problems
