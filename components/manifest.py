"""Everything one stack produces, as plain objects: what the offline render writes and what tests, validators and
the end-to-end run read. `__main__.py` registers the same builders' output through the components."""
from components.alertmanager.kubernetes import build_kubernetes_alertmanager
from components.alertmanager.swarm import build_swarm_plan, prometheus_alerting_swarm
from components.dashboard import build_dashboard_config_map
from components.django_app import build_django_app
from components.namespace import build_namespace
from components.service_monitor import build_service_monitor
from components.slo import build_prometheus_rule
from stacks.loader import LoadedStack


def namespace_object(loaded: LoadedStack) -> dict | None:
    settings = loaded.settings
    if not settings.create_namespace:
        return None
    return build_namespace(settings.namespace, {"app.kubernetes.io/part-of": settings.part_of})


def kubernetes_objects(loaded: LoadedStack) -> list[dict]:
    settings, stack = loaded.settings, loaded.stack
    objects = [namespace_object(loaded), *build_django_app(settings, stack), build_service_monitor(settings, stack),
               build_prometheus_rule(settings, stack), build_dashboard_config_map(settings, stack)]
    if settings.alertmanager.backend == "kubernetes":
        objects += build_kubernetes_alertmanager(settings.alertmanager, settings.part_of, settings.prometheus_namespace,
                                                 dict(settings.prometheus_pod_labels), loaded.secrets)
    return [obj for obj in objects if obj is not None]


def swarm_files(loaded: LoadedStack) -> dict[str, dict]:
    """The Swarm plan and the Prometheus `alerting` block that finds its peers, when the stack selects Swarm."""
    alertmanager = loaded.settings.alertmanager
    if alertmanager.backend != "swarm":
        return {}
    return {"swarm/alertmanager-plan.yaml": build_swarm_plan(alertmanager, loaded.secrets),
            "prometheus/alerting-swarm.yml": {"alerting": prometheus_alerting_swarm()}}
