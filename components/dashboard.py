"""A Grafana dashboard per app, built with Grafana's own Python SDK (grafana-foundation-sdk) and shipped as a
ConfigMap that Grafana's dashboard sidecar picks up (`grafana_dashboard: "1"`)."""
import json

import pulumi
from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from components.django_app import app_labels
from components.resources import register
from components.slo import WINDOWS, app_selector, plain_number
from stacks.settings import StackSettings

SIDECAR_LABEL = {"grafana_dashboard": "1"}


def _query(expr: str, legend: str = "") -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).ref_id("A")
    return query.legend_format(legend) if legend else query


def panel_queries(settings: StackSettings) -> list[tuple[str, str, str, str]]:
    """(panel kind, title, PromQL, legend) for every panel, in order."""
    app = app_selector(settings)
    panels = []
    for slo in settings.slos:
        target = app_selector(settings, f', slo="{slo.name}"')
        panels.append(("stat", f"{slo.name}: error budget remaining ({plain_number(slo.objective)}% over {slo.period})",
                       f"slo:error_budget_remaining:ratio{target}", ""))
        burn = " or ".join(f'label_replace(slo:sli_error:ratio_rate{window}{target} / {plain_number(slo.error_budget)}, '
                           f'"window", "{window}", "", "")' for window in WINDOWS)
        panels.append(("timeseries", f"{slo.name}: burn rate per window", burn, "{{window}}"))
    panels += [
        ("timeseries", "Requests per second, all workers",
         f"sum by (method) (app:django_http_requests_total:rate5m{app})", "{{method}}"),
        ("timeseries", "Requests per second per worker endpoint",
         f"sum by (endpoint) (rate(django_http_requests_before_middlewares_total{app}[5m]))", "{{endpoint}}"),
    ]
    for percentile, quantile in (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99")):
        panels.append(("timeseries", f"Latency {percentile}, all workers",
                       f"histogram_quantile({quantile}, sum by (le) "
                       f"(app:django_http_requests_latency_seconds_bucket:rate5m{app}))", percentile))
    return panels


def build_dashboard(settings: StackSettings, stack: str) -> dict:
    board = dashboard.Dashboard(f"{settings.app_name} ({stack}): error budget and traffic") \
        .uid(f"{settings.app_name}-{stack}"[:40]).tags(["django-observability", "slo", stack]).refresh("1m")
    for kind, title, expr, legend in panel_queries(settings):
        panel = (stat.Panel() if kind == "stat" else timeseries.Panel()).title(title).with_target(_query(expr, legend))
        if kind == "stat":
            panel = panel.unit("percentunit").min(0).max(1)
        board = board.with_panel(panel)
    return json.loads(json.dumps(board.build(), cls=JSONEncoder))


def build_dashboard_config_map(settings: StackSettings, stack: str) -> dict:
    text = json.dumps(build_dashboard(settings, stack), sort_keys=True, indent=2)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{settings.app_name}-dashboard", "namespace": settings.namespace,
                     "labels": app_labels(settings, stack) | SIDECAR_LABEL},
        "data": {f"{settings.app_name}.json": text},
    }


class Dashboard(pulumi.ComponentResource):
    def __init__(self, name: str, settings: StackSettings, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:dashboard:Dashboard", name, None, opts)
        self.resource = register(build_dashboard_config_map(settings, stack), pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
