"""Reads a stack's settings into one validated `StackSettings`, offline from `Pulumi.<stack>.yaml` (here) or under
the engine from `pulumi.Config` (components/engine_settings.py, through `split_config` and `validate`). Every
problem is reported at once as `<stack key>: <value> — <rule>`.

Credentials are not settings: they are secret config keys that the Alertmanager routing names. Under the engine
they arrive as secret Outputs; offline, they cannot be decrypted and are replaced by clearly marked placeholders.
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stacks.settings import StackSettings

PROJECT = "django-observability"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    rule: str

    def __str__(self) -> str:
        shown = "(unset)" if self.value is None else json.dumps(self.value, default=str, sort_keys=True)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        return f"{PROJECT}:{self.key}: {shown} — {self.rule}"


class SettingsError(Exception):
    def __init__(self, stack: str, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"stack {stack!r} has {len(problems)} invalid setting(s); nothing was changed:\n{lines}")


@dataclass(frozen=True)
class LoadedStack:
    stack: str
    settings: StackSettings
    secrets: dict[str, Any]
    """Secret config key → value: a secret Output under the engine, a placeholder offline."""


def _key(loc: tuple) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _rule(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a setting of this program (see the settings table in the README); a credential must be set with --secret"
    if error["type"] == "missing":
        return "is required"
    return error["msg"].removeprefix("Value error, ")


def _problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        rule = _rule(item)
        if loc and loc[-1] == "[key]":  # a mapping's key is what is wrong, not its value
            loc, rule = loc[:-1], f"as a key: {rule}"
        problems.append(Problem(_key(loc), None if item["type"] == "missing" else item["input"], rule))
    return problems


def validate(stack: str, plain: dict[str, Any], secret_keys: set[str]) -> StackSettings:
    """Validate plain settings (camelCase keys) and check that every credential the routing names is a secret."""
    try:
        settings = StackSettings.model_validate(plain, context={"stack": stack})
    except ValidationError as error:
        raise SettingsError(stack, _problems(error)) from None
    missing = [Problem(key, None, "the Alertmanager routing reads this credential; set it with "
                                  f"`pulumi config set --secret {key} <value>`")
               for key in settings.alertmanager.routing.secret_keys() if key not in secret_keys]
    if missing:
        raise SettingsError(stack, missing)
    return settings


def placeholder(key: str) -> str:
    """What stands for a secret in every offline or rendered output: valid where a URL or a string goes,
    and unmistakably not a real credential."""
    return f"https://secret.invalid/{key}"


def split_config(stack: str, config: dict[str, Any], is_secret) -> tuple[dict[str, Any], set[str]]:
    """Project-namespace keys → (plain settings, secret keys). A secret that names a setting is refused."""
    fields = {field.alias or name for name, field in StackSettings.model_fields.items()}
    plain, secret, problems = {}, set(), []
    for full_key, value in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if not is_secret(full_key, value):
            plain[key] = value
        elif key in fields:
            problems.append(Problem(key, "[secret]", "is a setting, not a credential: set it without --secret"))
        else:
            secret.add(key)
    if problems:
        raise SettingsError(stack, problems)
    return plain, secret


def read_stack_file(stack: str, root: Path = ROOT) -> dict[str, Any]:
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise SettingsError(stack, [Problem("stack", stack, f"has no stack file {path.name}")])
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError(stack, [Problem("config", config, f"{path.name} must hold a mapping under config:")])
    return config


def load_offline(stack: str, root: Path = ROOT) -> LoadedStack:
    """Settings from `Pulumi.<stack>.yaml` over the defaults, with placeholders for every credential."""
    plain, secret_keys = split_config(stack, read_stack_file(stack, root),
                                      lambda key, value: isinstance(value, dict) and set(value) == {"secure"})
    settings = validate(stack, plain, secret_keys)
    return LoadedStack(stack, settings, {key: placeholder(key) for key in settings.alertmanager.routing.secret_keys()})
