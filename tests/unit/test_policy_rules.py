"""The policy pack's checks, called directly on the objects the builders produce and on broken copies of them."""
import copy
import sys

import pytest

from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_objects
from django_observability.components.resources import type_token
from django_observability.settings.loader import load_offline
from tests.helpers import ROOT
from tests.helpers import STACKS

sys.path.insert(0, str(ROOT / "policy"))
import rules  # noqa: E402  (the policy pack's own module, imported as the pack imports it)


def _resources(stack: str) -> list[tuple[str, dict]]:
    loaded = load_offline(stack)
    return [(type_token(obj), copy.deepcopy(obj)) for obj in stack_objects(stack_params(stack, loaded.settings))]


def _one(resources, kind):
    return next(props for typ, props in resources if typ.endswith(f":{kind}"))


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_stacks_pass_every_policy(stack):
    resources = _resources(stack)
    assert rules.service_monitor_port_problems(resources) == []
    assert all(rules.container_limit_problems(props) == [] for typ, props in resources if typ in rules.WORKLOAD_TYPES)
    if stack == "prod":
        assert rules.alertmanager_replica_problems(_one(resources, "Alertmanager")) == []
        assert rules.latest_tag_problems(_one(resources, "Deployment")) == []
        assert rules.hard_spread_problems(_one(resources, "Deployment")) == []


def test_endpoint_port_missing_on_service():
    resources = _resources("prod")
    _one(resources, "ServiceMonitor")["spec"]["endpoints"][0]["port"] = "metrics-9"
    [problem] = rules.service_monitor_port_problems(resources)
    assert "'metrics-9' is not a port of Service app-django" in problem


def test_service_port_targets_unknown_container_port():
    resources = _resources("prod")
    _one(resources, "Service")["spec"]["ports"][1]["targetPort"] = "metrics-0"
    [problem] = rules.service_monitor_port_problems(resources)
    assert "targets 'metrics-0', which no selected container names" in problem


def test_selector_matching_no_service():
    resources = _resources("dev")
    _one(resources, "ServiceMonitor")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "other"
    [problem] = rules.service_monitor_port_problems(resources)
    assert "selects no Service" in problem


def test_container_without_limits():
    deployment = _one(_resources("dev"), "Deployment")
    del deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    assert rules.container_limit_problems(deployment) == ["container django has no memory limit"]


@pytest.mark.parametrize("image, flagged", [("example/app", True), ("example/app:latest", True),
                                            ("registry:5000/example/app", True), ("example/app:1.2", False),
                                            ("example/app@sha256:" + "a" * 64, False)])
def test_latest_tags(image, flagged):
    deployment = _one(_resources("prod"), "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
    assert bool(rules.latest_tag_problems(deployment)) == flagged


def test_alertmanager_replicas():
    alertmanager = _one(_resources("dev"), "Alertmanager")
    assert rules.alertmanager_replica_problems(alertmanager) == [
        "Alertmanager django-observability-dev runs 1 replica(s); prod needs at least 3"]


@pytest.mark.parametrize("change", ["soft", "skew", "zone only", "none"])
def test_prod_without_hard_spread(change):
    deployment = _one(_resources("prod"), "Deployment")
    spec = deployment["spec"]["template"]["spec"]
    [hostname] = [c for c in spec["topologySpreadConstraints"] if c["topologyKey"] == "kubernetes.io/hostname"]
    if change == "soft":
        hostname["whenUnsatisfiable"] = "ScheduleAnyway"
    elif change == "skew":
        hostname["maxSkew"] = 2
    elif change == "zone only":
        spec["topologySpreadConstraints"].remove(hostname)
    else:
        del spec["topologySpreadConstraints"]
    [problem] = rules.hard_spread_problems(deployment)
    assert "Deployment app-django does not spread its replicas hard over nodes" in problem


def test_one_replica_needs_no_spread():
    assert rules.hard_spread_problems(_one(_resources("dev"), "Deployment")) == []
