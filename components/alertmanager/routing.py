"""A typed alertmanager.yml: the route tree, receivers, inhibit rules and templates.

Credentials never appear in a stack file. A receiver names the secret config key that holds them
(`api_url_secret: slackWebhookUrl`), and `to_alertmanager_config` fills them in from a mapping of those keys:
the real secret values under the engine, clearly marked placeholders in the offline render.
"""
import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from stacks.durations import parse_duration

_MATCHER = re.compile(r'^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s"]*)\s*$')
_SECRET_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9]*$")
_PLAIN_CREDENTIALS = {"url", "api_url", "routing_key", "service_key", "auth_password", "auth_secret"}


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def _matcher(value: str) -> str:
    if not _MATCHER.match(value):
        raise ValueError(f'{value!r} is not an Alertmanager matcher such as severity="critical" or team=~"a|b"')
    return value


def _secret_key(value: str) -> str:
    if not _SECRET_KEY.match(value):
        raise ValueError(f"{value!r} must name a secret config key (letters and digits, e.g. slackWebhookUrl)")
    return value


Duration = Annotated[str, AfterValidator(_duration)]
Matcher = Annotated[str, AfterValidator(_matcher)]
SecretKey = Annotated[str, AfterValidator(_secret_key)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _no_plain_credentials(cls, data):
        if isinstance(data, dict):
            plain = sorted(_PLAIN_CREDENTIALS & data.keys())
            if plain:
                raise ValueError(
                    f"{plain[0]} must not be given in plain config: name a secret config key in {plain[0]}_secret "
                    "and set it with `pulumi config set --secret`"
                )
        return data


class WebhookConfig(Model):
    url_secret: SecretKey
    send_resolved: bool = True
    max_alerts: Annotated[int, Field(ge=0)] = 0


class EmailConfig(Model):
    to: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    from_: Annotated[str, Field(alias="from", pattern=r"^[^@\s]+@[^@\s]+$")]
    smarthost: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")]
    auth_username: str | None = None
    auth_password_secret: SecretKey | None = None
    require_tls: bool = True
    send_resolved: bool = False


class SlackConfig(Model):
    api_url_secret: SecretKey
    channel: Annotated[str, Field(pattern=r"^[#@]?[\w.-]+$")]
    send_resolved: bool = True


class PagerdutyConfig(Model):
    routing_key_secret: SecretKey
    severity: Literal["critical", "error", "warning", "info"] | None = None
    send_resolved: bool = True


class Receiver(Model):
    name: Annotated[str, Field(min_length=1)]
    webhook_configs: list[WebhookConfig] = []
    email_configs: list[EmailConfig] = []
    slack_configs: list[SlackConfig] = []
    pagerduty_configs: list[PagerdutyConfig] = []


class Route(Model):
    receiver: str | None = None
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    matchers: list[Matcher] = []
    continue_: Annotated[bool, Field(alias="continue")] = False
    routes: list["Route"] = []

    def receivers(self) -> list[str]:
        """Every receiver this route tree names, depth first."""
        own = [self.receiver] if self.receiver else []
        return own + [name for child in self.routes for name in child.receivers()]


class InhibitRule(Model):
    source_matchers: list[Matcher]
    target_matchers: list[Matcher]
    equal: list[str] = []


class RoutingConfig(Model):
    resolve_timeout: Duration = "5m"
    route: Route = Route(receiver="null", group_by=["alertname", "namespace"], group_wait="30s",
                         group_interval="5m", repeat_interval="12h")
    receivers: list[Receiver] = [Receiver(name="null")]
    inhibit_rules: list[InhibitRule] = [
        InhibitRule(source_matchers=['severity="critical"'], target_matchers=['severity=~"warning|info"'],
                    equal=["alertname", "namespace"]),
    ]
    templates: list[str] = []

    @model_validator(mode="after")
    def _receivers_agree_with_routes(self):
        names = [receiver.name for receiver in self.receivers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"receiver names must be unique; {', '.join(duplicates)} appears more than once")
        if not self.route.receiver:
            raise ValueError("the root route must name a receiver")
        unknown = [name for name in self.route.receivers() if name not in names]
        if unknown:
            raise ValueError(f"route names receiver {unknown[0]!r}, which is not among the receivers {names}")
        return self

    def secret_keys(self) -> list[str]:
        """The secret config keys this routing reads, in order of first use."""
        keys: list[str] = []
        for receiver in self.receivers:
            for config in (*receiver.webhook_configs, *receiver.email_configs, *receiver.slack_configs,
                           *receiver.pagerduty_configs):
                for name, value in config:
                    if name.endswith("_secret") and value and value not in keys:
                        keys.append(value)
        return keys

    def to_alertmanager_config(self, secrets: Mapping[str, str], secret_files: Mapping[str, str] | None = None) -> dict:
        """alertmanager.yml as a plain dict, credentials taken from `secrets` (secret config key → value), or, with
        `secret_files` (secret config key → path), read by Alertmanager from files (`url_file`, `api_url_file`,
        `routing_key_file`, `auth_password_file`), so that the config itself holds no credential."""

        def dump(model: BaseModel) -> dict:
            out = {}
            for name, value in model.model_dump(by_alias=True, exclude_defaults=False).items():
                if name.endswith("_secret"):
                    if value is not None and secret_files is not None:
                        out[f"{name.removesuffix('_secret')}_file"] = secret_files[value]
                    elif value is not None:
                        out[name.removesuffix("_secret")] = secrets[value]
                elif value not in (None, [], {}):
                    out[name] = value
            return out

        def route(node: Route) -> dict:
            out = {key: value for key, value in dump(node).items() if key != "routes"}
            if not node.continue_:
                out.pop("continue")
            if node.routes:
                out["routes"] = [route(child) for child in node.routes]
            return out

        receivers = []
        for receiver in self.receivers:
            entry = {"name": receiver.name}
            for kind in ("webhook_configs", "email_configs", "slack_configs", "pagerduty_configs"):
                configs = getattr(receiver, kind)
                if configs:
                    entry[kind] = [dump(config) for config in configs]
            receivers.append(entry)
        config = {
            "global": {"resolve_timeout": self.resolve_timeout},
            "route": route(self.route),
            "receivers": receivers,
            "inhibit_rules": [dump(rule) for rule in self.inhibit_rules],
        }
        if self.templates:
            config["templates"] = list(self.templates)
        return config


def placeholder(key: str) -> str:
    """What stands for a secret in every offline or rendered output: valid where a URL or a string goes,
    and unmistakably not a real credential."""
    return f"https://secret.invalid/{key}"
