"""A component's arguments, validated by the settings model the stack files are validated by, with the same
one-line problems, each naming the argument as the caller spelt it (`web_concurrency: 0 — …`)."""
from collections.abc import Mapping
from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel, ValidationError

from django_observability.settings.problems import located

Spec = TypeVar("Spec", bound=BaseModel)


class InvalidArguments(pulumi.RunError):
    """Raised before the component registers anything; the engine prints the message without a traceback."""


def validated(component: str, name: str, model: type[Spec], args: Mapping[str, Any],
              leave_out: tuple[str, ...] = ()) -> Spec:
    """`args` as `model`, or every problem with them at once; `leave_out` names arguments that are the component's
    own rather than settings (credentials)."""
    given = {key: value for key, value in args.items() if key not in leave_out}
    try:
        return model.model_validate(given, context={"stack": pulumi.get_stack()})
    except ValidationError as error:
        problems = located(error, model, unknown=f"is not an argument of {component}", namespace="")
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise InvalidArguments(f"{component} {name!r} has {len(problems)} invalid argument(s); nothing was "
                               f"registered:\n{lines}") from None
