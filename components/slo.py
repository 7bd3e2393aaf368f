"""Error budgets as code: a PrometheusRule per app with worker-aggregation rules, SLI error ratios over every alert
window, the error budget remaining over the SLO period, and multiwindow multi-burn-rate alerts.

Burn-rate factors come from the Google SRE workbook's formula, factor = budget consumed × period / long window,
computed in exact decimals, so a 28d period gets 13.44, 5.6, 2.8 and 0.9333 instead of the 30d 14.4, 6, 3 and 1.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pulumi

from components.django_app import app_labels
from components.resources import register
from stacks.durations import parse_duration
from stacks.settings import StackSettings
from stacks.slo import PERIODS, SloSpec

RESPONSES = "django_http_responses_total_by_status_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method"
WORKER_LABELS = ("pod", "instance", "endpoint")
"""What tells the per-worker series of one app apart; summed away so series stay stable as ports shift."""
FIVE_XX = ', status=~"5.."'
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True)
class Tier:
    name: str
    kind: str  # page or ticket
    long: str
    short: str
    budget_percent: Decimal

    def factor(self, period: str) -> Decimal:
        hours = Decimal(PERIODS[period] * 24)
        long_hours = Decimal(int(parse_duration(self.long))) / Decimal(3600)
        return (self.budget_percent * hours / Decimal(100) / long_hours).quantize(Decimal("0.0001"), ROUND_HALF_EVEN).normalize()


TIERS = (
    Tier("page_fast", "page", "1h", "5m", Decimal(2)),
    Tier("page_slow", "page", "6h", "30m", Decimal(5)),
    Tier("ticket_fast", "ticket", "1d", "2h", Decimal(10)),
    Tier("ticket_slow", "ticket", "3d", "6h", Decimal(10)),
)


def app_selector(settings: StackSettings, extra: str = "") -> str:
    """The label matchers of one app's series, e.g. {namespace="app", service="app-django"}, plus `extra`."""
    return f'{{namespace="{settings.namespace}", service="{settings.app_name}"{extra}}}'


def plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def aggregation_rules(settings: StackSettings) -> list[dict]:
    """Each worker's counters summed across workers: one stable series per app (and status, view, method, le)."""
    without = ", ".join(WORKER_LABELS)
    selector = app_selector(settings)
    return [
        {"record": "app:django_http_responses_total_by_status:rate5m",
         "expr": f"sum without ({without}) (rate({RESPONSES}{selector}[5m]))"},
        {"record": "app:django_http_requests_latency_seconds_bucket:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_bucket{selector}[5m]))"},
        {"record": "app:django_http_requests_total:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_count{selector}[5m]))"},
    ]


def _error_ratio(settings: StackSettings, slo: SloSpec, window: str) -> str:
    by = "sum by (namespace, service)"
    if slo.sli == "availability":
        total = f"{by} (rate({RESPONSES}{app_selector(settings)}[{window}]))"
        errors = f"{by} (rate({RESPONSES}{app_selector(settings, FIVE_XX)}[{window}]))"
        # No 5xx series at all means no errors: `or … * 0` keeps the ratio at 0 rather than absent.
        return f"({errors} or {total} * 0) / {total}"
    le = f', le="{slo.latency_threshold:g}"'
    good = f"{by} (rate({LATENCY}_bucket{app_selector(settings, le)}[{window}]))"
    total = f"{by} (rate({LATENCY}_count{app_selector(settings)}[{window}]))"
    return f"1 - ({good} / {total})"


def sli_rules(settings: StackSettings, slo: SloSpec) -> list[dict]:
    labels = {"slo": slo.name}
    rules = [{"record": f"slo:sli_error:ratio_rate{window}", "expr": _error_ratio(settings, slo, window), "labels": labels}
             for window in (*WINDOWS, slo.period)]
    rules += [
        {"record": "slo:objective:ratio", "expr": plain_number(slo.objective / Decimal(100)), "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": plain_number(slo.error_budget), "labels": labels},
        {"record": "slo:error_budget_remaining:ratio", "labels": labels,
         "expr": f'1 - slo:sli_error:ratio_rate{slo.period}{{slo="{slo.name}"}} / {plain_number(slo.error_budget)}'},
    ]
    return rules


def burn_rate_alerts(settings: StackSettings, slo: SloSpec) -> list[dict]:
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
            "summary": f"{settings.app_name} {slo.name} SLO ({plain_number(slo.objective)}% over {slo.period}): error budget "
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
                "summary": f"{settings.app_name} {slo.name} SLO ({plain_number(slo.objective)}%) uses under 5% of its "
                           f"{slo.period} error budget",
                "description": "The SLO is far stricter than reality: dependants may come to rely on more "
                               "availability than promised. Consider a stricter SLO or planned downtime.",
            },
        })
    return alerts


def rule_groups(settings: StackSettings) -> list[dict]:
    groups = [{"name": f"{settings.app_name}-aggregation", "rules": aggregation_rules(settings)}]
    for slo in settings.slos:
        groups.append({"name": f"{settings.app_name}-slo-{slo.name}", "rules": sli_rules(settings, slo)})
        alerts = burn_rate_alerts(settings, slo)
        if alerts:
            groups.append({"name": f"{settings.app_name}-slo-{slo.name}-alerts", "rules": alerts})
    return groups


def build_prometheus_rule(settings: StackSettings, stack: str) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": f"{settings.app_name}-slo", "namespace": settings.namespace,
                     "labels": app_labels(settings, stack) | dict(settings.service_monitor_labels)},
        "spec": {"groups": rule_groups(settings)},
    }


class SloRules(pulumi.ComponentResource):
    def __init__(self, name: str, settings: StackSettings, stack: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("django-observability:slo:SloRules", name, None, opts)
        self.resource = register(build_prometheus_rule(settings, stack), pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
