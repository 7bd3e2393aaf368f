"""django-observability: what `pulumi up` runs. Thin wiring; every object comes from the builders in components/."""
import pulumi
import pulumi_docker as docker
import pulumi_kubernetes as k8s

from components.alertmanager.kubernetes import KubernetesAlertmanager
from components.alertmanager.routing import placeholder
from components.alertmanager.swarm import SwarmAlertmanager, docker_host_problem
from components.dashboard import Dashboard
from components.django_app import DjangoApp
from components.manifest import namespace_object
from components.resources import register
from components.service_monitor import ServiceMonitor
from components.slo import SloRules
from stacks.loader import Problem, SettingsError, load_from_engine

try:
    loaded = load_from_engine()
except SettingsError as error:
    # Raised before any resource exists; the engine prints the message without a traceback.
    raise pulumi.RunError(str(error)) from None

settings, stack = loaded.settings, loaded.stack
if settings.alertmanager.backend == "swarm":
    unreachable = docker_host_problem(settings.alertmanager.swarm.docker_host)
    if unreachable:
        key, value = "alertmanager.swarm.dockerHost", settings.alertmanager.swarm.docker_host
        raise pulumi.RunError(f"{Problem(key, value, unreachable)}; nothing was changed")
if settings.render_yaml_to_directory:
    # Render mode writes files for review, so credentials stay placeholders there, as in the offline render.
    provider = k8s.Provider("kubernetes", render_yaml_to_directory=settings.render_yaml_to_directory)
    secrets = {key: placeholder(key) for key in loaded.secrets}
else:
    provider = k8s.Provider("kubernetes", context=settings.kube_context)
    secrets = loaded.secrets

namespace_spec = namespace_object(loaded)
namespace = register(namespace_spec, pulumi.ResourceOptions(provider=provider)) if namespace_spec else None
in_namespace = pulumi.ResourceOptions(provider=provider, depends_on=[namespace] if namespace else [])

app = DjangoApp(settings.app_name, settings, stack, opts=in_namespace)
monitor = ServiceMonitor(settings.app_name, settings, stack, opts=in_namespace)
SloRules(settings.app_name, settings, stack, opts=in_namespace)
Dashboard(settings.app_name, settings, stack, opts=in_namespace)

alertmanager = settings.alertmanager
if alertmanager.backend == "kubernetes":
    cluster = KubernetesAlertmanager(alertmanager.name, alertmanager, settings.part_of, settings.prometheus_namespace,
                                     dict(settings.prometheus_pod_labels), secrets,
                                     opts=pulumi.ResourceOptions(provider=provider))
    pulumi.export("alertmanagerPrometheusAlerting", cluster.prometheus_alerting)
else:
    # Render mode covers the Kubernetes provider only: the Swarm backend always deploys, with the real credentials.
    swarm = docker.Provider("swarm", host=alertmanager.swarm.docker_host)
    cluster = SwarmAlertmanager(alertmanager.name, alertmanager, loaded.secrets,
                                opts=pulumi.ResourceOptions(provider=swarm))
    pulumi.export("alertmanagerServices", [service.name for service in cluster.services])

pulumi.export("namespace", settings.namespace)
pulumi.export("serviceName", app.service_name)
pulumi.export("metricsPorts", app.metrics_ports)
pulumi.export("serviceMonitorName", monitor.name)
