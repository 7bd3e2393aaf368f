"""A stack's settings: where it deploys, its apps, and the Alertmanager cluster they share.

`Pulumi.<stack>.yaml` holds only what differs from the defaults. A stack of one app writes that app's settings at
the top level (`webConcurrency: 5`); a stack of several lists them under `apps:`, each an `AppSettings`
(settings/app.py). Field names are snake_case here and camelCase in the stack files (`kube_context` ↔
`django-observability:kubeContext`).
"""
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from django_observability.settings.alertmanager import NAME_LENGTH, AlertmanagerSettings
from django_observability.settings.app import AppSettings
from django_observability.settings.model import Text, raise_problems, stack_name
from django_observability.settings.shared import SharedSettings


class StackSettings(SharedSettings):
    # Where it goes
    kube_context: Text
    """The kubeconfig context `pulumi up` deploys to."""
    render_yaml_to_directory: Annotated[str | None, BeforeValidator(lambda value: value or None)] = None
    """When set, nothing is deployed: the Kubernetes provider writes the manifests into this directory and
    kubeContext is not used. `make preview` (tools/stack.sh) sets it through DJANGO_OBSERVABILITY_RENDER_DIR;
    `make up` clears it."""

    apps: Annotated[list[AppSettings], Field(min_length=1)]
    """The Django apps of the stack, each with its own name, namespace, image, workers, SLOs and settings. A stack
    of one app may write that app's settings at the top level instead."""

    # Alerting
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    """The Alertmanager cluster every app's alerts go to: backend (kubernetes or swarm), replicas, routing
    (alertmanager.yml's snake_case)."""

    @model_validator(mode="after")
    def _apps_fit_together(self, info: ValidationInfo):
        """Each app against what the apps share, and the apps against each other: unique names (they name rule
        groups, dashboards and the instance label) and one creator per namespace; the Alertmanager's default name
        within its bound."""
        problems = [(("apps", index, key), value, rule)
                    for index, app in enumerate(self.apps) for key, value, rule in app.shared_problems(self)]
        stack = stack_name(info)
        if stack is not None and len(self.alertmanager.resource_name(stack)) > NAME_LENGTH:
            problems.append((("alertmanager", "name"), self.alertmanager.resource_name(stack),
                             f"the default <project>-<stack> is over {NAME_LENGTH} characters: set alertmanager.name"))
        named: dict[str, int] = {}
        creators: dict[str, int] = {}
        for index, app in enumerate(self.apps):
            if app.app_name in named:
                problems.append((("apps", index, "appName"), app.app_name,
                                 f"is the name of apps[{named[app.app_name]}] too; each app of a stack needs its own"))
            named.setdefault(app.app_name, index)
            if app.create_namespace and app.namespace in creators:
                problems.append((("apps", index, "createNamespace"), True,
                                 f"apps[{creators[app.namespace]}] creates namespace {app.namespace!r} already; set "
                                 "createNamespace: false on the other apps in it"))
            if app.create_namespace:
                creators.setdefault(app.namespace, index)
        raise_problems(type(self).__name__, problems)
        return self
