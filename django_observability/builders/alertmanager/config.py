"""alertmanager.yml from the routing settings, credentials filled in from a mapping of secret config keys: the one
text every backend ships (the Kubernetes config Secret, the Swarm config, the offline render, the local cluster)."""
from collections.abc import Mapping

import yaml
from pydantic import BaseModel

from django_observability.settings.routing import Route, RoutingConfig


def alertmanager_config(routing: RoutingConfig, secrets: Mapping[str, str],
                        secret_files: Mapping[str, str] | None = None) -> dict:
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
    for receiver in routing.receivers:
        entry = {"name": receiver.name}
        for kind in ("webhook_configs", "email_configs", "slack_configs", "pagerduty_configs"):
            configs = getattr(receiver, kind)
            if configs:
                entry[kind] = [dump(config) for config in configs]
        receivers.append(entry)
    config = {
        "global": {"resolve_timeout": routing.resolve_timeout},
        "route": route(routing.route),
        "receivers": receivers,
        "inhibit_rules": [dump(rule) for rule in routing.inhibit_rules],
    }
    if routing.templates:
        config["templates"] = list(routing.templates)
    return config


def config_text(routing: RoutingConfig, secrets: Mapping[str, str]) -> str:
    return yaml.safe_dump(alertmanager_config(routing, secrets), sort_keys=False)
