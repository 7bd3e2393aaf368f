"""Turns Component rows into gauges at every scrape.

One metric family per quantity with the component as a label (rather than one metric name per component), so
that a new component is a new series, not a new metric name.
"""
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

GAUGES = {
    "last_start": "Last start of the component's service window (unix seconds)",
    "last_end": "Last end of the component's service window (unix seconds)",
    "next_start": "Next start of the component's service window (unix seconds)",
    "next_end": "Next end of the component's service window (unix seconds)",
}


def _families() -> tuple[dict[str, GaugeMetricFamily], GaugeMetricFamily]:
    families = {key: GaugeMetricFamily(f"service_window_{key}", doc, labels=["component", "team"])
                for key, doc in GAUGES.items()}
    in_window = GaugeMetricFamily("service_window_in_window", "1 while the component is in a service window",
                                  labels=["component", "team"])
    return families, in_window


class ServiceWindowCollector:
    def describe(self):
        """The metric names, without a query: the registry calls this (not collect) when the collector is registered."""
        families, in_window = _families()
        yield from families.values()
        yield in_window

    def collect(self):
        from shop.models import Component

        moment = timezone.now()
        families, in_window = _families()
        for component in Component.objects.order_by("name"):
            labels = [component.name, component.team]
            for key, family in families.items():
                family.add_metric(labels, getattr(component, key).timestamp())
            in_window.add_metric(labels, 1.0 if component.in_window(moment) else 0.0)
        yield from families.values()
        yield in_window
