"""The Prometheus scrape configuration prometheus-operator generates from a ServiceMonitor.

One job per endpoint (`serviceMonitor/<namespace>/<name>/<index>`), Kubernetes endpoints discovery, the operator's
own relabelings (select the Service by its labels, keep the endpoint's named port, add namespace/service/pod/
container/job/endpoint), then the endpoint's `relabelings`. `promtool check config` validates it, and the
end-to-end run scrapes real workers with it: there, discovery is replaced by static targets that carry the same
`__meta_kubernetes_*` labels Kubernetes discovery would, so every relabel step runs for real.

A hand translation of the operator's behaviour, used only by the local runtime and the validators.
"""
import re

from builders.relabel import from_operator, to_prometheus
from stacks.relabel import RelabelConfig

_META = "__meta_kubernetes_"


def _sanitize(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def _operator_relabelings(monitor: dict, port_name: str) -> list[RelabelConfig]:
    steps = [RelabelConfig(source_labels=("job",), target_label="__tmp_prometheus_job_name")]
    for key, value in monitor["spec"]["selector"]["matchLabels"].items():
        steps.append(RelabelConfig(action="keep", regex=f"({re.escape(value)});true", source_labels=(
            f"{_META}service_label_{_sanitize(key)}", f"{_META}service_labelpresent_{_sanitize(key)}")))
    steps.append(RelabelConfig(action="keep", source_labels=(f"{_META}endpoint_port_name",), regex=port_name))
    for kind in ("Node", "Pod"):
        steps.append(RelabelConfig(source_labels=(f"{_META}endpoint_address_target_kind",
                                                  f"{_META}endpoint_address_target_name"),
                                   regex=f"{kind};(.*)", replacement="${1}", target_label=kind.lower()))
    for meta, label in (("namespace", "namespace"), ("service_name", "service"), ("pod_name", "pod"),
                        ("pod_container_name", "container"), ("service_name", "job")):
        steps.append(RelabelConfig(source_labels=(f"{_META}{meta}",), target_label=label))
    steps.append(RelabelConfig(target_label="endpoint", replacement=port_name))
    return steps


def scrape_configs(monitor: dict, discovery: dict) -> list[dict]:
    """prometheus.yml `scrape_configs` for `monitor`; `discovery` is the service discovery block of every job."""
    namespace, name = monitor["metadata"]["namespace"], monitor["metadata"]["name"]
    jobs = []
    for index, endpoint in enumerate(monitor["spec"]["endpoints"]):
        steps = _operator_relabelings(monitor, endpoint["port"])
        steps += [from_operator(entry) for entry in endpoint.get("relabelings", [])]
        job = {
            "job_name": f"serviceMonitor/{namespace}/{name}/{index}",
            "honor_labels": False,
            "scrape_interval": endpoint["interval"],
            "scrape_timeout": endpoint["scrapeTimeout"],
            "metrics_path": endpoint["path"],
            **discovery,
            "relabel_configs": [to_prometheus(step) for step in steps],
        }
        if endpoint.get("metricRelabelings"):
            job["metric_relabel_configs"] = [to_prometheus(from_operator(entry))
                                             for entry in endpoint["metricRelabelings"]]
        jobs.append(job)
    return jobs


def kubernetes_discovery(monitor: dict) -> dict:
    return {"kubernetes_sd_configs": [{"role": "endpoints",
                                       "namespaces": {"names": monitor["spec"]["namespaceSelector"]["matchNames"]}}]}


def local_discovery(service: dict, deployment: dict, pod_name: str, host: str = "127.0.0.1") -> dict:
    """What endpoints discovery would find for one pod of `deployment` behind `service`, with the pod's container
    ports reached on `host`: one target per Service port, labelled as Kubernetes labels it."""
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
            f"{_META}endpoint_address_target_kind": "Pod",
            f"{_META}endpoint_address_target_name": pod_name,
            f"{_META}pod_name": pod_name,
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
