"""Where to look once a stack runs on the local cluster: Prometheus' targets (every worker port its own target),
the Alertmanager's status, and kubectl with the cluster's kubeconfig."""
import json
import urllib.request

from localcluster import monitoring
from localcluster.addons import kubectl
from localcluster.cluster import binaries
from localcluster.layout import KUBECONFIG, PROMETHEUS_NAMESPACE, ROOT
from localcluster.progress import wait_until


def prometheus_url() -> str:
    ip = kubectl(binaries(), "-n", PROMETHEUS_NAMESPACE, "get", "pods", "-l",
                 f"prometheus={monitoring.current().prometheus}",
                 "-o", "jsonpath={.items[0].status.podIP}").stdout.strip()
    return f"http://{ip}:9090"


def active_targets(namespace: str, service: str) -> list[dict]:
    """Prometheus' active targets of one app (its Service in its namespace)."""
    with urllib.request.urlopen(f"{prometheus_url()}/api/v1/targets?state=active", timeout=5) as response:
        targets = json.load(response)["data"]["activeTargets"]
    return [t for t in targets if t["labels"].get("namespace") == namespace and t["labels"].get("service") == service]


def wait_until_scraped(namespace: str, service: str, expected: int, timeout: float = 300) -> list[dict]:
    """Bounded wait for `expected` targets of one app, all up (the config reloader follows the operator's
    generated Secret within a kubelet sync)."""
    found: list[dict] = []

    def ready() -> bool:
        nonlocal found
        found = active_targets(namespace, service)
        return len(found) == expected and all(t["health"] == "up" for t in found)

    wait_until(ready, f"{expected} targets of {namespace}/{service} up", timeout=timeout, interval=3)
    return found


def describe(alertmanager_namespace: str, alertmanager_name: str) -> str:
    kubeconfig = KUBECONFIG.relative_to(ROOT)
    url = prometheus_url()
    return "\n".join([
        f"Prometheus targets:  curl -s '{url}/api/v1/targets?state=active'   (the binary serves the API, not the web UI)",
        f"Prometheus alerts:   curl -s '{url}/api/v1/alerts'",
        f"Alertmanager status: KUBECONFIG={kubeconfig} kubectl -n {alertmanager_namespace} port-forward "
        f"svc/alertmanager-{alertmanager_name} 9093  then  curl -s http://127.0.0.1:9093/api/v2/status",
        f"kubectl:             export KUBECONFIG={kubeconfig}; kubectl get pods -A -o wide",
        "Stop everything:     make cluster-down",
    ])
