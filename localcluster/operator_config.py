"""The scrape jobs prometheus-operator itself generates for a ServiceMonitor: the oracle that loopback runs scrape
with, instead of a copy of the operator's logic.

The ServiceMonitor is applied to a scratch namespace of the local cluster, labelled for the cluster's Prometheus (localcluster/monitoring.py);
its jobs are read back from the operator's generated Secret (`prometheus-<name>`, `prometheus.yaml.gz`) and the
ServiceMonitor is deleted again.
"""
import base64
import copy
import gzip
import json
import uuid

import yaml

from localcluster.addons import apply, kubectl
from localcluster import monitoring
from localcluster.layout import PROMETHEUS_NAMESPACE
from localcluster.progress import wait_until

SCRATCH_NAMESPACE = "operator-oracle"


def generated_config(binaries: dict) -> dict:
    secret = json.loads(kubectl(binaries, "get", "secret", "-n", PROMETHEUS_NAMESPACE,
                                f"prometheus-{monitoring.current().prometheus}", "-o", "json").stdout)
    return yaml.safe_load(gzip.decompress(base64.b64decode(secret["data"]["prometheus.yaml.gz"])))


def jobs_for(binaries: dict, service_monitor: dict, timeout: float = 180) -> list[dict]:
    """The operator's jobs for `service_monitor` (one per endpoint, in endpoint order)."""
    monitor = copy.deepcopy(service_monitor)
    name = f"oracle-{uuid.uuid4().hex[:8]}"
    monitor["metadata"] = {"name": name, "namespace": SCRATCH_NAMESPACE,
                           "labels": {**monitor["metadata"].get("labels", {}), **monitoring.current().selected_labels}}
    apply(binaries, yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": SCRATCH_NAMESPACE}}))
    apply(binaries, yaml.safe_dump(monitor))
    prefix = f"serviceMonitor/{SCRATCH_NAMESPACE}/{name}/"
    found: list[dict] = []

    def generated() -> bool:
        nonlocal found
        found = [job for job in generated_config(binaries).get("scrape_configs", [])
                 if job["job_name"].startswith(prefix)]
        return len(found) == len(monitor["spec"]["endpoints"])

    try:
        wait_until(generated, f"the operator to generate jobs for {name}", timeout=timeout, interval=1)
    finally:
        kubectl(binaries, "delete", "servicemonitor", "-n", SCRATCH_NAMESPACE, name, "--wait=false", check=False)
    return sorted(found, key=lambda job: int(job["job_name"].rsplit("/", 1)[1]))
