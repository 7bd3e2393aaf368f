"""The scrape configuration of a loopback run, taken from prometheus-operator itself.

The jobs are what the real operator generates for the stack's ServiceMonitor on the local cluster
(`localcluster/operator_config.py`): its relabelings, its pod-phase drop and its shard filter, unchanged. Two
things stand in for the cluster: `$(SHARD)` is expanded as the config reloader expands it (shard 0 of 1), and
Kubernetes endpoints discovery is replaced by static targets that carry the `__meta_kubernetes_*` labels it would
attach, one per Service port of a pod on 127.0.0.1, so every relabel step of the operator runs for real.
"""
import re

_META = "__meta_kubernetes_"


def _sanitize(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def local_jobs(operator_jobs: list[dict], discovery: dict) -> list[dict]:
    """The operator's jobs with `discovery` in place of their Kubernetes discovery, and shard 0 filled in."""
    jobs = []
    for job in operator_jobs:
        local = {key: value for key, value in job.items() if key != "kubernetes_sd_configs"} | discovery
        for step in local.get("relabel_configs", []):
            if "regex" in step:
                step["regex"] = step["regex"].replace("$(SHARD)", "0")
        jobs.append(local)
    return jobs


def local_discovery(service: dict, deployment: dict, pod_name: str, host: str = "127.0.0.1") -> dict:
    """What endpoints discovery would find for one running, ready pod of `deployment` behind `service`, with the
    pod's container ports reached on `host`: one target per Service port, labelled as Kubernetes labels it."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    container_ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    service_labels = {}
    for key, value in service["metadata"]["labels"].items():
        service_labels[f"{_META}service_label_{_sanitize(key)}"] = value
        service_labels[f"{_META}service_labelpresent_{_sanitize(key)}"] = "true"
    targets = []
    for port in service["spec"]["ports"]:
        targets.append({"targets": [f"{host}:{container_ports[port['targetPort']]}"], "labels": {
            f"{_META}namespace": service["metadata"]["namespace"],
            f"{_META}service_name": service["metadata"]["name"],
            f"{_META}endpoint_port_name": port["name"],
            f"{_META}endpoint_ready": "true",
            f"{_META}endpoint_address_target_kind": "Pod",
            f"{_META}endpoint_address_target_name": pod_name,
            f"{_META}pod_name": pod_name,
            f"{_META}pod_phase": "Running",
            f"{_META}pod_container_name": container["name"],
            **service_labels,
        }})
    return {"static_configs": targets}


def prometheus_config(jobs: list[dict], alerting: dict | None = None, rule_files: list[str] | None = None) -> dict:
    config = {"global": {"scrape_interval": "15s", "evaluation_interval": "15s"}, "scrape_configs": jobs}
    if rule_files:
        config["rule_files"] = rule_files
    if alerting:
        config["alerting"] = alerting
    return config
