"""What is wrong with a stack's settings, one line per problem: `<stack key>: <value> — <rule>`, or
`Pulumi.<stack>.yaml: <problem>` for the file as a whole."""
import json
from typing import Any, NamedTuple

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
        return f"{self.namespace}:{self.key}: {value} — {self.rule}"


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
