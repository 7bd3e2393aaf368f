"""The components as a platform team's own program uses them, under Pulumi mocks: arguments validated with one-line
problems naming the argument, two apps beside one Alertmanager cluster with disjoint names, rules and dashboards,
and outputs that resolve to what the objects say."""
import json
import re

import pulumi
import pytest

from django_observability import AlertmanagerCluster, DjangoApp
from django_observability.components.arguments import InvalidArguments
from tests.helpers import ROOT, RecordingMocks, is_secret, reveal, run_components

ROUTING = {"route": {"receiver": "slack"},
           "receivers": [{"name": "slack", "slack_configs": [{"api_url_secret": "slackWebhookUrl",
                                                               "channel": "#alerts"}]}]}


def _objects(mocks, kind: str) -> list[dict]:
    return [reveal(resource.inputs) for resource in mocks.resources if resource.typ.endswith(f":{kind}")]


def _two_apps():
    alerts = AlertmanagerCluster("alerts", {"replicas": 3, "routing": ROUTING,
                                            "apps": [{"namespace": "shop", "app_name": "shop"},
                                                     {"namespace": "blog", "app_name": "blog"}],
                                            "credentials": {"slackWebhookUrl": "https://hooks.example.test/T0/B0/x"}})
    shop = DjangoApp("shop", {"image": "registry.example/shop:1.4.2", "namespace": "shop", "web_concurrency": 4,
                              "replicas": 2})
    blog = DjangoApp("blog", {"image": "registry.example/blog:2.0.1", "namespace": "blog",
                              "slos": [{"name": "availability", "objective": 99.5}]})
    return {"shop_service": shop.service_name, "shop_ports": shop.metrics_ports, "shop_targets": shop.scrape_targets,
            "blog_targets": blog.scrape_targets, "blog_port": blog.service_port, "blog_rule": blog.prometheus_rule_name,
            "alerting": alerts.prometheus_alerting, "platform": alerts.platform_alert_relabelings,
            "peers": alerts.peers}


def test_two_apps_share_one_alertmanager_with_disjoint_objects():
    mocks, outputs = run_components(_two_apps)
    assert [r.typ for r in mocks.resources if r.typ.startswith("django-observability:")] == [
        "django-observability:index:AlertmanagerCluster", "django-observability:index:DjangoApp",
        "django-observability:index:DjangoApp"]
    assert len(_objects(mocks, "Alertmanager")) == 1
    deployments = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in _objects(mocks, "Deployment")}
    assert deployments == {("shop", "shop"), ("blog", "blog")}
    groups = [group["name"] for rule in _objects(mocks, "PrometheusRule") for group in rule["spec"]["groups"]]
    assert len(groups) == len(set(groups)) and {g.split("-")[0] for g in groups} == {"shop", "blog"}
    dashboards = [json.loads(next(iter(c["data"].values()))) for c in _objects(mocks, "ConfigMap")]
    assert len({d["uid"] for d in dashboards}) == 2 and len({d["title"] for d in dashboards}) == 2
    for rule in _objects(mocks, "PrometheusRule"):  # each app's rules read only its own series
        app = rule["metadata"]["namespace"]
        exprs = [r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]]
        assert all(f'namespace="{app}"' in expr for expr in exprs if "{" in expr and "django_http" in expr)
    assert outputs == {
        "shop_service": "shop", "shop_ports": {f"metrics-{i}": 5000 + i for i in range(1, 5)}, "shop_targets": 8,
        "blog_targets": 2, "blog_port": 80, "blog_rule": "blog-slo",
        "alerting": {"alertmanagers": [{"namespace": "monitoring", "name": "alertmanager-alerts", "port": "web",
                                        "apiVersion": "v2", "alertRelabelings": [{
                                            "sourceLabels": ["namespace", "service"], "separator": ";",
                                            "regex": "shop;shop|blog;blog", "action": "keep"}]}]},
        "platform": [{"sourceLabels": ["namespace", "service"], "separator": ";", "regex": "shop;shop|blog;blog",
                      "action": "drop"}],
        "peers": 3}


def test_the_config_secret_holds_the_credential_as_a_secret():
    mocks, _ = run_components(_two_apps)
    [secret] = [resource for resource in mocks.resources if resource.typ == "kubernetes:core/v1:Secret"]
    assert is_secret(secret.inputs["stringData"])
    assert "https://hooks.example.test/T0/B0/x" in reveal(secret.inputs["stringData"])["alertmanager.yaml"]


@pytest.mark.parametrize("args, line", [
    ({"image": "shop:1", "web_concurrency": 0}, "web_concurrency: 0 — Input should be greater than or equal to 1"),
    ({"image": "shop:1", "probes": {"readiness": {"period_seconds": 2, "timeout_seconds": 3, "failure_threshold": 1}}},
     "probes.readiness: "),
    ({"image": "shop:1", "webConcurency": 3}, "webConcurency: 3 — is not an argument of DjangoApp"),
    ({"web_concurrency": 2}, "image: (unset) — is required"),
    ({"image": "shop:1", "namespace": "monitoring"}, 'namespace: "monitoring" — must be the app\'s own namespace'),
    ({"image": "shop:latest", "production": True}, 'image: "shop:latest" — production needs a pinned image'),
    ({"image": "shop:1", "slos": [{"name": "availability", "objective": 100}]}, "slos[0].objective: 100 — "),
])
def test_invalid_arguments_are_named_in_one_line_and_nothing_is_registered(args, line):
    mocks = RecordingMocks()
    with pytest.raises(InvalidArguments) as raised:
        run_components(lambda: {"app": DjangoApp("shop", args).service_name}, mocks=mocks)
    assert mocks.resources == []
    lines = str(raised.value).splitlines()
    assert lines[0] == "DjangoApp 'shop' has 1 invalid argument(s); nothing was registered:"
    assert len(lines) == 2 and lines[1].strip().startswith(line), lines


def test_alertmanager_credentials_must_match_the_routing():
    with pytest.raises(InvalidArguments) as raised:
        run_components(lambda: {"peers": AlertmanagerCluster("alerts", {
            "routing": ROUTING, "credentials": {"pagerdutyKey": "x"}}).peers})
    assert str(raised.value).splitlines()[1:] == [
        "  credentials: (unset) — lacks slackWebhookUrl, which the routing reads",
        '  credentials: "pagerdutyKey" — is read by no receiver of the routing']


def test_the_readmes_program_registers_an_app_and_an_alertmanager():
    """The ten-line program of the README's first section, as written there, under mocks."""
    [program] = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)[:1]

    def run() -> dict:
        pulumi.runtime.set_all_config({"platform:slackWebhookUrl": "https://hooks.example.test/x"},
                                      ["platform:slackWebhookUrl"])
        exec(compile(program, "README.md", "exec"), {"__name__": "__main__"})
        return {}

    mocks, _ = run_components(run)
    kinds = [resource.typ for resource in mocks.resources]
    assert kinds.count("django-observability:index:DjangoApp") == 1
    assert kinds.count("kubernetes:monitoring.coreos.com/v1:Alertmanager") == 1
    assert kinds.count("kubernetes:apps/v1:Deployment") == 1
