"""Bad stack settings: each is rejected before any resource exists, with a message naming key, value and rule."""
import pytest

from stacks.loader import SettingsError, validate
import json

from tests.helpers import RecordingMocks, run_program

BASE = {"kubeContext": "dev", "image": "example/django-app:0.1.0"}

# (settings over BASE, secret keys, stack, expected key, expected value as shown, a phrase of the rule)
CASES = [
    ({"webConcurrency": 0}, set(), "dev", "webConcurrency", "0", "greater than or equal to 1"),
    ({"webConcurrency": 65}, set(), "dev", "webConcurrency", "65", "less than or equal to 64"),
    ({"webConcurrency": "three"}, set(), "dev", "webConcurrency", '"three"', "valid integer"),
    ({"webConcurrency": 2.5}, set(), "dev", "webConcurrency", "2.5", "valid integer"),
    ({"replicas": 0}, set(), "dev", "replicas", "0", "greater than or equal to 1"),
    ({"replicas": [3]}, set(), "dev", "replicas", "[3]", "valid integer"),
    ({"httpPort": 0}, set(), "dev", "httpPort", "0", "greater than or equal to 1"),
    ({"servicePort": 70000}, set(), "dev", "servicePort", "70000", "less than or equal to 65535"),
    ({"metricsStartPort": 65534, "webConcurrency": 5}, set(), "dev", "metricsStartPort", "65534", "end at or below 65535"),
    ({"httpPort": 5002, "webConcurrency": 3}, set(), "dev", "httpPort", "5002", "inside the metrics ports 5001-5003"),
    ({"servicePort": 5001}, set(), "dev", "servicePort", "5001", "inside the metrics ports"),
    ({"namespace": "My_App"}, set(), "dev", "namespace", '"My_App"', "DNS-1123 label"),
    ({"namespace": "a" * 64}, set(), "dev", "namespace", '"aaaa', "at most 63 characters"),
    ({"appName": "-app"}, set(), "dev", "appName", '"-app"', "DNS-1123 label"),
    ({"appName": "x" * 51}, set(), "dev", "appName", '"xxxx', "at most 50 characters"),
    ({"image": "Example/App:latest"}, set(), "dev", "image", '"Example/App:latest"', "image reference"),
    ({"image": "example/app@sha256:abc"}, set(), "dev", "image", "sha256:abc", "image reference"),
    ({"imagePullPolicy": "Sometimes"}, set(), "dev", "imagePullPolicy", '"Sometimes"', "'Always', 'IfNotPresent' or 'Never'"),
    ({"metricsMode": "shared-port"}, set(), "dev", "metricsMode", '"shared-port"', "'per-worker-ports' or 'multiprocess'"),
    ({"scrapeInterval": "15"}, set(), "dev", "scrapeInterval", '"15"', "Prometheus duration"),
    ({"scrapeInterval": "1m1h"}, set(), "dev", "scrapeInterval", '"1m1h"', "largest first"),
    ({"scrapeTimeout": "30s"}, set(), "dev", "scrapeTimeout", '"30s"', "must not exceed scrapeInterval (15s)"),
    ({"metricsPath": "metrics"}, set(), "dev", "metricsPath", '"metrics"', "URL path starting with /"),
    ({"kubeContext": ""}, set(), "dev", "kubeContext", '""', "must not be empty or only spaces"),
    ({"replica": 2}, set(), "dev", "replica", "2", "not a setting of this program"),
    ({"resources": {"requests": {"cpu": "1 core", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}},
     set(), "dev", "resources.requests.cpu", '"1 core"', "Kubernetes quantity"),
    ({"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}, set(), "dev", "resources.requests", None, "is required"),
    ({"serviceMonitorLabels": {"release": "kube prometheus"}}, set(), "dev", "serviceMonitorLabels",
     "kube prometheus", "label value"),
    ({"serviceMonitorLabels": {"bad key!": "x"}}, set(), "dev", "serviceMonitorLabels", "bad key!", "label key"),
    ({"staticLabels": {"environment": "qa"}}, set(), "dev", "staticLabels", "qa", "environment=<stack name>"),
    ({"staticLabels": {"__meta": "x"}}, set(), "dev", "staticLabels", "__meta", "no leading __"),
    ({"relabelings": [{"action": "hashmod", "target_label": "shard"}]}, set(), "dev", "relabelings[0]",
     "hashmod", "modulus greater than 0"),
    ({"relabelings": [{"regex": "(?!x)", "target_label": "a"}]}, set(), "dev", "relabelings[0].regex", "(?!x)", "RE2"),
    ({"metricRelabelings": [{"action": "labeldrop", "regex": "tmp", "target_label": "x"}]}, set(), "dev",
     "metricRelabelings[0]", "labeldrop", "does not use target_label"),
    ({"relabelings": {"action": "keep"}}, set(), "dev", "relabelings", "keep", "valid list"),
    ({"alertmanager": {"replicas": 0}}, set(), "dev", "alertmanager.replicas", "0", "greater than or equal to 1"),
    ({"alertmanager": {"replicas": 2}}, set(), "prod", "alertmanager", "replicas", "prod refuses an even number of peers"),
    ({"alertmanager": {"backend": "nomad"}}, set(), "dev", "alertmanager.backend", '"nomad"', "'kubernetes' or 'swarm'"),
    ({"alertmanager": {"backend": "swarm", "replicas": 3, "swarm": {"nodes": ["a", "b"]}}}, set(), "dev", "alertmanager",
     "swarm", "must list 3 node(s), it lists 2"),
    ({"alertmanager": {"backend": "swarm", "replicas": 2, "swarm": {"nodes": ["a", "a"]}}}, set(), "dev", "alertmanager",
     "swarm", "must not repeat a node"),
    ({"alertmanager": {"retention": "5d"}}, set(), "dev", "alertmanager.retention", '"5d"', "no d or w"),
    ({"alertmanager": {"antiAffinity": "strict"}}, set(), "dev", "alertmanager.antiAffinity", '"strict"', "'soft' or 'hard'"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}, {"name": "a"}], "route": {"receiver": "a"}}}}, set(),
     "dev", "alertmanager.routing", "receivers", "a appears more than once"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "b"}}}}, set(), "dev",
     "alertmanager.routing", "receivers", "names receiver 'b', which is not among the receivers"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", "group_wait": "soon"}}}},
     set(), "dev", "alertmanager.routing.route.group_wait", '"soon"', "Prometheus duration"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a",
                                                                           "matchers": ["severity critical"]}}}},
     set(), "dev", "alertmanager.routing.route.matchers[0]", "severity critical", "not an Alertmanager matcher"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "s", "slack_configs": [
        {"api_url": "https://hooks.example.invalid/x", "channel": "#a"}]}], "route": {"receiver": "s"}}}},
     set(), "dev", "alertmanager.routing.receivers[0].slack_configs[0]", "api_url", "must not be given in plain config"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "s", "slack_configs": [
        {"api_url_secret": "slackWebhookUrl", "channel": "#a"}]}], "route": {"receiver": "s"}}}},
     set(), "dev", "slackWebhookUrl", None, "pulumi config set --secret slackWebhookUrl"),
    ({"slos": [{"name": "availability", "objective": 100}]}, set(), "dev", "slos[0].objective", "100",
     "strictly between 0 and 100"),
    ({"slos": [{"name": "availability", "objective": 0}]}, set(), "dev", "slos[0].objective", "0",
     "strictly between 0 and 100"),
    ({"slos": [{"name": "availability", "objective": 99.9, "period": "7d"}]}, set(), "dev", "slos[0].period", '"7d"',
     "one of the SLO periods 30d, 28d"),
    ({"slos": [{"name": "latency", "objective": 99, "sli": "latency"}]}, set(), "dev", "slos[0]", "latency",
     "needs latencyThreshold"),
    ({"slos": [{"name": "latency", "objective": 99, "sli": "latency", "latencyThreshold": 0.3}]}, set(), "dev",
     "slos[0]", "0.3", "must be a latency histogram bucket boundary"),
    ({"slos": [{"name": "Availability", "objective": 99}]}, set(), "dev", "slos[0].name", '"Availability"',
     "a-z, 0-9 and '-', starting with a letter"),
    ({"image": "example/django-app:latest"}, set(), "prod", "image", "example/django-app:latest",
     "prod needs a pinned image"),
    ({"image": "example/django-app"}, set(), "prod", "image", "example/django-app", "prod needs a pinned image"),
    ({"securityExceptions": {"readOnlyRootFilesystem": "because"}}, set(), "dev",
     "securityExceptions.readOnlyRootFilesystem", '"because"', "at least 10 characters besides spaces"),
    ({"securityExceptions": {"privileged": "the app needs raw sockets for ping"}}, set(), "dev",
     "securityExceptions.privileged", '"privileged"', "as a key: Input should be 'readOnlyRootFilesystem' or 'networkPolicy'"),
    ({"scannerSkips": {"CKV_K8S_X": "a reason long enough"}}, set(), "dev", "scannerSkips.CKV_K8S_X",
     '"CKV_K8S_X"', "as a key: must be a checkov Kubernetes check id"),
    ({"httpAllowedNamespaces": ["Ingress"]}, set(), "dev", "httpAllowedNamespaces[0]", '"Ingress"', "DNS-1123 label"),
    ({"slackWebhookUrl": "https://hooks.example.invalid/plain"}, set(), "dev", "slackWebhookUrl",
     "hooks.example.invalid", "a credential must be set with --secret"),
]


@pytest.mark.parametrize("overrides, secret_keys, stack, key, shown, rule", CASES,
                         ids=[f"{case[3]}-{i}" for i, case in enumerate(CASES)])
def test_rejected_with_key_value_and_rule(overrides, secret_keys, stack, key, shown, rule):
    with pytest.raises(SettingsError) as raised:
        validate(stack, BASE | overrides, secret_keys)
    matching = [problem for problem in raised.value.problems if problem.key == key]
    assert matching, f"no problem under {key}: {raised.value}"
    message = str(matching[0])
    assert message.startswith(f"django-observability:{key}: ")
    assert " — " in message and rule in message, message
    if shown is not None:
        assert shown in message.split(" — ")[0], message
    else:
        assert message.split(" — ")[0].endswith("(unset)")


def test_table_is_large():
    assert len(CASES) >= 40


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"webConcurrency": 0, "replicas": 0, "namespace": "Bad", "scrapeInterval": "x"}, set())
    assert {problem.key for problem in raised.value.problems} == {"webConcurrency", "replicas", "namespace", "scrapeInterval"}


def test_cross_field_problems_are_reported_together():
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"httpPort": 5001, "servicePort": 5002, "scrapeTimeout": "1m"}, set())
    assert {problem.key for problem in raised.value.problems} == {"httpPort", "servicePort", "scrapeTimeout"}


@pytest.mark.parametrize("overrides, secret_keys, stack, key, shown, rule", CASES[:3] + CASES[-2:])
def test_program_registers_nothing_on_bad_input(overrides, secret_keys, stack, key, shown, rule):
    config = {f"django-observability:{name}": value if isinstance(value, str) else json.dumps(value)
              for name, value in (BASE | overrides).items()}
    mocks = RecordingMocks()
    with pytest.raises(Exception) as raised:
        run_program(stack, config, [], mocks)
    assert f"django-observability:{key}" in str(raised.value) and rule in str(raised.value)
    assert mocks.resources == []
