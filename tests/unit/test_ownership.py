"""Which objects `up` may create: the decision of components/ownership.py on live objects as the API server returns
them (the refusal on a real cluster, before any change, is in tests/cluster/test_beside_platform_monitoring.py)."""
from django_observability.builders.params import stack_params
from django_observability.components import ownership
from django_observability.components.resources import MARK
from django_observability.settings.loader import load_offline

STACK = "organization/django-observability/dev"


def _planned(kind: str, name: str):
    params = stack_params("dev", load_offline("dev").settings)
    return next(each for each in ownership.planned(params)
                if each.obj["kind"] == kind and each.obj["metadata"]["name"] == name)


def _live(name: str, namespace: str | None = "monitoring", mark: str | None = None) -> dict:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    if mark:
        metadata["annotations"] = {MARK: mark}
    return {"metadata": metadata}


class FakeCluster:
    """The API server's answers to GET, by path."""

    def __init__(self, objects: dict[str, dict]):
        self.objects = objects

    def get(self, path: str):
        return self.objects.get(path)


def test_a_foreign_object_is_refused_in_one_line_with_both_ways_out():
    each = _planned("Alertmanager", "django-observability-dev")
    problem = ownership.refusal(each, _live("django-observability-dev"), STACK, set())
    line = str(problem)
    assert "\n" not in line
    assert line.startswith('django-observability:alertmanager.name: "django-observability-dev" — Alertmanager '
                           'monitoring/django-observability-dev exists and this stack')
    assert "set another alertmanager.name" in line
    assert ("pulumi import kubernetes:monitoring.coreos.com/v1:Alertmanager monitoring-django-observability-dev "
            "monitoring/django-observability-dev --parent django-observability-dev=urn:pulumi:dev::django-observability"
            "::django-observability:index:AlertmanagerCluster::django-observability-dev --provider kubernetes="
            "urn:pulumi:dev::django-observability::pulumi:providers:kubernetes::kubernetes") in line
    assert line.endswith("nothing was changed")


def test_an_object_in_the_state_is_this_stacks_even_without_the_mark():
    """Made by an older version of the program, or taken over with `pulumi import`."""
    each = _planned("Secret", "alertmanager-django-observability-dev")
    in_state = {("Secret", "monitoring/alertmanager-django-observability-dev")}
    assert ownership.refusal(each, _live("alertmanager-django-observability-dev"), STACK, in_state) is None


def test_another_stacks_mark_is_named():
    each = _planned("Deployment", "app-django")
    problem = ownership.refusal(each, _live("app-django", "app", "organization/django-observability/prod"), STACK,
                                set())
    assert "stack organization/django-observability/prod made it" in problem.rule


def test_an_existing_namespace_is_not_adopted():
    each = _planned("Namespace", "app")
    problem = ownership.refusal(each, _live("app", None), STACK, set())
    assert problem.key == "namespace" and "createNamespace: false" in problem.rule


def test_the_state_is_read_only_when_an_unmarked_object_exists(monkeypatch):
    params = stack_params("dev", load_offline("dev").settings)
    objects = ownership.planned(params)
    read = []
    monkeypatch.setattr(ownership, "state_ids", lambda stack: read.append(stack) or set())
    ours = FakeCluster({ownership.api_path(each.obj): _live(each.obj["metadata"]["name"], mark=STACK)
                        for each in objects})
    assert ownership.first_refusal(ours, STACK, objects) is None and read == []
    assert ownership.first_refusal(FakeCluster({}), STACK, objects) is None and read == []
    secret = _planned("Secret", "alertmanager-django-observability-dev").obj
    theirs = FakeCluster({ownership.api_path(secret): _live(secret["metadata"]["name"])})
    assert ownership.first_refusal(theirs, STACK, objects).key == "alertmanager.name" and read == [STACK]


def test_api_paths():
    assert ownership.api_path({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "app"}}) == \
        "/api/v1/namespaces/app"
    assert ownership.api_path({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                               "metadata": {"name": "x", "namespace": "app"}}) == \
        "/apis/networking.k8s.io/v1/namespaces/app/networkpolicies/x"


def test_render_mode_never_imports_the_kubernetes_client():
    """Start-up cost: the official client takes most of a second to import, and render mode reads no cluster."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    code = ("import os, sys; os.environ['DJANGO_OBSERVABILITY_RENDER_DIR'] = 'rendered-by-engine'\n"
            "from tests.helpers import _run_program, engine_config\n"
            "config, keys = engine_config('dev'); _run_program('dev', config, keys, None)\n"
            "print(sorted(name for name in sys.modules if name == 'kubernetes' or name.startswith('kubernetes.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
