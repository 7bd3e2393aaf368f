"""SLO specs: what each app promises, over which period, measured by which SLI, and which burn-rate alerts."""
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, Field, create_model, field_validator, model_validator
from pydantic.alias_generators import to_camel

from django_observability.settings.durations import parse_duration
from django_observability.settings.model import Exact, Model, PrometheusLabels, Real, Text
from django_observability.settings.rules import matching

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 25.0, 50.0, 75.0)
"""The `le` boundaries of django-prometheus' request latency histogram: a latency SLI counts requests at or under
one of them, so its threshold must be one."""
PERIODS = {"30d": 30, "28d": 28}
EXCLUDED_VIEWS = ("health", "ready", "prometheus-django-metrics")
"""Views no SLI counts: the probes' views (the reference app's URL names for /health/ and /ready/) and
django-prometheus' own metrics view. Their traffic is not users' traffic: counted, it dilutes the error ratio."""
ViewName = matching(r'[^"\\\n]+', "must be a Django view name (the `view` label): no quote, backslash or newline")
ALERT_LABELS = ("slo", "severity", "tier", "long_window", "short_window")
"""The labels the rules set on every alert themselves."""


class Tier(NamedTuple):
    """A multiwindow burn-rate alert: it fires when `budget_percent` of the period's error budget burns within the
    long window, and the short window still burns at that rate."""

    name: str
    kind: Literal["page", "ticket"]
    long: str
    short: str
    budget_percent: Decimal

    def factor(self, period: str) -> Decimal:
        """The Google SRE workbook's burn-rate factor, budget consumed × period / long window, in exact decimals:
        14.4, 6, 3 and 1 for 30d; 13.44, 5.6, 2.8 and 0.9333 for 28d."""
        hours = Decimal(PERIODS[period] * 24)
        long_hours = parse_duration(self.long) / Decimal(3600)
        return (self.budget_percent * hours / Decimal(100) / long_hours).quantize(Decimal("0.0001"), ROUND_HALF_EVEN).normalize()

    def describe(self) -> str:
        return (f"{self.kind.capitalize()} when {self.budget_percent}% of the budget burns within {self.long} "
                f"({self.long} and {self.short} windows; factor {self.factor('30d')} for 30d).")


TIERS = (
    Tier("page_fast", "page", "1h", "5m", Decimal(2)),
    Tier("page_slow", "page", "6h", "30m", Decimal(5)),
    Tier("ticket_fast", "ticket", "1d", "2h", Decimal(10)),
    Tier("ticket_slow", "ticket", "3d", "6h", Decimal(10)),
)
"""The burn-rate tiers, the one table the settings (`alerts.pageFast` …), the rules and the tests read."""

BurnRateTiers = create_model(
    "BurnRateTiers", __base__=Model,
    __doc__="The multiwindow, multi-burn-rate alerts of the Google SRE workbook; each can be switched off on its own.",
    **{tier.name: (bool, Field(True, description=tier.describe())) for tier in TIERS})


def _own_labels(labels: dict[str, str]) -> dict[str, str]:
    taken = sorted(set(labels) & set(ALERT_LABELS))
    if taken:
        raise ValueError(f"must not set {', '.join(taken)}: the rules set {', '.join(ALERT_LABELS)} on every alert "
                         "themselves (the severities through pageSeverity and ticketSeverity)")
    return labels



class SloSpec(Model):
    """A service level objective of the app, and its burn-rate alerts."""

    name: matching(r"[a-z][a-z0-9-]{0,39}", "must be 1-40 characters of a-z, 0-9 and '-', starting with a letter")
    """Name of the SLO (lowercase letters, digits, '-'), the `slo` label of its rules."""
    objective: Exact
    """Target in percent, strictly between 0 and 100 (99.9 leaves an error budget of 0.1%)."""
    period: str = "30d"
    """The SLO period: 30d or 28d."""
    sli: Literal["availability", "latency"] = "availability"
    """availability: share of responses that are not 5xx. latency: share of requests at or under latencyThreshold."""
    latency_threshold: Real | None = None
    """Seconds, for a latency SLI: one of the latency histogram's bucket boundaries."""
    alerts: BurnRateTiers = BurnRateTiers()
    """Which burn-rate tiers alert."""
    page_severity: Text = "critical"
    """`severity` label of the page tiers."""
    ticket_severity: Text = "warning"
    """`severity` label of the ticket tiers."""
    runbook_url: str | None = None
    """`runbook_url` annotation of every alert."""
    labels: Annotated[PrometheusLabels, AfterValidator(_own_labels)] = {}
    """Further labels on every alert (e.g. team)."""
    budget_unused_alert: bool = False
    """A low-severity ticket when almost none of the budget is used over the period (the SLO is stricter than
    reality and dependants may come to rely on it)."""

    @field_validator("objective")
    @classmethod
    def _objective_between_0_and_100(cls, value: Decimal) -> Decimal:
        if not Decimal(0) < value < Decimal(100):
            raise ValueError("must be a percentage strictly between 0 and 100, such as 99.9")
        return value

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str) -> str:
        if value not in PERIODS:
            raise ValueError(f"must be one of the SLO periods {', '.join(PERIODS)}")
        return value

    @model_validator(mode="after")
    def _latency_needs_threshold(self):
        if self.sli == "latency":
            if self.latency_threshold is None:
                raise ValueError("a latency SLI needs latencyThreshold (seconds)")
            if self.latency_threshold not in LATENCY_BUCKETS:
                raise ValueError(f"latencyThreshold {self.latency_threshold} must be a latency histogram bucket "
                                 f"boundary: {', '.join(f'{b:g}' for b in LATENCY_BUCKETS)}")
        elif self.latency_threshold is not None:
            raise ValueError("latencyThreshold belongs to a latency SLI")
        return self

    @model_validator(mode="after")
    def _every_tier_can_fire(self):
        """A tier alerts when the error ratio exceeds factor × error budget; a ratio never exceeds 1, so a tier
        whose threshold is 1 or more can never fire."""
        dead = [(tier, tier.factor(self.period) * self.error_budget) for tier in TIERS
                if getattr(self.alerts, tier.name) and tier.factor(self.period) * self.error_budget >= 1]
        if dead:
            listed = ", ".join(f"{tier.name} (threshold {threshold.normalize():f})" for tier, threshold in dead)
            switches = ", ".join(f"alerts.{to_camel(tier.name)}: false" for tier, _ in dead)
            raise ValueError(f"objective {self.objective} leaves an error budget of {100 - self.objective}%, so the "
                             f"burn-rate tiers {listed} can never fire: an error ratio never exceeds 1. Raise the "
                             f"objective, or switch them off with {switches}")
        return self

    @property
    def error_budget(self) -> Decimal:
        """The allowed error ratio, exactly (99.9 → 0.001)."""
        return (Decimal(100) - self.objective) / Decimal(100)
