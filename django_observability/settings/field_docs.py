"""What a settings field says of itself: the docstring under it, and the model's defaults as a stack file writes
them. Read only by the generators (settings/reference.py, settings/args_source.py), so that loading settings parses
no source."""
import ast
import functools
import inspect
import textwrap
from decimal import Decimal

from django_observability.settings.model import Model


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


def defaults(model: type[Model]) -> dict:
    """A model's defaults by stack-file key, as YAML writes them."""
    return _plain(model.model_construct().model_dump(mode="python", by_alias=True))


