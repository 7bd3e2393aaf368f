"""A typed Prometheus `relabel_config`: its fields, Prometheus' defaults and the rules of each action.

The rules mirror Prometheus' own config checks and prometheus-operator's `ValidateRelabelConfig`: the operator
accepts an invalid ServiceMonitor and silently drops it at reconcile time, so every rule is checked here, at
`pulumi preview` time, instead. Rendering it (prometheus.yml's snake_case, the operator's camelCase) is
django_observability/builders/relabel.py.
"""
from typing import Literal

from pydantic import field_validator, model_validator

from django_observability.settings.model import Integer, UpstreamModel
from django_observability.settings.rules import LABEL_NAME, Pattern, compile_re2

Action = Literal[
    "replace", "keep", "drop", "keepequal", "dropequal", "hashmod",
    "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase",
]

DEFAULT_SEPARATOR = ";"
DEFAULT_REGEX = "(.*)"
DEFAULT_REPLACEMENT = "$1"

FIELDS_USED: dict[str, tuple[str, ...]] = {
    "replace": ("source_labels", "separator", "regex", "target_label", "replacement"),
    "keep": ("source_labels", "separator", "regex"),
    "drop": ("source_labels", "separator", "regex"),
    "keepequal": ("source_labels", "separator", "target_label"),
    "dropequal": ("source_labels", "separator", "target_label"),
    "hashmod": ("source_labels", "separator", "target_label", "modulus"),
    "labelmap": ("regex", "replacement"),
    "labeldrop": ("regex",),
    "labelkeep": ("regex",),
    "lowercase": ("source_labels", "separator", "target_label"),
    "uppercase": ("source_labels", "separator", "target_label"),
}
"""Which fields each action reads. A field set for an action that ignores it is a mistake worth reporting."""
_TARGET_LABEL_REQUIRED = {"replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"}
# `replace` may build the target label from capture groups, e.g. `${1}_total`.
_TEMPLATED_LABEL_NAME = Pattern(r"(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+")


class RelabelConfig(UpstreamModel):
    """One Prometheus relabel step. Defaults are Prometheus' own: action replace, regex (.*), separator ;."""

    source_labels: tuple[str, ...] | None = None
    separator: str = DEFAULT_SEPARATOR
    target_label: str | None = None
    regex: str = DEFAULT_REGEX
    modulus: Integer | None = None
    replacement: str = DEFAULT_REPLACEMENT
    action: Action = "replace"

    @field_validator("action", mode="before")
    @classmethod
    def _lowercase_action(cls, value):
        # Prometheus lowercases the action; the operator's enum lists both spellings.
        return value.lower() if isinstance(value, str) else value

    @field_validator("source_labels")
    @classmethod
    def _source_labels_are_label_names(cls, labels):
        for label in labels or ():
            if not LABEL_NAME.fullmatch(label):
                raise ValueError(f"{label!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        return labels

    @field_validator("regex")
    @classmethod
    def _regex_compiles_under_re2(cls, regex):
        compile_re2(regex)
        return regex

    @model_validator(mode="after")
    def _action_rules(self):
        used = FIELDS_USED[self.action]
        unused = sorted(name for name in self.model_fields_set - {"action"} if name not in used)
        if unused:
            raise ValueError(f"action {self.action} does not use {', '.join(unused)}; it reads only {', '.join(used)}")
        if self.action in _TARGET_LABEL_REQUIRED and not self.target_label:
            raise ValueError(f"action {self.action} requires target_label")
        if self.target_label is not None:
            pattern = _TEMPLATED_LABEL_NAME if self.action == "replace" else LABEL_NAME
            if not pattern.fullmatch(self.target_label):
                raise ValueError(f"target_label {self.target_label!r} is not a valid label name")
        if self.action == "hashmod" and not self.modulus:
            raise ValueError("action hashmod requires a modulus greater than 0")
        if self.modulus is not None and self.modulus < 0:
            raise ValueError("modulus must not be negative")
        if self.action in ("keepequal", "dropequal") and not self.source_labels:
            raise ValueError(f"action {self.action} requires source_labels")
        return self
