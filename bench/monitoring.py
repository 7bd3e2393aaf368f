"""Monitoring cost with real Prometheus and the reference app: series and scrape time per scrape for 1-16 workers,
one port per worker against multiprocess, and the series left after the aggregation rules."""
import time

from django_observability.builders.params import stack_params
from localcluster.cluster import running as cluster_running
from django_observability.builders.slo import aggregation_rules
from localrun.processes import wait_until
from localrun.reference_app import REQUEST_COUNTER, running, send_requests

WORKERS = (1, 2, 4, 8, 16)
REQUESTS = 90


def _aggregation(stack: str):
    """The aggregation rules of the app, for the Prometheus the run starts."""
    return lambda settings: [{"name": "aggregation",
                              "rules": aggregation_rules(stack_params(stack, settings).apps[0].app.identity)}]


def measure(stack: str, mode: str, workers: int) -> dict:
    with running(stack, mode, report=lambda line: None, workers=workers, rules=_aggregation(stack)) as live:
        prometheus, name = live.prometheus, live.name
        send_requests(live.settings.http_port, REQUESTS)
        wait_until(lambda: prometheus.scalar(f'sum({REQUEST_COUNTER}{{service="{name}"}})') == REQUESTS,
                   "every request scraped", 60)
        time.sleep(3)  # a few scrapes and rule evaluations with every series present
        return {
            "targets": len(live.ports),
            "samples_per_scrape": prometheus.scalar(f'sum(scrape_samples_scraped{{service="{name}"}})'),
            "scrape_seconds": prometheus.scalar(f'sum(avg_over_time(scrape_duration_seconds{{service="{name}"}}[3s]))'),
            "raw_series": prometheus.scalar(f'count({{service="{name}", __name__=~"django_http_.+"}})'),
            "aggregated_series": prometheus.scalar('count({__name__=~"app:.+"})'),
        }


def compare(stack: str) -> list[tuple[int, dict, dict]]:
    """Scrape jobs come from prometheus-operator on the local cluster, started for the run if it does not run."""
    with cluster_running():
        return [(workers, measure(stack, "per-worker-ports", workers), measure(stack, "multiprocess", workers))
                for workers in WORKERS]
