"""The Alertmanager cluster: peer plan, both backends under mocks, routing model."""
import base64
import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from django_observability.builders.alertmanager.config import alertmanager_config
from django_observability.builders.alertmanager.kubernetes import (build_alertmanager, build_disruption_budget,
                                                                  build_network_policy)
from django_observability.builders.alertmanager.peers import peer_plan, swarm_address
from django_observability.builders.params import alertmanager_params
from django_observability.settings.alertmanager import AlertmanagerSettings
from django_observability.settings.routing import RoutingConfig
from django_observability.settings.shared import PlatformSettings
from tests.helpers import TEST_SECRETS, engine_config, is_secret, reveal, run_program

PLATFORM = PlatformSettings(part_of="x")
APPS = (("app", "app-django"),)


def _params(settings: AlertmanagerSettings, stack: str, secrets=None):
    """The slice of an Alertmanager cluster that receives the alerts of app-django in app."""
    return alertmanager_params(settings, stack, PLATFORM, APPS, secrets)


@pytest.mark.parametrize("stack", ["dev", "acceptance", "prod"])
def test_the_default_alertmanager_name_is_the_projects_and_the_stacks(stack):
    """Never a platform's own name (main, kube-prometheus-stack-alertmanager): the operator derives the StatefulSet
    and the config Secret alertmanager-<name> from it, in a namespace the platform's Alertmanager may share."""
    params = _params(AlertmanagerSettings(), stack)
    assert params.name == f"django-observability-{stack}"
    assert params.labels["app.kubernetes.io/instance"] == params.name
    assert _params(AlertmanagerSettings(name="team-a"), stack).name == "team-a"


def test_prometheus_alerting_names_our_own_service_never_alertmanager_operated():
    """alertmanager-operated selects every Alertmanager pod of the namespace (a platform's own too); our Service
    selects the pods of our Alertmanager resource alone, by the label the operator sets on them."""
    from django_observability.builders.alertmanager.kubernetes import (build_kubernetes_alertmanager,
                                                                      platform_alert_relabelings, prometheus_alerting)

    params = _params(AlertmanagerSettings(replicas=3), "prod")
    objects = build_kubernetes_alertmanager(params)
    [service] = [obj for obj in objects if obj["kind"] == "Service"]
    assert service["metadata"]["name"] == "alertmanager-django-observability-prod"
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "alertmanager",
                                           "alertmanager": "django-observability-prod"}
    ours = [{"sourceLabels": ["namespace", "service"], "separator": ";", "regex": "app;app-django", "action": "keep"}]
    assert prometheus_alerting(objects) == {"alertmanagers": [
        {"namespace": "monitoring", "name": "alertmanager-django-observability-prod", "port": "web",
         "apiVersion": "v2", "alertRelabelings": ours}]}
    assert platform_alert_relabelings(objects) == [ours[0] | {"action": "drop"}]


@given(st.integers(1, 9))
def test_every_peer_lists_every_other_peer_never_itself(replicas):
    plan = peer_plan(replicas)
    names = [peer.name for peer in plan]
    assert names == [f"alertmanager_{i}" for i in range(1, replicas + 1)]
    for peer in plan:
        flags = [arg for arg in peer.args(swarm_address) if arg.startswith("--cluster.peer=")]
        assert flags == [f"--cluster.peer=tasks.{other}:9094" for other in names if other != peer.name]


@pytest.mark.parametrize("replicas, has_budget", [(1, False), (2, True), (3, True)])
def test_disruption_budget_exactly_when_replicated_and_over_the_peers(replicas, has_budget):
    """One peer may be down at a time, and the budget counts exactly the Alertmanager's own pods: its selector
    matches the labels the operator puts on them (spec.podMetadata) and names the instance, so it matches no
    other Alertmanager's pods in the namespace."""
    params = _params(AlertmanagerSettings(replicas=replicas), "dev")
    budget = build_disruption_budget(params)
    assert (budget is not None) == has_budget
    if budget:
        [selector] = budget["spec"]["selector"].values()
        assert set(budget["spec"]) == {"maxUnavailable", "selector"} and budget["spec"]["maxUnavailable"] == 1
        pod_labels = build_alertmanager(params)["spec"]["podMetadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        assert {"app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": "django-observability-dev"}.items() <= selector.items()


def test_network_policy_allows_gossip_tcp_and_udp_and_prometheus_on_9093():
    policy = build_network_policy(_params(AlertmanagerSettings(), "dev"))
    ports = [(port["port"], port["protocol"]) for rule in policy["spec"]["ingress"] for port in rule["ports"]]
    assert sorted(ports) == [(9093, "TCP"), (9094, "TCP"), (9094, "UDP")]


def _swarm_config(stack="prod", nodes=("node-a", "node-b", "node-c")):
    config, secret_keys = engine_config(stack)
    am = json.loads(config["django-observability:alertmanager"])
    am |= {"backend": "swarm", "swarm": {"nodes": list(nodes),
                                         "advertiseAddresses": [f"198.51.100.{i}" for i in range(1, len(nodes) + 1)]}}
    config["django-observability:alertmanager"] = json.dumps(am)
    return config, secret_keys


def test_swarm_backend_resources():
    config, secret_keys = _swarm_config()
    mocks = run_program("prod", config, secret_keys)
    # Registration order follows asynchronous resolution, so compare in name order.
    services = sorted(mocks.of_type("docker:index/service:Service"), key=lambda service: service.name)
    assert [service.name for service in services] == ["alertmanager_1", "alertmanager_2", "alertmanager_3"]
    assert len(mocks.of_type("docker:index/network:Network")) == 1
    assert not mocks.of_type("docker:index/volume:Volume")  # each node creates its peer's volume itself
    [docker_config] = mocks.of_type("docker:index/serviceConfig:ServiceConfig")
    text = reveal(docker_config.inputs["dataRaw"])
    assert not any(value in text for value in TEST_SECRETS.values())
    routing = yaml.safe_load(text)
    assert routing["route"]["receiver"] == "slack"
    assert routing["receivers"][0]["slack_configs"][0]["api_url_file"] == "/run/secrets/slackWebhookUrl"
    assert reveal(docker_config.inputs["name"]).startswith("alertmanager-")
    docker_secrets = mocks.of_type("docker:index/secret:Secret")
    # No name: the provider names each secret after its resource with a random suffix (tools/docker-provider).
    assert sorted(secret.name for secret in docker_secrets) == ["django-observability-prod-pagerdutyRoutingKey", "django-observability-prod-slackWebhookUrl"]
    assert all(set(secret.inputs) == {"data"} and is_secret(secret.inputs["data"]) for secret in docker_secrets)
    assert sorted(base64.b64decode(reveal(secret.inputs["data"])).decode() for secret in docker_secrets) == sorted(
        TEST_SECRETS.values())
    [network] = mocks.of_type("docker:index/network:Network")
    assert network.inputs["driver"] == "overlay" and network.inputs["attachable"] is True
    for index, service in enumerate(services, start=1):
        spec = reveal(service.inputs["taskSpec"])
        args = spec["containerSpec"]["args"]
        assert f"--cluster.peer=tasks.alertmanager_{index}:9094" not in args
        assert sum(arg.startswith("--cluster.peer=") for arg in args) == 2
        assert args[-2:] == [f"--cluster.advertise-address=198.51.100.{index}:9094", "--cluster.label=prod/django-observability-prod"]
        assert spec["placement"]["constraints"] == [f"node.hostname == node-{'abc'[index - 1]}"]
        assert spec["networksAdvanceds"][0]["aliases"] == ["alertmanager"]
        assert spec["containerSpec"]["mounts"] == [
            {"type": "volume", "source": f"alertmanager_{index}_data", "target": "/alertmanager"}]
        assert sorted(secret["fileName"] for secret in spec["containerSpec"]["secrets"]) == [
            "/run/secrets/pagerdutyRoutingKey", "/run/secrets/slackWebhookUrl"]
        endpoint = reveal(service.inputs["endpointSpec"])
        assert endpoint["mode"] == "dnsrr"
        assert endpoint["ports"] == [
            {"targetPort": 9093, "publishedPort": 19092 + index, "protocol": "tcp", "publishMode": "host"},
            {"targetPort": 9094, "publishedPort": 9094, "protocol": "tcp", "publishMode": "host"},
            {"targetPort": 9094, "publishedPort": 9094, "protocol": "udp", "publishMode": "host"}]
    assert not mocks.of_type("kubernetes:monitoring.coreos.com/v1:Alertmanager")


def test_config_name_changes_with_content_and_nothing_but_the_secret_data_with_the_credential():
    """The config is named after its content (it holds no credential), so a routing change is a new config; a new
    credential changes the secret's data alone, never a name or anything else a reader of the plan, the state or
    `docker secret ls` sees (the provider's replacement of the secret gives it a fresh random name)."""
    from django_observability.builders.alertmanager.swarm import build_swarm_plan

    settings = AlertmanagerSettings.model_validate({
        "backend": "swarm", "replicas": 1, "swarm": {"nodes": ["a"], "advertiseAddresses": ["198.51.100.1"]},
        "routing": {"route": {"receiver": "hook"},
                    "receivers": [{"name": "hook", "webhook_configs": [{"url_secret": "hookUrl"}]}]}})

    def plan(settings, secrets):
        return build_swarm_plan(_params(settings, "dev", secrets))

    first = plan(settings, {"hookUrl": "http://one/"})
    changed = settings.model_copy(update={"routing": settings.routing.model_copy(update={"resolve_timeout": "10m"})})
    assert plan(changed, {"hookUrl": "http://one/"})["config"]["name"] != first["config"]["name"]
    rotated = plan(settings, {"hookUrl": "http://two/"})
    assert rotated["secrets"] == [{**first["secrets"][0], "data": "http://two/"}]
    assert {key: value for key, value in rotated.items() if key != "secrets"} == {
        key: value for key, value in first.items() if key != "secrets"}
    assert first["secrets"] == [{"key": "hookUrl", "target": "/run/secrets/hookUrl", "data": "http://one/"}]


def test_every_swarm_cluster_gossips_under_a_label_of_its_own():
    """Two stacks' peers that reach each other's mesh port must not merge: each peer sends and wants
    `<stack>/<name>`, as the operator's peers on Kubernetes do with `<namespace>/<name>`."""
    from django_observability.builders.alertmanager.swarm import build_swarm_plan

    settings = AlertmanagerSettings.model_validate({
        "backend": "swarm", "replicas": 2, "swarm": {"nodes": ["a", "b"], "advertiseAddresses": ["198.51.100.1",
                                                                                               "198.51.100.2"]}})
    labels = {stack: {arg for service in build_swarm_plan(_params(settings, stack))[
        "services"] for arg in service["args"] if arg.startswith("--cluster.label=")} for stack in ("dev", "swarm")}
    assert labels == {"dev": {"--cluster.label=dev/django-observability-dev"},
                      "swarm": {"--cluster.label=swarm/django-observability-swarm"}}


def test_secret_values_are_filled_in_and_secret_keys_listed():
    routing = RoutingConfig.model_validate({
        "route": {"receiver": "a", "routes": [{"receiver": "b", "matchers": ['severity="critical"'], "continue": True}]},
        "receivers": [{"name": "a", "webhook_configs": [{"url_secret": "hookUrl"}]},
                      {"name": "b", "email_configs": [{"to": "ops@example.test", "from": "am@example.test",
                                                       "smarthost": "mail.example.test:587",
                                                       "auth_password_secret": "smtpPassword"}]}]})
    assert routing.secret_keys() == ["hookUrl", "smtpPassword"]
    config = alertmanager_config(routing, {"hookUrl": "http://h/", "smtpPassword": "pw"})
    assert config["receivers"][0]["webhook_configs"][0]["url"] == "http://h/"
    assert config["receivers"][1]["email_configs"][0]["auth_password"] == "pw"
    assert config["receivers"][1]["email_configs"][0]["from"] == "am@example.test"
    assert config["route"]["routes"][0]["continue"] is True and "continue" not in config["route"]
    by_file = alertmanager_config(routing, {}, secret_files={"hookUrl": "/s/hook", "smtpPassword": "/s/pw"})
    assert by_file["receivers"][0]["webhook_configs"][0]["url_file"] == "/s/hook"
    assert by_file["receivers"][1]["email_configs"][0]["auth_password_file"] == "/s/pw"
    assert "url" not in by_file["receivers"][0]["webhook_configs"][0]


def test_docker_host_problem_names_why_nothing_answers(tmp_path):
    import socket
    import threading

    from django_observability.components.docker_target import problem as docker_host_problem

    assert "No such file or directory" in docker_host_problem(f"unix://{tmp_path}/none.sock")
    assert docker_host_problem("ssh://manager.example.test") is None  # left to the provider
    path = tmp_path / "engine.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(2)

        def answer(status: bytes):
            connection, _ = server.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(status + b"\r\nContent-Length: 2\r\n\r\nOK")

        for status, expected in ((b"HTTP/1.1 200 OK", None), (b"HTTP/1.1 404 Not Found", "404")):
            thread = threading.Thread(target=answer, args=(status,))
            thread.start()
            problem = docker_host_problem(f"unix://{path}")
            thread.join(timeout=10)
            assert problem is None if expected is None else expected in problem
