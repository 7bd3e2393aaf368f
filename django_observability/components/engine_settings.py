"""The stack's settings under the engine: `pulumi.Config` in, the same validated `StackSettings` the offline loader
gives (django_observability/settings/loader.py), with every credential as a secret Output."""
import json
import os
import typing

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel

from django_observability.settings.loader import (PROJECT, PROJECT_DIR, LoadedStack, Problem, SettingsError, field,
                                                  read_stack_file, split_config, validate)

RENDER_DIR_ENV = "DJANGO_OBSERVABILITY_RENDER_DIR"
"""Set by `make up` / `make preview`: render the stack into this directory instead of deploying it."""


def _structured(annotation) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return origin in (dict, list) or (isinstance(origin, type) and issubclass(origin, BaseModel))


def _json_or_text(value: str):
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def load_from_engine() -> LoadedStack:
    """Settings from the engine's config. Structured settings arrive as JSON text and are decoded here."""
    stack = pulumi.get_stack()
    if (PROJECT_DIR / f"Pulumi.{stack}.yaml").exists():
        # The CLI has read it already, more leniently (dates, no caps on nesting or aliases): the same reading as
        # the offline render's refuses what that one refuses.
        read_stack_file(stack)
    everything = runtime_config.get_config_env() | runtime_config.CONFIG.get()
    plain, secret_keys = split_config(stack, everything, lambda key, value: runtime_config.is_config_secret(key))
    problems, decoded = [], {}
    for key, value in plain.items():
        info = field(key)
        if info is not None and isinstance(value, str) and info.annotation in (int, bool):
            value = _json_or_text(value)  # "3" → 3, so messages show the value as the stack file spells it
        elif info is not None and _structured(info.annotation) and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(Problem(key, value, "must be a YAML mapping or list in the stack file"))
        decoded[key] = value
    if problems:
        raise SettingsError(stack, problems)
    if os.environ.get(RENDER_DIR_ENV):
        decoded["renderYamlToDirectory"] = os.environ[RENDER_DIR_ENV]
    settings = validate(stack, decoded, secret_keys)
    config = pulumi.Config(PROJECT)
    return LoadedStack(stack, settings,
                       {key: config.require_secret(key) for key in settings.alertmanager.routing.secret_keys()})
