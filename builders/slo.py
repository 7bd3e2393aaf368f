"""Error budgets as code: a PrometheusRule per app with worker-aggregation rules, SLI error ratios over every alert
window, the error budget remaining over the SLO period, and multiwindow multi-burn-rate alerts (one per tier of
stacks/slo.py's `TIERS`, with the Google SRE workbook's factors).
"""
from decimal import Decimal

from builders.params import AppIdentity, SloParams
from stacks.slo import TIERS, SloSpec

RESPONSES = "django_http_responses_total_by_status_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method"
WORKER_LABELS = ("pod", "instance", "endpoint")
"""What tells the per-worker series of one app apart; summed away so series stay stable as ports shift."""
FIVE_XX = ', status=~"5.."'
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def app_selector(app: AppIdentity, extra: str = "") -> str:
    """The label matchers of one app's series, e.g. {namespace="app", service="app-django"}, plus `extra`."""
    return f'{{namespace="{app.namespace}", service="{app.name}"{extra}}}'


def plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def aggregation_rules(app: AppIdentity) -> list[dict]:
    """Each worker's counters summed across workers: one stable series per app (and status, view, method, le)."""
    without = ", ".join(WORKER_LABELS)
    selector = app_selector(app)
    return [
        {"record": "app:django_http_responses_total_by_status:rate5m",
         "expr": f"sum without ({without}) (rate({RESPONSES}{selector}[5m]))"},
        {"record": "app:django_http_requests_latency_seconds_bucket:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_bucket{selector}[5m]))"},
        {"record": "app:django_http_requests_total:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_count{selector}[5m]))"},
    ]


def _error_ratio(app: AppIdentity, slo: SloSpec, window: str) -> str:
    by = "sum by (namespace, service)"
    if slo.sli == "availability":
        total = f"{by} (rate({RESPONSES}{app_selector(app)}[{window}]))"
        errors = f"{by} (rate({RESPONSES}{app_selector(app, FIVE_XX)}[{window}]))"
        # No 5xx series at all means no errors: `or … * 0` keeps the ratio at 0 rather than absent.
        return f"({errors} or {total} * 0) / {total}"
    le = f', le="{slo.latency_threshold:g}"'
    good = f"{by} (rate({LATENCY}_bucket{app_selector(app, le)}[{window}]))"
    total = f"{by} (rate({LATENCY}_count{app_selector(app)}[{window}]))"
    return f"1 - ({good} / {total})"


def sli_rules(app: AppIdentity, slo: SloSpec) -> list[dict]:
    labels = {"slo": slo.name}
    rules = [{"record": f"slo:sli_error:ratio_rate{window}", "expr": _error_ratio(app, slo, window), "labels": labels}
             for window in (*WINDOWS, slo.period)]
    rules += [
        {"record": "slo:objective:ratio", "expr": plain_number(slo.objective / Decimal(100)), "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": plain_number(slo.error_budget), "labels": labels},
        {"record": "slo:error_budget_remaining:ratio", "labels": labels,
         "expr": f'1 - slo:sli_error:ratio_rate{slo.period}{{slo="{slo.name}"}} / {plain_number(slo.error_budget)}'},
    ]
    return rules


def burn_rate_alerts(app: AppIdentity, slo: SloSpec) -> list[dict]:
    alerts = []
    for tier in TIERS:
        if not getattr(slo.alerts, tier.name):
            continue
        factor = tier.factor(slo.period)
        threshold = plain_number(factor * slo.error_budget)

        def burning(window: str) -> str:
            return f'slo:sli_error:ratio_rate{window}{{slo="{slo.name}"}} > {threshold}'

        severity = slo.page_severity if tier.kind == "page" else slo.ticket_severity
        annotations = {
            "summary": f"{app.name} {slo.name} SLO ({plain_number(slo.objective)}% over {slo.period}): error budget "
                       f"burning at {plain_number(factor)}x over {tier.long} and {tier.short}",
            "description": f"At this rate {tier.budget_percent}% of the {slo.period} error budget is gone within {tier.long}.",
        }
        if slo.runbook_url:
            annotations["runbook_url"] = slo.runbook_url
        alerts.append({
            "alert": "ErrorBudgetBurn",
            "expr": f"{burning(tier.long)} and {burning(tier.short)}",
            "labels": {**slo.labels, "slo": slo.name, "severity": severity, "tier": tier.name,
                       "long_window": tier.long, "short_window": tier.short},
            "annotations": annotations,
        })
    if slo.budget_unused_alert:
        alerts.append({
            "alert": "ErrorBudgetUnused",
            "expr": f'slo:error_budget_remaining:ratio{{slo="{slo.name}"}} > 0.95',
            "for": "1d",
            "labels": {**slo.labels, "slo": slo.name, "severity": "info"},
            "annotations": {
                "summary": f"{app.name} {slo.name} SLO ({plain_number(slo.objective)}%) uses under 5% of its "
                           f"{slo.period} error budget",
                "description": "The SLO is far stricter than reality: dependants may come to rely on more "
                               "availability than promised. Consider a stricter SLO or planned downtime.",
            },
        })
    return alerts


def rule_groups(params: SloParams) -> list[dict]:
    app = params.identity
    groups = [{"name": f"{app.name}-aggregation", "rules": aggregation_rules(app)}]
    for slo in params.slos:
        groups.append({"name": f"{app.name}-slo-{slo.name}", "rules": sli_rules(app, slo)})
        alerts = burn_rate_alerts(app, slo)
        if alerts:
            groups.append({"name": f"{app.name}-slo-{slo.name}-alerts", "rules": alerts})
    return groups


def build_prometheus_rule(params: SloParams) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": params.identity.metadata(f"{params.identity.name}-slo", params.labels),
        "spec": {"groups": rule_groups(params)},
    }
