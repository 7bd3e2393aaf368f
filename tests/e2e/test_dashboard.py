"""Every dashboard query returns data against the reference app under gunicorn, with real traffic, scraped by a
real Prometheus that evaluates the stack's SLO rules (plus a latency SLO on a whole-second bucket, whose `le`
prometheus_client writes as "1.0")."""
import math

import pytest

from django_observability.builders.dashboard import ALL, VARIABLES, panels
from django_observability.builders.params import django_app_params
from django_observability.builders.slo import rule_groups
from localrun.processes import HOST, http, wait_until
from localrun.reference_app import running
from django_observability.settings.loader import load_offline
from django_observability.settings.slo import SloSpec

# The reference app is scraped with the jobs prometheus-operator generates on the local cluster.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("local_cluster")]

STACK = "prod"  # both kinds of SLI
WHOLE_SECOND = SloSpec(name="latency-1s", objective=99, sli="latency", latency_threshold=1)
TRAFFIC = ("/", "/health/", "/fail/?status=500", "/fail/?status=404", "/crash/", "/db-error/", "/orders/")
"""Every kind of request the panels count: pages, probes, 5xx and 4xx, an exception, a database error, model
inserts, updates and deletes; the index page reads through the cache."""


def _slo_params(app):
    return django_app_params(app.model_copy(update={"slos": [*app.slos, WHOLE_SECOND]}), load_offline(STACK).settings,
                             STACK).slo


def _resolved(expr: str, settings, service: str) -> str:
    """The query as Grafana sends it with the app chosen and All views and methods."""
    return (expr.replace("$namespace", settings.namespace).replace("$service", service)
            .replace("$view", ALL).replace("$method", ALL))


def _send_traffic(http_port: int) -> None:
    for path in TRAFFIC:
        http(f"http://{HOST}:{http_port}{path}")


def _has_data(prometheus, expr: str) -> list[dict]:
    return [series for series in prometheus.query(expr) if not math.isnan(float(series["value"][1]))]


def test_every_panel_returns_data():
    with running(STACK, "per-worker-ports", report=lambda line: None,
                 rules=lambda settings: rule_groups(_slo_params(settings))) as live:
        settings, prometheus = live.settings, live.prometheus
        params = _slo_params(settings)
        _send_traffic(settings.http_port)
        for variable in VARIABLES:
            match = _resolved(f"{variable.metric}{{{variable.matchers}}}", settings, live.name)
            values = wait_until(lambda: prometheus.api(f"label/{variable.label}/values", **{"match[]": match}),
                                f"values of the {variable.name} variable", 60)
            assert {"namespace": settings.namespace, "service": live.name}.get(variable.name, values[0]) in values
        checked = 0
        for panel in panels(params):
            for target in panel.targets:
                expr = _resolved(target.expr, settings, live.name)
                # Traffic goes on while waiting: a counter's first sample is no increase, so a rate needs more.
                wait_until(lambda: _send_traffic(settings.http_port) or _has_data(prometheus, expr),
                           f"data for {panel.title!r}: {expr}", 60)
                checked += 1
        assert checked == sum(len(panel.targets) for panel in panels(params)) > 30
