"""Kubernetes and Prometheus naming rules shared by the settings models, and the one way settings match a pattern.

Every pattern is matched against the whole value with ASCII classes, as the Go tools downstream match: Python's
`$` also matches before a final newline and its `\\d` and `\\w` match non-ASCII digits and letters, so neither
`re.match` nor pydantic's `Field(pattern=...)` is used for a setting.
"""
import functools
import re
from typing import Annotated

import re2
from pydantic import AfterValidator


class Pattern:
    """A regular expression that matches whole values only, with ASCII semantics. Compiled on first use: most of
    them check settings a stack does not set."""

    def __init__(self, regex: str):
        self._regex = regex

    @functools.cached_property
    def _compiled(self) -> re.Pattern:
        return re.compile(self._regex, re.ASCII)

    def fullmatch(self, value) -> re.Match | None:
        return self._compiled.fullmatch(value) if isinstance(value, str) else None


def matching(regex: str, rule: str):
    """A string setting that must match `regex` as a whole; `rule` is the message when it does not."""
    pattern = Pattern(regex)

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return value

    return Annotated[str, AfterValidator(check)]


LABEL_NAME = Pattern(r"[a-zA-Z_][a-zA-Z0-9_]*")
"""A Prometheus label name."""
DNS1123_LABEL = Pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_NAME_PART = Pattern(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = Pattern(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def dns1123_label(value: str, max_length: int = 63) -> str:
    if len(value) > max_length or not DNS1123_LABEL.fullmatch(value):
        raise ValueError(
            f"must be a DNS-1123 label: at most {max_length} characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def kubernetes_label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if ((prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix))) or len(name) > 63
            or not _LABEL_NAME_PART.fullmatch(name)):
        raise ValueError(f"label key {key!r} must be [prefix/]name with a name of at most 63 characters of A-Z a-z 0-9 - _ .")
    return key


def kubernetes_label_value(value: str) -> str:
    if value and (len(value) > 63 or not _LABEL_NAME_PART.fullmatch(value)):
        raise ValueError(f"label value {value!r} must be at most 63 characters of A-Z a-z 0-9 - _ . starting and ending alphanumeric")
    return value


def prometheus_label_name(name: str) -> str:
    if not LABEL_NAME.fullmatch(name) or name.startswith("__"):
        raise ValueError(f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)")
    return name


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def compile_re2(pattern: str):
    """Compile as Prometheus and Alertmanager do (Go's regexp, RE2 syntax, anchored at both ends); ValueError says
    why it does not compile."""
    try:
        return re2.compile(f"^(?s:{pattern})$", options=_RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise ValueError(f"must be an RE2 regular expression as Prometheus uses ({reason})") from None
