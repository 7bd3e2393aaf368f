"""The four selectors that decide, silently, whether a Prometheus scrapes our ServiceMonitor and loads our
PrometheusRule, read as prometheus-operator reads them:

- serviceMonitorSelector, ruleSelector: a label selector of the object; `{}` selects every object, a missing
  (nil) selector none.
- serviceMonitorNamespaceSelector, ruleNamespaceSelector: a label selector of the object's namespace; `{}` selects
  every namespace, a missing (nil) one only the Prometheus' own namespace.

Pure: the objects and labels come in as plain data (components/kube_target.py reads them).
"""
import json
from typing import NamedTuple


def matches(selector: dict, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and the In/NotIn/Exists/DoesNotExist expressions) against labels."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        passes = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
                  "Exists": key in labels, "DoesNotExist": key not in labels}.get(operator, False)
        if not passes:
            return False
    return True


def would_pass(selector: dict) -> str:
    """The labels an object needs to pass `selector`, as a reader writes them."""
    needed = [f"{key}: {value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        needed.append({"In": f"{key}: one of {', '.join(values)}", "NotIn": f"{key}: none of {', '.join(values)}",
                       "Exists": f"{key} (any value)", "DoesNotExist": f"no {key}"}.get(operator, operator))
    return ", ".join(needed)


class Subject(NamedTuple):
    """Our object as a Prometheus sees it."""

    kind: str
    """ServiceMonitor or PrometheusRule."""
    name: str
    namespace: str
    labels: dict[str, str]
    namespace_labels: dict[str, str] | None
    """None when the namespace's labels could not be read."""


SELECTORS = {"ServiceMonitor": ("serviceMonitorSelector", "serviceMonitorNamespaceSelector"),
             "PrometheusRule": ("ruleSelector", "ruleNamespaceSelector")}


def skipped_by(prometheus: dict, subject: Subject) -> str | None:
    """Which of the Prometheus' selectors skips `subject`, said with the labels that would pass; None when it is
    selected (or when its namespace's labels are unknown and only they would decide)."""
    spec = prometheus.get("spec") or {}
    own_namespace = prometheus["metadata"]["namespace"]
    object_key, namespace_key = SELECTORS[subject.kind]
    where = f"{subject.kind} {subject.namespace}/{subject.name}"
    selector = spec.get(object_key)
    if selector is None:
        return f"{object_key} is unset (nil), which selects no {subject.kind}: it skips {where}"
    if not matches(selector, subject.labels):
        return (f"{object_key} {json.dumps(selector, sort_keys=True)} skips {where} "
                f"(labelled {json.dumps(subject.labels, sort_keys=True)}); it would pass with {would_pass(selector)}")
    namespaces = spec.get(namespace_key)
    if namespaces is None:
        if subject.namespace != own_namespace:
            return (f"{namespace_key} is unset (nil), which selects only its own namespace {own_namespace}: "
                    f"it skips {where}")
        return None
    if subject.namespace_labels is not None and not matches(namespaces, subject.namespace_labels):
        return (f"{namespace_key} {json.dumps(namespaces, sort_keys=True)} skips namespace {subject.namespace} "
                f"(labelled {json.dumps(subject.namespace_labels, sort_keys=True)}), so {where}; it would pass "
                f"with the namespace labelled {would_pass(namespaces)}")
    return None
