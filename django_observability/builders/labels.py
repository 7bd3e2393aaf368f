"""One set of common labels per component; selectors are derived from it."""

VERSION_LABEL = "app.kubernetes.io/version"


def common_labels(name: str, instance: str, component: str, part_of: str, version: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": part_of,
        VERSION_LABEL: version,
    }


def selector_labels(common: dict[str, str]) -> dict[str, str]:
    """The common labels minus the version, so that a selector never changes on an upgrade (they are immutable)."""
    return {key: value for key, value in common.items() if key != VERSION_LABEL}
