"""django-observability: what `pulumi up` runs. Thin wiring: every part of django_observability/builders/parts.py that the stack has,
registered by the Pulumi layer in django_observability/components/."""
import gc

gc.disable()  # while importing; then freeze the imports out of the collector's sight, as render.py does and says why

import pulumi
import pulumi_kubernetes as k8s

from django_observability.builders.params import stack_params
from django_observability.builders.parts import stack_parts
from django_observability.components import docker_target
from django_observability.components.engine_settings import load_from_engine
from django_observability.components.part import register_part
from django_observability.settings.loader import Problem, SettingsError

gc.freeze()
gc.enable()

try:
    loaded = load_from_engine()
except SettingsError as error:
    # Raised before any resource exists; the engine prints the message without a traceback.
    raise pulumi.RunError(str(error)) from None

settings = loaded.settings
if settings.alertmanager.backend == "swarm" and (
        unreachable := docker_target.problem(settings.alertmanager.swarm.docker_host)):
    raise pulumi.RunError(str(Problem("alertmanager.swarm.dockerHost", settings.alertmanager.swarm.docker_host,
                                      f"{unreachable}; nothing was changed")))
everything = stack_params(loaded.stack, settings)
parts = stack_parts(everything)
if settings.render_yaml_to_directory:
    # Render mode writes files for review: no credential reaches them (django_observability/components/part.py).
    provider = k8s.Provider("kubernetes", render_yaml_to_directory=settings.render_yaml_to_directory)
    secrets = None
else:
    # The Kubernetes client, imported only when deploying (most of a second); the checks read the live cluster.
    from django_observability.components import kube_target
    from django_observability.components.resources import stack_name

    try:
        warnings = kube_target.before_deploying(settings, everything, parts, stack_name())
    except kube_target.Refused as refused:
        raise pulumi.RunError(str(refused)) from None
    for warning in warnings:
        pulumi.log.warn(warning)
    provider = k8s.Provider("kubernetes", context=settings.kube_context)
    secrets = loaded.secrets

namespace = None
for part, params in parts:
    after = [namespace] if part.in_app_namespace and namespace else []
    # Render mode covers the Kubernetes provider only: the Swarm backend always deploys, with the real credentials.
    credentials = loaded.secrets if part.backend == "swarm" else secrets
    resource = register_part(part, params, credentials, pulumi.ResourceOptions(provider=provider, depends_on=after))
    if part.component is None:
        namespace = resource
        continue
    for key, value in resource.exports.items():
        pulumi.export(key, value)
