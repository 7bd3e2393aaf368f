"""A relabel step rendered as prometheus.yml's `relabel_configs` entry (snake_case) and as prometheus-operator's
`relabelings` entry (camelCase); the model and its rules are django_observability/settings/relabel.py."""
from django_observability.settings.relabel import FIELDS_USED, RelabelConfig

_ORDER = ("source_labels", "separator", "target_label", "regex", "modulus", "replacement")
_CAMEL = {"source_labels": "sourceLabels", "target_label": "targetLabel"}


def _fields(config: RelabelConfig) -> list[tuple[str, object]]:
    """The fields this action reads, in Prometheus' documented order; unset optional ones left out."""
    used = FIELDS_USED[config.action]
    pairs = [(name, getattr(config, name)) for name in _ORDER if name in used]
    return [(name, list(value) if isinstance(value, tuple) else value) for name, value in pairs if value is not None] + [
        ("action", config.action)
    ]


def to_prometheus(config: RelabelConfig) -> dict:
    """prometheus.yml `relabel_configs` entry (snake_case)."""
    return dict(_fields(config))


def to_operator(config: RelabelConfig) -> dict:
    """prometheus-operator `relabelings` entry (camelCase)."""
    return {_CAMEL.get(name, name): value for name, value in _fields(config)}


def static_label(name: str, value: str) -> RelabelConfig:
    """Add a fixed label to every series of a target.

    `__address__` always exists, so the default regex always matches and the replacement (with `$` escaped,
    so it is never read as a capture group reference) is written to the target label.
    """
    return RelabelConfig(source_labels=("__address__",), target_label=name, replacement=value.replace("$", "$$"))
