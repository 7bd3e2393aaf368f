"""The program under Pulumi mocks, for each stack: what it registers is exactly what the pure builders return,
and the port names agree across Deployment, Service and ServiceMonitor."""
import pytest
import yaml

from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_objects
from django_observability.components.resources import resource_name, type_token
from django_observability.settings.loader import load_offline, placeholder
from tests.helpers import STACKS, TEST_SECRETS, engine_config, is_secret, reveal, run_program, without_patch_force

K8S_PREFIX = "kubernetes:"
COMPONENT_TYPES = {"django-observability:index:DjangoApp", "django-observability:index:AlertmanagerCluster"}


@pytest.fixture(scope="module", params=STACKS)
def stack_run(request):
    stack = request.param
    config, secret_keys = engine_config(stack)
    mocks = run_program(stack, config, secret_keys)
    offline = load_offline(stack)
    expected = stack_objects(stack_params(stack, offline.settings, {key: TEST_SECRETS[key] for key in offline.secrets}))
    return stack, mocks, expected


def _registered_objects(mocks):
    objects = {}
    for resource in mocks.resources:
        if resource.typ.startswith(K8S_PREFIX) and resource.typ != "pulumi:providers:kubernetes":
            objects[(resource.typ, resource.name)] = reveal(resource.inputs)
    return objects


def test_registered_resources_equal_the_builders(stack_run):
    """Unchanged but for the provider's patchForce annotation, which every registered object carries."""
    _, mocks, expected = stack_run
    registered = _registered_objects(mocks)
    want = {(type_token(obj), resource_name(obj)): obj for obj in expected}
    assert registered.keys() == want.keys()
    for key, obj in want.items():
        assert without_patch_force(registered[key]) == obj, key


def test_components_and_parents(stack_run):
    _, mocks, _ = stack_run
    assert [resource.typ for resource in mocks.resources if resource.typ.startswith("django-observability:")] == sorted(
        COMPONENT_TYPES)  # one Alertmanager cluster, then the stack's one app
    [provider] = mocks.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == load_offline(stack_run[0]).settings.kube_context
    assert "renderYamlToDirectory" not in provider.inputs


def test_ports_agree_by_name(stack_run):
    _, mocks, _ = stack_run
    objects = list(_registered_objects(mocks).values())
    [deployment] = [obj for obj in objects if obj["kind"] == "Deployment"]
    [service] = [obj for obj in objects if obj["kind"] == "Service" and obj["metadata"]["namespace"] == "app"]
    [monitor] = [obj for obj in objects if obj["kind"] == "ServiceMonitor"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    container_ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    service_ports = {port["name"]: port for port in service["spec"]["ports"]}
    endpoints = [endpoint["port"] for endpoint in monitor["spec"]["endpoints"]]
    assert endpoints and all(name in service_ports for name in endpoints)
    assert all(port["targetPort"] in container_ports for port in service_ports.values())
    env = {item["name"]: int(item["value"]) for item in container["env"]}
    metrics = sorted(port for name, port in container_ports.items() if name.startswith("metrics-"))
    assert metrics == list(range(env["METRICS_START_PORT"], env["METRICS_START_PORT"] + env["WEB_CONCURRENCY"]))
    assert len(endpoints) == env["WEB_CONCURRENCY"]
    assert monitor["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert set(service["spec"]["selector"].items()) <= set(service["metadata"]["labels"].items())


EXPECTED_SHAPE = {"dev": (1, 2, 1), "acceptance": (2, 3, 2), "prod": (3, 5, 3)}


def test_stack_shapes(stack_run):
    stack, mocks, _ = stack_run
    objects = list(_registered_objects(mocks).values())
    [deployment] = [obj for obj in objects if obj["kind"] == "Deployment"]
    [alertmanager] = [obj for obj in objects if obj["kind"] == "Alertmanager"]
    [monitor] = [obj for obj in objects if obj["kind"] == "ServiceMonitor"]
    replicas, workers, peers = EXPECTED_SHAPE[stack]
    assert deployment["spec"]["replicas"] == replicas
    assert len(monitor["spec"]["endpoints"]) == workers
    assert alertmanager["spec"]["replicas"] == peers
    budgets = [obj for obj in objects if obj["kind"] == "PodDisruptionBudget"]
    assert len(budgets) == (replicas > 1) + (peers > 1)
    relabelings = monitor["spec"]["endpoints"][0]["relabelings"]
    assert {"sourceLabels": ["__address__"], "separator": ";", "targetLabel": "environment", "regex": "(.*)",
            "replacement": stack, "action": "replace"} in relabelings


def test_alertmanager_config_is_secret_and_filled_in(stack_run):
    stack, mocks, _ = stack_run
    [secret] = mocks.of_type("kubernetes:core/v1:Secret")
    keys = load_offline(stack).settings.alertmanager.routing.secret_keys()
    assert is_secret(secret.inputs["stringData"])  # pulumi-kubernetes marks every Secret's data secret
    text = reveal(secret.inputs["stringData"])["alertmanager.yaml"]
    assert yaml.safe_load(text)["route"]["receiver"]
    assert "secret.invalid" not in text
    assert all(TEST_SECRETS[key] in text for key in keys)


def _holds_secret(value) -> bool:
    if isinstance(value, dict):
        return is_secret(value) or any(map(_holds_secret, value.values()))
    return isinstance(value, list) and any(map(_holds_secret, value))


def test_render_mode_registers_the_config_secret_without_its_data(monkeypatch):
    """No credential reaches a rendered file, not even a placeholder: the provider warns of a plaintext secret for
    any Secret data it renders, and that warning must keep meaning a real leak. Nothing registered is secret."""
    monkeypatch.setenv("DJANGO_OBSERVABILITY_RENDER_DIR", "rendered-by-engine")
    config, secret_keys = engine_config("prod")
    mocks = run_program("prod", config, secret_keys)
    [provider] = mocks.of_type("pulumi:providers:kubernetes")
    assert provider.inputs.get("renderYamlToDirectory") == "rendered-by-engine"
    assert "context" not in provider.inputs
    [secret] = mocks.of_type("kubernetes:core/v1:Secret")
    assert "stringData" not in secret.inputs and "data" not in secret.inputs
    assert secret.inputs["metadata"]["name"] == "alertmanager-django-observability-prod"
    registered = [resource.inputs for resource in mocks.resources]
    assert not any(map(_holds_secret, registered))
    keys = [key.partition(":")[2] for key in secret_keys]
    assert keys and not any(TEST_SECRETS[key] in repr(registered) or placeholder(key) in repr(registered)
                            for key in keys)