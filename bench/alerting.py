"""The alert path with a real Alertmanager cluster of 1, 2 and 3 peers: notifications per alert (must be one) and
the time from posting an alert to every peer until the webhook has it, with all peers up and with one killed."""
import tempfile
import time
from pathlib import Path

from localrun.alertmanager_cluster import QUIET, Webhook, cluster, post_alert
from localrun.processes import wait_until

PEERS = (1, 2, 3)


def _deliver(webhook: Webhook, ports: list[int], alertname: str) -> tuple[int, float]:
    posted = time.monotonic()
    for port in ports:
        post_alert(port, alertname)
    wait_until(lambda: webhook.notifications[alertname] >= 1, f"a notification for {alertname}", 60)
    latency = webhook.first_seen[alertname] - posted
    time.sleep(QUIET)
    count = webhook.notifications[alertname]
    if count != 1:  # a duplicate or a lost notification is a failure of the cluster, not a slow result
        raise AssertionError(f"{alertname}: {count} notifications for one alert")
    return count, latency


def measure(replicas: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-am-") as tmp, Webhook() as webhook, \
            cluster(replicas, webhook, Path(tmp)) as peers:
        ports = [port for port, _ in peers.values()]
        result = {"all_up": _deliver(webhook, ports, "BenchAllUp")}
        if replicas > 1:
            first = next(iter(peers.values()))[1]
            first.kill()
            result["one_killed"] = _deliver(webhook, ports[1:], "BenchOneKilled")
        return result


def compare() -> list[tuple[int, dict]]:
    return [(replicas, measure(replicas)) for replicas in PEERS]
