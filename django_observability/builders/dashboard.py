"""A Grafana dashboard per app, built with Grafana's own Python SDK (grafana-foundation-sdk) and shipped as a
ConfigMap that Grafana's dashboard sidecar picks up (`grafana_dashboard: "1"`).

The panels follow the community's django-mixin dashboards (requests, responses, exceptions, database, cache, models,
migrations), selected by the variables datasource, namespace, service, view and method, and add what the mixin
lacks: a row per SLO with its SLI, the error budget remaining over the period and the burn rate per window with the
alert thresholds drawn in. `panels()` is the one list the dashboard, the promtool check and the end-to-end test read.
"""
import json
from typing import NamedTuple

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.builders.common import GraphThresholdsStyleConfig
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (DataSourceRef, Threshold, ThresholdsMode, VariableOption,
                                                     VariableRefresh, VariableSort)

from django_observability.builders.params import SloParams
from django_observability.builders.slo import LATENCY, WINDOWS, plain_number
from django_observability.settings.slo import TIERS, SloSpec

SIDECAR_LABEL = {"grafana_dashboard": "1"}
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
APP = 'namespace="$namespace", service="$service"'
VIEWS = f'{APP}, view=~"$view", method=~"$method"'
ALL = ".*"
"""What the view and method variables stand for when All is selected."""
REQUESTS = "app:django_http_requests_total:rate5m"
RESPONSES_RATE = "app:django_http_responses_total_by_status_view_method:rate5m"
LATENCY_RATE = "app:django_http_requests_latency_seconds_bucket:rate5m"
PERCENTILES = (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99"))


class Variable(NamedTuple):
    """A query variable, `label_values(<metric>{<matchers>}, <label>)`."""

    name: str
    label: str
    metric: str
    matchers: str
    multi: bool

    @property
    def query(self) -> str:
        return f"label_values({self.metric}{{{self.matchers}}}, {self.label})"


VARIABLES = (
    Variable("namespace", "namespace", "django_http_requests_before_middlewares_total", "", False),
    Variable("service", "service", "django_http_requests_before_middlewares_total", 'namespace="$namespace"', False),
    Variable("view", "view", f"{LATENCY}_count", APP, True),
    Variable("method", "method", f"{LATENCY}_count", APP, True),
)


class Target(NamedTuple):
    expr: str
    legend: str


class Panel(NamedTuple):
    row: str
    kind: str
    """stat or timeseries."""
    title: str
    targets: tuple[Target, ...]
    unit: str = "short"
    thresholds: tuple[tuple[float | None, str], ...] = ()
    """(value, colour) steps, the first with value None (the base); drawn as lines on a time series."""


def _rate(metric: str, matchers: str, by: str) -> str:
    return f"sum by ({by}) (rate({metric}{{{matchers}}}[5m]))"


def _quantiles(by: str, buckets: str) -> tuple[Target, ...]:
    return tuple(Target(f"histogram_quantile({quantile}, sum by ({by}, le) ({buckets}))", f"{{{{{by}}}}} {name}")
                 for name, quantile in PERCENTILES)


def _slo_panels(slo: SloSpec) -> list[Panel]:
    row = f"SLO {slo.name}: {plain_number(slo.objective)}% over {slo.period}"
    of_slo = f'{APP}, slo="{slo.name}"'
    budget = plain_number(slo.error_budget)
    burn = " or ".join(f'label_replace(slo:sli_error:ratio_rate{window}{{{of_slo}}} / {budget}, '
                       f'"window", "{window}", "", "")' for window in WINDOWS)
    tiers = {tier.factor(slo.period): "red" if tier.kind == "page" else "orange"
             for tier in TIERS if getattr(slo.alerts, tier.name)}
    return [
        Panel(row, "stat", f"{slo.name}: error budget remaining over {slo.period} (below 0: overspent)",
              (Target(f"slo:error_budget_remaining:ratio{{{of_slo}}}", "remaining"),), "percentunit",
              ((None, "red"), (0, "orange"), (0.25, "green"))),
        Panel(row, "timeseries", f"{slo.name}: SLI against the objective", (
            Target(f"1 - slo:sli_error:ratio_rate5m{{{of_slo}}}", "SLI 5m"),
            Target(f"1 - slo:sli_error:ratio_rate{slo.period}{{{of_slo}}}", f"SLI {slo.period}"),
            Target(f"slo:objective:ratio{{{of_slo}}}", "objective")), "percentunit"),
        Panel(row, "timeseries", f"{slo.name}: burn rate per window (lines: alert thresholds)",
              (Target(burn, "{{window}}"),), "short",
              ((None, "green"), *((float(factor), colour) for factor, colour in sorted(tiers.items())))),
    ]


def panels(params: SloParams) -> list[Panel]:
    """Every panel, in order, each with its row."""
    result = [panel for slo in params.slos for panel in _slo_panels(slo)]
    requests, responses, exceptions, database = "Requests", "Responses", "Exceptions", "Database"
    result += [
        Panel(requests, "timeseries", "Requests per second by view and method",
              (Target(f"sum by (view, method) ({REQUESTS}{{{VIEWS}}})", "{{view}} {{method}}"),), "reqps"),
        Panel(requests, "timeseries", "Latency by view", _quantiles("view", f"{LATENCY_RATE}{{{VIEWS}}}"), "s"),
        Panel(requests, "timeseries", "Requests per second per worker endpoint",
              (Target(_rate("django_http_requests_before_middlewares_total", APP, "endpoint"), "{{endpoint}}"),),
              "reqps"),
        Panel(responses, "timeseries", "Responses per second by status",
              (Target(f"sum by (status) ({RESPONSES_RATE}{{{VIEWS}}})", "{{status}}"),), "reqps"),
        Panel(responses, "timeseries", "4xx and 5xx ratio", tuple(
            Target(f'sum({RESPONSES_RATE}{{{VIEWS}, status=~"{kind[0]}.."}}) / sum({RESPONSES_RATE}{{{VIEWS}}})',
                   kind) for kind in ("4xx", "5xx")), "percentunit"),
        Panel(exceptions, "timeseries", "Exceptions per second by type",
              (Target(_rate("django_http_exceptions_total_by_type_total", APP, "type"), "{{type}}"),)),
        Panel(exceptions, "timeseries", "Exceptions per second by view",
              (Target(_rate("django_http_exceptions_total_by_view_total", f'{APP}, view=~"$view"', "view"),
                      "{{view}}"),)),
        Panel(database, "timeseries", "Database queries per second",
              (Target(_rate("django_db_execute_total", APP, "alias, vendor"), "{{alias}} ({{vendor}})"),), "ops"),
        Panel(database, "timeseries", "Database query latency",
              _quantiles("alias", f"rate(django_db_query_duration_seconds_bucket{{{APP}}}[5m])"), "s"),
        Panel(database, "timeseries", "Database errors per second by type",
              (Target(_rate("django_db_errors_total", APP, "alias, type"), "{{alias}} {{type}}"),)),
        Panel(database, "timeseries", "New database connections per second",
              (Target(_rate("django_db_new_connections_total", APP, "alias, vendor"), "{{alias}} ({{vendor}})"),)),
        Panel("Cache", "timeseries", "Cache hit ratio", (Target(
            f"{_rate('django_cache_get_hits_total', APP, 'backend')} / {_rate('django_cache_get_total', APP, 'backend')}",
            "{{backend}}"),), "percentunit"),
        Panel("Models", "timeseries", "Model inserts, updates and deletes per second", tuple(
            Target(_rate(f"django_model_{operation}_total", APP, "model"), f"{{{{model}}}} {operation}")
            for operation in ("inserts", "updates", "deletes"))),
        Panel("Migrations", "stat", "Migrations applied",
              (Target(f"max by (connection) (django_migrations_applied_total{{{APP}}})", "{{connection}}"),)),
        Panel("Migrations", "stat", "Migrations unapplied",
              (Target(f"max by (connection) (django_migrations_unapplied_total{{{APP}}})", "{{connection}}"),),
              "short", ((None, "green"), (1, "red"))),
        Panel("The app's collectors", "timeseries", "Components in a service window (1: in a window)",
              (Target(f"max by (component, team) (service_window_in_window{{{APP}}})", "{{component}} ({{team}})"),)),
        Panel("The app's collectors", "stat", "Next service window start",
              (Target(f"max by (component) (service_window_next_start{{{APP}}}) * 1000", "{{component}}"),),
              "dateTimeAsIso"),
    ]
    return result


def _thresholds(steps: tuple[tuple[float | None, str], ...]) -> dashboard.ThresholdsConfig:
    return dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(
        [Threshold(value=value, color=colour) for value, colour in steps])


def _panel(spec: Panel):
    panel = (stat.Panel() if spec.kind == "stat" else timeseries.Panel()).title(spec.title).datasource(DATASOURCE)
    for index, target in enumerate(spec.targets):
        panel = panel.with_target(prometheus.Dataquery().expr(target.expr).legend_format(target.legend)
                                  .ref_id(chr(ord("A") + index)).datasource(DATASOURCE))
    panel = panel.unit(spec.unit).span(8 if spec.kind == "timeseries" else 4).height(8)
    if spec.thresholds:
        panel = panel.thresholds(_thresholds(spec.thresholds))
        if spec.kind == "timeseries":
            panel = panel.thresholds_style(GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.LINE))
    return panel


def _variable(variable: Variable, current: str | None) -> dashboard.QueryVariable:
    query = dashboard.QueryVariable(variable.name).label(variable.name).query(variable.query) \
        .datasource(DATASOURCE).refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(VariableSort.ALPHABETICAL_ASC)
    if variable.multi:
        return query.multi(True).include_all(True).all_value(ALL) \
            .current(VariableOption(selected=True, text="All", value="$__all"))
    return query.current(VariableOption(selected=True, text=current, value=current))


def build_dashboard(params: SloParams) -> dict:
    identity = params.identity
    name, stack = identity.name, identity.stack
    board = dashboard.Dashboard(f"{name} ({stack}): Django, error budgets and traffic") \
        .uid(f"{name}-{stack}"[:40]).tags(["django-observability", "django", "slo", stack]).refresh("1m") \
        .with_variable(dashboard.DatasourceVariable("datasource").label("datasource").type("prometheus"))
    defaults = {"namespace": identity.namespace, "service": name}
    for variable in VARIABLES:
        board = board.with_variable(_variable(variable, defaults.get(variable.name)))
    row = None
    for spec in panels(params):
        if spec.row != row:
            board, row = board.with_row(dashboard.Row(spec.row)), spec.row
        board = board.with_panel(_panel(spec))
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
