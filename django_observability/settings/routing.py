"""A typed alertmanager.yml: the route tree, receivers, inhibit rules and templates, with Alertmanager's own
snake_case keys.

Credentials never appear in a stack file. A receiver names the secret config key that holds them
(`api_url_secret: slackWebhookUrl`); django_observability/builders/alertmanager/config.py fills them in from a mapping of those keys:
the real secret values under the engine, clearly marked placeholders in the offline render.
"""
import json
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from django_observability.settings.durations import parse_duration
from django_observability.settings.model import Duration, Integer, Text, UpstreamModel
from django_observability.settings.rules import Pattern, compile_re2, matching, prometheus_label_name

_MATCHER = Pattern(r'\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?P<operator>=~|!~|!=|=)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]*)\s*')
_SMARTHOST = Pattern(r"[A-Za-z0-9.-]+:(?P<port>[0-9]{1,5})")
_PLAIN_CREDENTIALS = {"url", "api_url", "routing_key", "service_key", "auth_password", "auth_secret"}


def _matcher(value: str) -> str:
    """Alertmanager's matcher grammar: a label name, an operator, a value (double-quoted, or unquoted without
    spaces or quotes); a regex operator's value must compile as Go's regexp."""
    match = _MATCHER.fullmatch(value)
    if not match:
        raise ValueError(f'{value!r} is not an Alertmanager matcher such as severity="critical" or team=~"a|b"')
    if match["operator"] in ("=~", "!~"):
        text = match["value"]
        try:
            compile_re2(json.loads(text) if text.startswith('"') else text)
        except ValueError as error:
            raise ValueError(f"{value!r}: the value of a regex matcher {error}") from None
    return value


def _group_label(name: str) -> str:
    return name if name == "..." else prometheus_label_name(name)


def _group_by(names: list[str]) -> list[str]:
    if "..." in names and len(names) > 1:
        raise ValueError("group_by takes either '...' (every label) alone or label names")
    return names


def _nonzero(value: str) -> str:
    if parse_duration(value) == 0:
        raise ValueError("must be longer than 0s; Alertmanager refuses a zero interval")
    return value


def _smarthost(value: str) -> str:
    match = _SMARTHOST.fullmatch(value)
    if not match or not 1 <= int(match["port"]) <= 65535:
        raise ValueError("must be host:port with a port of 1-65535, such as smtp.example.org:587")
    return value


Matcher = Annotated[str, AfterValidator(_matcher)]
SecretKey = matching(r"[a-zA-Z][a-zA-Z0-9]*", "must name a secret config key (letters and digits, e.g. slackWebhookUrl)")
LabelNames = list[Annotated[str, AfterValidator(prometheus_label_name)]]
Interval = Annotated[Duration, AfterValidator(_nonzero)]
EmailAddress = matching(r"[^@\s]+@[^@\s]+", "must be an email address")


class RoutingModel(UpstreamModel):
    """Every part of the routing refuses a credential in plain config."""

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


class WebhookConfig(RoutingModel):
    url_secret: SecretKey
    send_resolved: bool = True
    max_alerts: Annotated[Integer, Field(ge=0)] = 0


class EmailConfig(RoutingModel):
    to: EmailAddress
    from_: Annotated[EmailAddress, Field(alias="from")]
    smarthost: Annotated[str, AfterValidator(_smarthost)]
    auth_username: str | None = None
    auth_password_secret: SecretKey | None = None
    require_tls: bool = True
    send_resolved: bool = False


class SlackConfig(RoutingModel):
    api_url_secret: SecretKey
    channel: matching(r"[#@]?[\w.-]+", "must be a Slack channel such as #alerts or @someone")
    send_resolved: bool = True


class PagerdutyConfig(RoutingModel):
    routing_key_secret: SecretKey
    severity: Literal["critical", "error", "warning", "info"] | None = None
    send_resolved: bool = True


class Receiver(RoutingModel):
    name: Text
    webhook_configs: list[WebhookConfig] = []
    email_configs: list[EmailConfig] = []
    slack_configs: list[SlackConfig] = []
    pagerduty_configs: list[PagerdutyConfig] = []


class Route(RoutingModel):
    receiver: str | None = None
    group_by: Annotated[list[Annotated[str, AfterValidator(_group_label)]], AfterValidator(_group_by)] | None = None
    group_wait: Duration | None = None
    group_interval: Interval | None = None
    repeat_interval: Interval | None = None
    matchers: list[Matcher] = []
    continue_: Annotated[bool, Field(alias="continue")] = False
    routes: list["Route"] = []

    def receivers(self) -> list[str]:
        """Every receiver this route tree names, depth first."""
        own = [self.receiver] if self.receiver else []
        return own + [name for child in self.routes for name in child.receivers()]


class InhibitRule(RoutingModel):
    source_matchers: list[Matcher]
    target_matchers: list[Matcher]
    equal: LabelNames = []


class RoutingConfig(RoutingModel):
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
        if self.route.matchers:
            raise ValueError("the root route must not have matchers: it receives every alert (Alertmanager refuses them)")
        unknown = [name for name in self.route.receivers() if name not in names]
        if unknown:
            raise ValueError(f"route names receiver {unknown[0]!r}, which is not among the receivers {names}")
        return self

    def secret_references(self) -> list[tuple[str, str]]:
        """(where, secret config key) of every credential this routing reads, e.g.
        ("receivers[0].slack_configs[0].api_url_secret", "slackWebhookUrl")."""
        references = []
        for index, receiver in enumerate(self.receivers):
            for kind in ("webhook_configs", "email_configs", "slack_configs", "pagerduty_configs"):
                for position, config in enumerate(getattr(receiver, kind)):
                    references += [(f"receivers[{index}].{kind}[{position}].{name}", value)
                                   for name, value in config if name.endswith("_secret") and value]
        return references

    def secret_keys(self) -> list[str]:
        """The secret config keys this routing reads, in order of first use."""
        return list(dict.fromkeys(key for _, key in self.secret_references()))
