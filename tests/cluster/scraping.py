"""What the operator's Prometheus sees of a stack's app: its targets, and the counters summed across them."""
import urllib.request

from tests.cluster.kube import pods, prometheus_api, query, wait

INDEX_REQUESTS = 'django_http_requests_total_by_view_transport_method_total{{namespace="{ns}",view="index"}}'


def app_pods(settings) -> list[dict]:
    return pods(settings.namespace, f"app.kubernetes.io/name={settings.app_name}")


def targets(settings) -> list[dict]:
    active = prometheus_api("targets", state="active")["activeTargets"]
    return [t for t in active if t["labels"].get("namespace") == settings.namespace
            and t["labels"].get("service") == settings.app_name]


def wait_for_targets(settings, expected: int, timeout: float = 240) -> list[dict]:
    def all_up():
        found = targets(settings)
        return found if len(found) == expected and all(t["health"] == "up" for t in found) else None
    return wait(f"{expected} app targets up", all_up, timeout)


def index_requests_total(settings) -> float:
    result = query(f"sum({INDEX_REQUESTS.format(ns=settings.namespace)})")
    return float(result[0]["value"][1]) if result else 0.0


def per_target(metric: str, settings) -> dict[str, float]:
    """`metric` per target (pod and endpoint), as last scraped."""
    result = query(f'{metric}{{namespace="{settings.namespace}",service="{settings.app_name}"}}')
    values: dict[str, float] = {}
    for sample in result:
        key = f"{sample['metric']['pod']}/{sample['metric']['endpoint']}"
        values[key] = values.get(key, 0.0) + float(sample["value"][1])
    return values


def send_requests(pod_ips: list[str], port: int, count: int) -> None:
    for i in range(count):
        with urllib.request.urlopen(f"http://{pod_ips[i % len(pod_ips)]}:{port}/", timeout=10) as response:
            assert response.status == 200
