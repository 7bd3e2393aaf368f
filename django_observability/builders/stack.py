"""What a stack is made of: for each app its namespace (when it creates it), workload, ServiceMonitor, SLO rules and
dashboard; and the Alertmanager cluster the apps share.

The components (`DjangoApp`, `AlertmanagerCluster`), the offline render and the tests, the policy pack's among
them, build from these functions and nothing else, so what is rendered and what is deployed cannot drift apart.
"""
from typing import Any

from django_observability.builders.alertmanager.config import config_text
from django_observability.builders.alertmanager.kubernetes import (build_kubernetes_alertmanager,
                                                                  platform_alert_relabelings, prometheus_alerting)
from django_observability.builders.alertmanager.swarm import build_swarm_plan, prometheus_alerting_swarm
from django_observability.builders.dashboard import build_dashboard_config_map
from django_observability.builders.django_app import build_django_app, metrics_ports
from django_observability.builders.namespace import build_namespace
from django_observability.builders.params import AlertmanagerParams, DjangoAppParams, StackParams
from django_observability.builders.service_monitor import build_monitoring, build_scrape_jobs
from django_observability.builders.slo import build_prometheus_rule


def app_objects(app: DjangoAppParams) -> list[dict]:
    """One app's Kubernetes objects, its namespace first (every other object lives in it)."""
    namespace = [build_namespace(app.namespace)] if app.namespace is not None else []
    return [*namespace, *build_django_app(app.app), *build_monitoring(app.monitoring),
            build_prometheus_rule(app.slo), build_dashboard_config_map(app.slo)]


def _one(objects: list[dict], kind: str) -> dict:
    [found] = [obj for obj in objects if obj["kind"] == kind]
    return found


def app_outputs(objects: list[dict]) -> dict[str, Any]:
    """What a caller wires onward from an app, read from its objects (as built, or as the engine returned them):
    where its Service is, its ports, how many targets Prometheus scrapes, and the names of its monitoring objects."""
    deployment, service = _one(objects, "Deployment"), _one(objects, "Service")
    ports = metrics_ports(deployment)
    [http] = [port["port"] for port in service["spec"]["ports"] if port["name"] == "http"]
    return {
        "namespace": deployment["metadata"]["namespace"],
        "service_name": service["metadata"]["name"],
        "service_port": http,
        "metrics_ports": ports,
        "scrape_targets": deployment["spec"]["replicas"] * len(ports),
        "service_monitor_name": _one(objects, "ServiceMonitor")["metadata"]["name"],
        "prometheus_rule_name": _one(objects, "PrometheusRule")["metadata"]["name"],
        "dashboard_name": _one(objects, "ConfigMap")["metadata"]["name"],
    }


def alertmanager_objects(params: AlertmanagerParams) -> list[dict]:
    """The Alertmanager's Kubernetes objects; none for the Swarm backend, whose services are Docker resources."""
    return build_kubernetes_alertmanager(params) if params.settings.backend == "kubernetes" else []


def alertmanager_outputs(objects: list[dict]) -> dict[str, Any]:
    """What a Prometheus needs to send the apps' alerts to every peer of a Kubernetes Alertmanager, and what a
    platform adds to its own Alertmanager's entry so that those alerts are notified by ours alone."""
    return {"prometheus_alerting": prometheus_alerting(objects),
            "platform_alert_relabelings": platform_alert_relabelings(objects)}


def alertmanager_files(params: AlertmanagerParams) -> dict[str, Any]:
    """The offline render's files beyond one per object: the Alertmanager config, and for Swarm its plan and the
    prometheus.yml alerting block."""
    files: dict[str, Any] = {"alertmanager/alertmanager.yml": config_text(params.settings.routing, params.secrets)}
    if params.settings.backend == "swarm":
        files |= {"swarm/alertmanager-plan.yaml": build_swarm_plan(params),
                  "prometheus/alerting-swarm.yml": {"alerting": prometheus_alerting_swarm()}}
    return files


def stack_objects(params: StackParams) -> list[dict]:
    """Every Kubernetes object of the stack, as plain dicts: each app's, then the Alertmanager's."""
    return [obj for app in params.apps for obj in app_objects(app)] + alertmanager_objects(params.alertmanager)


def stack_files(params: StackParams) -> dict[str, Any]:
    """The offline render's files beyond one per object: every app's scrape jobs as prometheus.yml `scrape_configs`,
    for a Prometheus without prometheus-operator, and the Alertmanager's files."""
    jobs = [job for app in params.apps for job in build_scrape_jobs(app.monitoring)]
    return {"prometheus/scrape-configs.yml": {"scrape_configs": jobs}} | alertmanager_files(params.alertmanager)
