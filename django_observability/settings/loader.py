"""Reads a stack's settings into one validated `StackSettings`, offline from `Pulumi.<stack>.yaml` (here) or under
the engine from `pulumi.Config` (django_observability/components/engine_settings.py, through `split_config` and `validate`). Every
problem is reported at once as `<stack key>: <value> — <rule>`.

Credentials are not settings: they are secret config keys that the Alertmanager routing names. Under the engine
they arrive as secret Outputs; offline, they cannot be decrypted and are replaced by clearly marked placeholders.
"""
import difflib
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from django_observability.settings import stack_file
from django_observability.settings.problems import PROJECT, Problem, SettingsError, located
from django_observability.settings.app import AppSettings
from django_observability.settings.stack import StackSettings

PROJECT_DIR = Path(".")
"""Where `Pulumi.<stack>.yaml` is read from unless a caller names a folder: the working directory, which is the
Pulumi project's folder when the engine runs the program and where `make` and the tools run."""


class LoadedStack(NamedTuple):
    stack: str
    settings: StackSettings
    secrets: dict[str, Any]
    """Secret config key → value: a secret Output under the engine, a placeholder offline."""


def _keys(model) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


STACK_KEYS, APP_KEYS = _keys(StackSettings), _keys(AppSettings)
"""The stack file's keys of the stack as a whole (apps among them), and those of one app."""


def field(key: str):
    """The settings field a stack file key sets (of the stack, or of its one app), or None."""
    fields = {**AppSettings.model_fields, **StackSettings.model_fields}
    return next((info for name, info in fields.items() if (info.alias or name) == key), None)


def _as_stack(plain: dict[str, Any]) -> tuple[dict[str, Any], bool, list[Problem]]:
    """The settings as StackSettings reads them, whether the stack holds one app, and the keys that are in the
    wrong place. A stack of one app writes the app's settings at the top level: they become its one app."""
    app_keys = [key for key in plain if key in APP_KEYS and key not in STACK_KEYS]
    if "apps" not in plain:
        document = {key: value for key, value in plain.items() if key not in app_keys}
        return document | {"apps": [{key: plain[key] for key in app_keys}]}, True, []
    misplaced = [Problem(key, plain[key], "is a setting of one app, and this stack lists its apps under apps: set it "
                                          "in each entry of apps that needs it") for key in app_keys]
    return plain, False, misplaced


def validate(stack: str, plain: dict[str, Any], secret_keys: set[str]) -> StackSettings:
    """Validate plain settings (camelCase keys) and check that the secrets are exactly the credentials the routing
    reads: each one set, none that nothing reads, and none named like a setting."""
    document, one_app, misplaced = _as_stack(plain)
    if misplaced:
        raise SettingsError(stack, misplaced)
    try:
        settings = StackSettings.model_validate(document, context={"stack": stack})
    except ValidationError as error:
        problems = located(error)
        if one_app:  # the app's settings are written at the top level, so they are named there
            problems = [problem._replace(key=problem.key.removeprefix("apps[0].")) for problem in problems]
        raise SettingsError(stack, problems) from None
    references = settings.alertmanager.routing.secret_references()
    read = {key for _, key in references}
    problems = [Problem(f"alertmanager.routing.{location}", key,
                        f"names the setting {key}, not a credential: name a secret config key of its own "
                        "(such as slackWebhookUrl) and set that one with `pulumi config set --secret`")
                for location, key in references if key in STACK_KEYS | APP_KEYS]
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
    """Namespaced config keys → (plain settings, secret keys) of this program. Other namespaces belong to the
    providers and whatever else the stack configures (`kubernetes:`, a cloud's), and are left to them; a namespace
    spelt almost like this program's is a typo and refused, as is a secret that names a setting."""
    fields = STACK_KEYS | APP_KEYS
    plain, secret, problems = {}, set(), []
    for full_key, value in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT and difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.8):
            problems.append(Problem(key, "[secret]" if is_secret(full_key, value) else value,
                                    f"is in namespace {namespace}:, which nothing reads; this program reads "
                                    f"{PROJECT}:", namespace))
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
