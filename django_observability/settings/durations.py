"""Durations, kept as strings in settings and parsed here: Prometheus' grammar for everything Prometheus and
Alertmanager's config read, Go's `time.Duration` units for the Alertmanager's `retention` flag. Both are held in
nanoseconds in a signed 64-bit integer downstream, so neither may exceed about 292 years."""
from decimal import Decimal

from django_observability.settings.rules import Pattern

MAX_NANOSECONDS = 2**63 - 1
"""time.Duration's range, which Prometheus' model.Duration and Go's time.ParseDuration both check."""
_NANOSECONDS = {"y": 365 * 86400 * 10**9, "w": 7 * 86400 * 10**9, "d": 86400 * 10**9, "h": 3600 * 10**9,
                "m": 60 * 10**9, "s": 10**9, "ms": 10**6}
_PROMETHEUS_UNITS = ("y", "w", "d", "h", "m", "s", "ms")
_GO_UNITS = ("h", "m", "s", "ms")
_RANGE_RULE = "is beyond the 64-bit nanosecond range Prometheus and Alertmanager hold durations in (about 292 years)"


def _grammar(units: tuple[str, ...]) -> Pattern:
    # Units largest first, each at most once, e.g. 1h30m, 90s, 500ms.
    return Pattern("".join(f"(?:([0-9]+){unit})?" for unit in units))


_PROMETHEUS = _grammar(_PROMETHEUS_UNITS)
_GO = _grammar(_GO_UNITS)


def _nanoseconds(text, grammar: Pattern, units: tuple[str, ...], rule: str) -> int:
    match = grammar.fullmatch(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError(rule)
    total = sum(int(value) * _NANOSECONDS[unit] for unit, value in zip(units, match.groups()) if value)
    if total > MAX_NANOSECONDS:
        raise ValueError(_RANGE_RULE)
    return total


def parse_duration(text: str) -> Decimal:
    """Seconds in a Prometheus duration string; ValueError names the rule when it is not one."""
    rule = "must be a Prometheus duration such as 15s, 1m30s or 500ms (units y w d h m s ms, largest first)"
    return Decimal(_nanoseconds(text, _PROMETHEUS, _PROMETHEUS_UNITS, rule)) / 10**9


def parse_go_duration(text: str) -> Decimal:
    """Seconds in a duration of h, m, s and ms only (the Alertmanager CRD's `retention` has no d, w or y); "0" is
    zero."""
    if text == "0":
        return Decimal(0)
    rule = "must be a duration in h, m, s and ms only, such as 120h (the Alertmanager CRD has no d or w)"
    return Decimal(_nanoseconds(text, _GO, _GO_UNITS, rule)) / 10**9
