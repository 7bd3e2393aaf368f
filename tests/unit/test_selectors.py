"""The four selectors as prometheus-operator reads them (nil and {} included). The oracle is the operator itself:
tests/cluster/test_beside_platform_monitoring.py shows that what the check names is in fact not scraped or loaded."""
import pytest

from django_observability.components.selectors import Subject, matches, skipped_by

MONITOR = Subject("ServiceMonitor", "app-django", "app", {"release": "kube-prometheus-stack", "team": "a"},
                  {"kubernetes.io/metadata.name": "app"})
RULE = MONITOR._replace(kind="PrometheusRule", name="app-django-slo")


def _prometheus(**spec) -> dict:
    return {"metadata": {"name": "k8s", "namespace": "monitoring"}, "spec": spec}


@pytest.mark.parametrize("selector, selected", [
    ({}, True),
    ({"matchLabels": {"release": "kube-prometheus-stack"}}, True),
    ({"matchLabels": {"release": "other"}}, False),
    ({"matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]}]}, True),
    ({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, True),
])
def test_label_selectors(selector, selected):
    assert matches(selector, MONITOR.labels) is selected


def test_everything_selected_by_empty_selectors():
    everything = _prometheus(serviceMonitorSelector={}, serviceMonitorNamespaceSelector={}, ruleSelector={},
                             ruleNamespaceSelector={})
    assert skipped_by(everything, MONITOR) is None and skipped_by(everything, RULE) is None


def test_a_nil_object_selector_selects_nothing():
    reason = skipped_by(_prometheus(serviceMonitorNamespaceSelector={}), MONITOR)
    assert reason.startswith("serviceMonitorSelector is unset (nil)")


def test_a_nil_namespace_selector_selects_only_the_prometheus_namespace():
    reason = skipped_by(_prometheus(ruleSelector={}), RULE)
    assert reason.startswith("ruleNamespaceSelector is unset (nil), which selects only its own namespace monitoring")
    assert skipped_by(_prometheus(ruleSelector={}), RULE._replace(namespace="monitoring")) is None


def test_the_failing_selector_is_named_with_the_labels_that_would_pass():
    reason = skipped_by(_prometheus(ruleSelector={"matchLabels": {"role": "alert-rules"}},
                                    ruleNamespaceSelector={}), RULE)
    assert reason.startswith('ruleSelector {"matchLabels": {"role": "alert-rules"}} skips PrometheusRule app/app-django-slo')
    assert reason.endswith("it would pass with role: alert-rules")
    reason = skipped_by(_prometheus(serviceMonitorSelector={}, serviceMonitorNamespaceSelector={
        "matchLabels": {"monitoring": "enabled"}}), MONITOR)
    assert "skips namespace app" in reason and reason.endswith("namespace labelled monitoring: enabled")
