"""Prometheus durations, kept as strings in settings and parsed by this one function."""
import re

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
# Prometheus' own grammar: units largest first, each at most once, e.g. 1h30m, 90s, 500ms.
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_ORDER = ("y", "w", "d", "h", "m", "s", "ms")


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration string; ValueError names the rule when it is not one."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not text or match is None or not any(match.groups()):
        raise ValueError("must be a Prometheus duration such as 15s, 1m30s or 500ms (units y w d h m s ms, largest first)")
    return sum(int(value) * _UNITS[unit] for unit, value in zip(_ORDER, match.groups()) if value)
