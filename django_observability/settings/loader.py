"""Reads a stack's settings into one validated `StackSettings`, offline from `Pulumi.<stack>.yaml` (here) or under
the engine from `pulumi.Config` (django_observability/components/engine_settings.py, through `split_config` and `validate`). Every
problem is reported at once as `<stack key>: <value> — <rule>`.

Credentials are not settings: they are secret config keys that the Alertmanager routing names. Under the engine
they arrive as secret Outputs; offline, they cannot be decrypted and are replaced by clearly marked placeholders.
"""
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from django_observability.settings import stack_file
from django_observability.settings.problems import PROJECT, Problem, SettingsError
from django_observability.settings.stack import StackSettings

PROJECT_DIR = Path(".")
"""Where `Pulumi.<stack>.yaml` is read from unless a caller names a folder: the working directory, which is the
Pulumi project's folder when the engine runs the program and where `make` and the tools run."""
READ_NAMESPACES = (PROJECT, "kubernetes", "docker", "pulumi")
"""Config namespaces something reads: this program, its providers (pulumi-kubernetes, pulumi-docker for the Swarm
backend) and the Pulumi CLI. A key in any other namespace is a typo that every reader would ignore."""


class LoadedStack(NamedTuple):
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


def _settings_keys() -> set[str]:
    return {field.alias or name for name, field in StackSettings.model_fields.items()}


def validate(stack: str, plain: dict[str, Any], secret_keys: set[str]) -> StackSettings:
    """Validate plain settings (camelCase keys) and check that the secrets are exactly the credentials the routing
    reads: each one set, none that nothing reads, and none named like a setting."""
    try:
        settings = StackSettings.model_validate(plain, context={"stack": stack})
    except ValidationError as error:
        raise SettingsError(stack, _problems(error)) from None
    references = settings.alertmanager.routing.secret_references()
    read = {key for _, key in references}
    problems = [Problem(f"alertmanager.routing.{location}", key,
                        f"names the setting {key}, not a credential: name a secret config key of its own "
                        "(such as slackWebhookUrl) and set that one with `pulumi config set --secret`")
                for location, key in references if key in _settings_keys()]
    named_like_settings = {problem.value for problem in problems}
    problems += [Problem(key, None, "the Alertmanager routing reads this credential; set it with "
                                    f"`pulumi config set --secret {key} <value>`")
                 for key in sorted(read - secret_keys - named_like_settings)]
    problems += [Problem(key, "[secret]", "is a secret that nothing reads: the Alertmanager routing reads "
                                          f"{', '.join(sorted(read)) or 'no credential'}")
                 for key in sorted(secret_keys - read)]
    if problems:
        raise SettingsError(stack, problems)
    return settings


def placeholder(key: str) -> str:
    """What stands for a secret in every offline or rendered output: valid where a URL or a string goes,
    and unmistakably not a real credential."""
    return f"https://secret.invalid/{key}"


def split_config(stack: str, config: dict[str, Any], is_secret) -> tuple[dict[str, Any], set[str]]:
    """Namespaced config keys → (plain settings, secret keys) of this program. A key in a namespace nothing reads
    (a misspelt project name) and a secret that names a setting are refused."""
    fields = _settings_keys()
    plain, secret, problems = {}, set(), []
    for full_key, value in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace not in READ_NAMESPACES:
            problems.append(Problem(key, "[secret]" if is_secret(full_key, value) else value,
                                    f"is in a namespace nothing reads; this program reads {PROJECT}:, its providers "
                                    f"{', '.join(name + ':' for name in READ_NAMESPACES[1:])}", namespace))
        elif namespace != PROJECT:
            continue
        elif not is_secret(full_key, value):
            plain[key] = value
        elif key in fields:
            problems.append(Problem(key, "[secret]", "is a setting, not a credential: set it without --secret"))
        else:
            secret.add(key)
    if problems:
        raise SettingsError(stack, problems)
    return plain, secret


def read_stack_file(stack: str, root: Path = PROJECT_DIR) -> dict[str, Any]:
    """`Pulumi.<stack>.yaml`'s config, read with the Pulumi CLI's rules (django_observability/settings/stack_file.py)."""
    return stack_file.read_stack_file(stack, root)


def load_offline(stack: str, root: Path = PROJECT_DIR) -> LoadedStack:
    """Settings from `Pulumi.<stack>.yaml` over the defaults, with placeholders for every credential."""
    plain, secret_keys = split_config(stack, read_stack_file(stack, root),
                                      lambda key, value: stack_file.encrypted(value))
    settings = validate(stack, plain, secret_keys)
    return LoadedStack(stack, settings, {key: placeholder(key) for key in settings.alertmanager.routing.secret_keys()})
