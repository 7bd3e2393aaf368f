"""Before `up` registers anything: for every object the stack would create, whether it already exists and whether
this stack made it. An existing object this stack did not make is never modified or deleted: the run stops before
any change with one line naming the object, the setting that names it and the two ways out.

Why the program and not the provider: pulumi-kubernetes (4.25, server-side apply) creates an object by applying
it, which silently takes over one that exists ("upsert"); with `pulumi.com/patchForce` it wins every conflicting
field too. Whatever `up` took over that way, `destroy` then deletes.

"This stack made it" is known from two records:
- the stack's state (`pulumi stack export`, read once): an object of that kind and id in it was made by this
  stack, by an older version of this program (whose objects carry no mark), or taken over with `pulumi import`;
- the mark `django-observability.io/stack: <organization>/<project>/<stack>` that the program sets on every object
  it registers (components/resources.py): an object whose state entry was lost is still known as this stack's, and
  a refusal says which stack did make an object.
Anything else that exists is not ours. `destroy` removes what the state holds, so only what this stack made.
"""
import json
import shutil
import subprocess
from typing import Any, NamedTuple

from django_observability.builders.params import StackParams
from django_observability.builders.stack import alertmanager_objects, app_objects
from django_observability.components.alertmanager import TYPE as ALERTMANAGER
from django_observability.components.django_app import TYPE as DJANGO_APP
from django_observability.components.kube_client import Cluster, Unreadable
from django_observability.components.resources import MARK, resource_name, type_token
from django_observability.settings.problems import Problem

_PLURALS = {"NetworkPolicy": "networkpolicies", "Prometheus": "prometheuses"}
PROVIDER = "kubernetes"
"""The name of the Kubernetes provider the repository's program registers (__main__.py)."""
EXPORT_TIMEOUT = 120


class Planned(NamedTuple):
    """An object the stack registers, with the setting that names it, that setting's value, and the component it is
    a child of (type token, name)."""

    obj: dict
    setting: str
    value: Any
    component: tuple[str, str]


def planned(params: StackParams) -> list[Planned]:
    """The stack's Kubernetes objects, each with the setting that names it: an app's namespace by `namespace`, its
    other objects by `appName` (keys of `apps[i]` when the stack lists several), the Alertmanager's by
    `alertmanager.name` (Swarm's Docker objects are not checked here)."""
    found = []
    for index, app in enumerate(params.apps):
        key, component = f"apps[{index}]." if len(params.apps) > 1 else "", (DJANGO_APP, app.name)
        found += [Planned(obj, f"{key}namespace", app.app.identity.namespace, component) if obj["kind"] == "Namespace"
                  else Planned(obj, f"{key}appName", app.name, component) for obj in app_objects(app)]
    return found + [Planned(obj, "alertmanager.name", params.alertmanager.name, (ALERTMANAGER, params.alertmanager.name))
                    for obj in alertmanager_objects(params.alertmanager)]


def api_path(obj: dict) -> str:
    api = obj["apiVersion"]
    base = f"/api/{api}" if "/" not in api else f"/apis/{api}"
    plural = _PLURALS.get(obj["kind"], obj["kind"].lower() + "s")
    metadata = obj["metadata"]
    where = f"/namespaces/{metadata['namespace']}" if "namespace" in metadata else ""
    return f"{base}{where}/{plural}/{metadata['name']}"


def object_id(obj: dict) -> str:
    """The provider's id of an object: namespace/name, or name for a cluster-wide one."""
    metadata = obj["metadata"]
    return f"{metadata['namespace']}/{metadata['name']}" if "namespace" in metadata else metadata["name"]


def _kind(token: str) -> str:
    return token.rsplit(":", 1)[-1]


def state_ids(stack: str) -> set[tuple[str, str]]:
    """(kind, id) of every Kubernetes object in the stack's state, read with the Pulumi CLI that runs this program
    (before any registration the state is the last update's). Raises RuntimeError with the CLI's reason."""
    cli = shutil.which("pulumi")
    if cli is None:
        raise RuntimeError("the Pulumi CLI is not on PATH")
    result = subprocess.run([cli, "stack", "export", "--stack", stack], capture_output=True, text=True,
                            timeout=EXPORT_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip().splitlines() or ["pulumi stack export failed"])[-1])
    resources = json.loads(result.stdout).get("deployment", {}).get("resources") or []
    return {(_kind(resource["type"]), resource["id"]) for resource in resources
            if resource.get("type", "").startswith("kubernetes:") and resource.get("id")}


def _described(obj: dict) -> str:
    return f"{obj['kind']} {object_id(obj)}"


def _import_command(each: Planned, stack: str) -> str:
    """The import that makes the object the resource the program registers: a child of its component, through the
    program's Kubernetes provider (both named by URN, so that the next `up` finds it as it is)."""
    _, project, name = stack.split("/")
    urn = f"urn:pulumi:{name}::{project}"
    token, component = each.component
    return (f"pulumi import {type_token(each.obj)} {resource_name(each.obj)} {object_id(each.obj)} "
            f"--parent {component}={urn}::{token}::{component} "
            f"--provider {PROVIDER}={urn}::pulumi:providers:kubernetes::{PROVIDER}")


def made_by(live: dict) -> str | None:
    return (live["metadata"].get("annotations") or {}).get(MARK)


def refusal(each: Planned, live: dict, stack: str, in_state: set[tuple[str, str]]) -> Problem | None:
    """The one line refusing to create `each` over `live` (which this stack did not mark), or None when the state
    says this stack made it."""
    obj = each.obj
    if (obj["kind"], object_id(obj)) in in_state:
        return None
    made = made_by(live)
    whose = f"stack {made} made it" if made else f"this stack ({stack}) did not make it"
    if obj["kind"] == "Namespace":
        out = ("deploy into it with createNamespace: false, set another namespace, or take it over with "
               f"`{_import_command(each, stack)}`")
    else:
        out = f"set another {each.setting}, or take it over with `{_import_command(each, stack)}`"
    return Problem(each.setting, each.value, f"{_described(obj)} exists and {whose}: {out}; nothing was changed")


def first_refusal(cluster: Cluster, stack: str, objects: list[Planned]) -> Problem | None:
    """The first object the stack would take over, read from the live cluster; None when every object is absent
    or this stack's. The state is read only when an object exists without this stack's mark."""
    in_state: set[tuple[str, str]] | None = None
    for each in objects:
        try:
            live = cluster.get(api_path(each.obj))
        except Unreadable as error:
            return Problem(each.setting, each.value, f"cannot read {_described(each.obj)} to know whether this stack "
                                                     f"made it ({error}); nothing was changed")
        if live is None or made_by(live) == stack:
            continue
        if in_state is None:
            try:
                in_state = state_ids(stack)
            except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as error:
                return Problem(each.setting, each.value,
                               f"{_described(each.obj)} exists, and this stack's state cannot be read to know whether "
                               f"this stack made it ({error}); nothing was changed")
        if problem := refusal(each, live, stack, in_state):
            return problem
    return None
