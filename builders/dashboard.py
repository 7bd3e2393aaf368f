"""A Grafana dashboard per app, built with Grafana's own Python SDK (grafana-foundation-sdk) and shipped as a
ConfigMap that Grafana's dashboard sidecar picks up (`grafana_dashboard: "1"`)."""
import json

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from builders.params import SloParams
from builders.slo import WINDOWS, app_selector, plain_number

SIDECAR_LABEL = {"grafana_dashboard": "1"}


def _query(expr: str, legend: str = "") -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).ref_id("A")
    return query.legend_format(legend) if legend else query


def panel_queries(params: SloParams) -> list[tuple[str, str, str, str]]:
    """(panel kind, title, PromQL, legend) for every panel, in order."""
    app = app_selector(params.identity)
    panels = []
    for slo in params.slos:
        target = app_selector(params.identity, f', slo="{slo.name}"')
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


def build_dashboard(params: SloParams) -> dict:
    name, stack = params.identity.name, params.identity.stack
    board = dashboard.Dashboard(f"{name} ({stack}): error budget and traffic") \
        .uid(f"{name}-{stack}"[:40]).tags(["django-observability", "slo", stack]).refresh("1m")
    for kind, title, expr, legend in panel_queries(params):
        panel = (stat.Panel() if kind == "stat" else timeseries.Panel()).title(title).with_target(_query(expr, legend))
        if kind == "stat":
            panel = panel.unit("percentunit").min(0).max(1)
        board = board.with_panel(panel)
    return json.loads(json.dumps(board.build(), cls=JSONEncoder))


def build_dashboard_config_map(params: SloParams) -> dict:
    identity = params.identity
    text = json.dumps(build_dashboard(params), sort_keys=True, indent=2)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": identity.metadata(f"{identity.name}-dashboard", identity.labels | SIDECAR_LABEL),
        "data": {f"{identity.name}.json": text},
    }
