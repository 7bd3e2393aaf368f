"""Error budgets as code: a PrometheusRule per app with worker-aggregation rules, SLI error ratios over every alert
window, the error budget remaining over the SLO period, and multiwindow multi-burn-rate alerts (one per tier of
django_observability/settings/slo.py's `TIERS`, with the Google SRE workbook's factors).

Many apps' rules share one Prometheus: every expression selects one app's series (namespace and service), and every
recorded series and alert carries them, so no app's rule reads, overwrites or pages for another's.
"""
from decimal import Decimal

from django_observability.builders.params import AppIdentity, SloParams
from django_observability.settings.slo import TIERS, SloSpec

RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method"
WORKER_LABELS = ("pod", "instance", "endpoint")
"""What tells the per-worker series of one app apart; summed away so series stay stable as ports shift."""
FIVE_XX = ', status=~"5.."'
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def identity_labels(app: AppIdentity) -> dict[str, str]:
    """The labels that tell one app's series from another's on a shared Prometheus."""
    return {"namespace": app.namespace, "service": app.name}


def selector(labels: dict[str, str], extra: str = "") -> str:
    """Label matchers for exactly these labels, e.g. {namespace="app", service="app-django"}, plus `extra`."""
    return "{" + ", ".join(f'{name}="{value}"' for name, value in labels.items()) + extra + "}"


def app_selector(app: AppIdentity, extra: str = "") -> str:
    """The label matchers of one app's series, plus `extra`."""
    return selector(identity_labels(app), extra)


def plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def bucket_bound(seconds: float) -> str:
    """A histogram bucket bound as prometheus_client writes it in the `le` label: Python's float repr, so 1 is "1.0"
    and 0.5 is "0.5" (a selector on le="1" matches nothing)."""
    return repr(float(seconds))


def views_excluded(views: tuple[str, ...]) -> str:
    """Matchers that leave out these views, one `view!=` each (no regex to escape)."""
    return "".join(f', view!="{view}"' for view in views)


def aggregation_rules(app: AppIdentity) -> list[dict]:
    """Each worker's counters summed across workers: one stable series per app (and status, view, method, le)."""
    without = ", ".join(WORKER_LABELS)
    matchers = app_selector(app)
    return [
        {"record": "app:django_http_responses_total_by_status_view_method:rate5m",
         "expr": f"sum without ({without}) (rate({RESPONSES}{matchers}[5m]))"},
        {"record": "app:django_http_requests_latency_seconds_bucket:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_bucket{matchers}[5m]))"},
        {"record": "app:django_http_requests_total:rate5m",
         "expr": f"sum without ({without}) (rate({LATENCY}_count{matchers}[5m]))"},
    ]


def _error_ratio(app: AppIdentity, slo: SloSpec, window: str, excluded_views: tuple[str, ...]) -> str:
    by = "sum by (namespace, service)"
    users = views_excluded(excluded_views)
    if slo.sli == "availability":
        total = f"{by} (rate({RESPONSES}{app_selector(app, users)}[{window}]))"
        errors = f"{by} (rate({RESPONSES}{app_selector(app, users + FIVE_XX)}[{window}]))"
        # No 5xx series at all means no errors: `or … * 0` keeps the ratio at 0 rather than absent.
        return f"({errors} or {total} * 0) / {total}"
    le = f', le="{bucket_bound(slo.latency_threshold)}"'
    good = f"{by} (rate({LATENCY}_bucket{app_selector(app, users + le)}[{window}]))"
    total = f"{by} (rate({LATENCY}_count{app_selector(app, users)}[{window}]))"
    return f"1 - ({good} / {total})"


def slo_labels(params: SloParams, slo: SloSpec) -> dict[str, str]:
    """What every series recorded for `slo` and every alert of it carries: the app's identity and the SLO's name
    (and Sloth's labels, when asked for)."""
    labels = identity_labels(params.identity) | {"slo": slo.name}
    if params.sloth_labels:
        labels |= {"sloth_service": params.identity.name, "sloth_slo": slo.name,
                   "sloth_id": f"{params.identity.name}-{slo.name}"}
    return labels


def slo_series(params: SloParams, slo: SloSpec, record: str) -> str:
    """One recorded series of `slo`, selected by the app's identity and the SLO's name."""
    return record + selector(identity_labels(params.identity) | {"slo": slo.name})


def sli_rules(params: SloParams, slo: SloSpec) -> list[dict]:
    labels = slo_labels(params, slo)
    rules = [{"record": f"slo:sli_error:ratio_rate{window}",
              "expr": _error_ratio(params.identity, slo, window, params.excluded_views), "labels": labels}
             for window in (*WINDOWS, slo.period)]
    rules += [
        {"record": "slo:objective:ratio", "expr": plain_number(slo.objective / Decimal(100)), "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": plain_number(slo.error_budget), "labels": labels},
        {"record": "slo:error_budget_remaining:ratio", "labels": labels,
         "expr": f"1 - {slo_series(params, slo, f'slo:sli_error:ratio_rate{slo.period}')} / "
                 f"{plain_number(slo.error_budget)}"},
    ]
    return rules


def burn_rate_alerts(params: SloParams, slo: SloSpec) -> list[dict]:
    app = params.identity
    labels = {**slo.labels, **slo_labels(params, slo)}
    alerts = []
    for tier in TIERS:
        if not getattr(slo.alerts, tier.name):
            continue
        factor = tier.factor(slo.period)
        threshold = plain_number(factor * slo.error_budget)

        def burning(window: str) -> str:
            return f"{slo_series(params, slo, f'slo:sli_error:ratio_rate{window}')} > {threshold}"

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
            "labels": {**labels, "severity": severity, "tier": tier.name,
                       "long_window": tier.long, "short_window": tier.short},
            "annotations": annotations,
        })
    if slo.budget_unused_alert:
        alerts.append({
            "alert": "ErrorBudgetUnused",
            "expr": f"{slo_series(params, slo, 'slo:error_budget_remaining:ratio')} > 0.95",
            "for": "1d",
            "labels": {**labels, "severity": "info"},
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
        groups.append({"name": f"{app.name}-slo-{slo.name}", "rules": sli_rules(params, slo)})
        alerts = burn_rate_alerts(params, slo)
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
