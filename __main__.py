"""django-observability's own program, one consumer of the package: each stack file's apps as `DjangoApp`
components and its Alertmanager as an `AlertmanagerCluster`, on the stack's Kubernetes context (or rendered into a
directory for review)."""
import gc

gc.disable()  # while importing; then freeze the imports out of the collector's sight, as the render does and says why

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_camel

from django_observability import AlertmanagerCluster, DjangoApp
from django_observability.builders.params import stack_params
from django_observability.components import docker_target
from django_observability.components.engine_settings import load_from_engine
from django_observability.settings.loader import Problem, SettingsError
from django_observability.settings.shared import PlatformSettings, SharedSettings

gc.freeze()
gc.enable()

try:
    loaded = load_from_engine()
except SettingsError as error:
    # Raised before any resource exists; the engine prints the message without a traceback.
    raise pulumi.RunError(str(error)) from None

settings = loaded.settings
review = bool(settings.render_yaml_to_directory)
if settings.alertmanager.backend == "swarm" and (
        unreachable := docker_target.problem(settings.alertmanager.swarm.docker_host)):
    raise pulumi.RunError(str(Problem("alertmanager.swarm.dockerHost", settings.alertmanager.swarm.docker_host,
                                      f"{unreachable}; nothing was changed")))
if review:
    # Render mode writes files for review: no credential reaches them (components/alertmanager.py).
    provider = k8s.Provider("kubernetes", render_yaml_to_directory=settings.render_yaml_to_directory)
else:
    # The Kubernetes client, imported only when deploying (most of a second); the checks read the live cluster:
    # whether it answers, whether an object the stack would create exists and is not the stack's, what the target
    # Prometheus' selectors, discovery rights and retention say of the apps.
    from django_observability.components import kube_target
    from django_observability.components.resources import stack_name

    try:
        warnings = kube_target.before_deploying(settings, stack_params(loaded.stack, settings), stack_name())
    except kube_target.Refused as refused:
        raise pulumi.RunError(str(refused)) from None
    for warning in warnings:
        pulumi.log.warn(warning)
    provider = k8s.Provider("kubernetes", context=settings.kube_context)


def _shared(model: type) -> dict:
    return settings.model_dump(include=set(model.model_fields), exclude_unset=True)


opts = pulumi.ResourceOptions(provider=provider)
# Render mode covers the Kubernetes provider only: the Swarm backend always deploys, with the real credentials.
alertmanager = AlertmanagerCluster(
    settings.alertmanager.resource_name(loaded.stack),
    {**_shared(PlatformSettings), **settings.alertmanager.model_dump(exclude_unset=True),
     "apps": [{"namespace": app.namespace, "app_name": app.app_name} for app in settings.apps],
     "credentials": loaded.secrets}, opts, review=review and settings.alertmanager.backend == "kubernetes")
creators: dict[str, DjangoApp] = {}
outputs = {}
for app in settings.apps:
    after = [creators[app.namespace]] if app.namespace in creators else []
    component = DjangoApp(app.app_name, {**_shared(SharedSettings), **app.model_dump(exclude_unset=True)},
                          pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=after)))
    if app.create_namespace:
        creators[app.namespace] = component
    outputs[app.app_name] = {to_camel(key): getattr(component, key) for key in DjangoApp.__annotations__}
pulumi.export("apps", outputs)
pulumi.export("alertmanager", {to_camel(key): getattr(alertmanager, key)
                               for key in AlertmanagerCluster.__annotations__})
