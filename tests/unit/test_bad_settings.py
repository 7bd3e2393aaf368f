"""Bad stack settings: each is rejected before any resource exists, with a message naming key, value and rule."""
import json
import tracemalloc
import types
import typing
from decimal import Decimal

import pytest

from django_observability.settings.loader import SettingsError, load_offline, validate
from django_observability.settings.model import NOT_BOOLEAN, Model
from tests.helpers import RecordingMocks, run_program

BASE = {"kubeContext": "dev", "image": "example/django-app:0.1.0"}

# (settings over BASE, secret keys, stack, expected key, expected value as shown, a phrase of the rule)
CASES = [
    ({"createNamespace": "maybe"}, set(), "dev", "createNamespace", '"maybe"', "valid boolean"),
    ({"production": "maybe"}, set(), "dev", "production", '"maybe"', "valid boolean"),
    ({"partOf": "not a label value"}, set(), "dev", "partOf", '"not a label value"', "label value"),
    ({"prometheusNamespace": "Monitoring"}, set(), "dev", "prometheusNamespace", '"Monitoring"', "DNS-1123 label"),
    ({"sloExcludedViews": ['a"b']}, set(), "dev", "sloExcludedViews[0]", 'a\\"b', "Django view name"),
    ({"slothLabels": "yes please"}, set(), "dev", "slothLabels", '"yes please"', "valid boolean"),
    ({"renderYamlToDirectory": 5}, set(), "dev", "renderYamlToDirectory", "5", "valid string"),
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
    ({}, set(), "a-stack-name-of-twenty", "alertmanager.name", '"django-observability-a-stack-name-of-twenty"',
     "the default <project>-<stack> is over 40 characters: set alertmanager.name"),
    ({"replica": 2}, set(), "dev", "replica", "2", "not a setting of this program"),
    ({"resources": {"requests": {"cpu": "1 core", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}},
     set(), "dev", "resources.requests.cpu", '"1 core"', "Kubernetes quantity"),
    ({"resources": {"requests": {"cpu": "1"}}}, set(), "dev", "resources.requests.memory", None, "is required"),
    ({"resources": {"perWorker": {"cpu": "50m", "memory": "-96Mi"}}}, set(), "dev", "resources.perWorker.memory",
     '"-96Mi"', "Kubernetes quantity"),
    ({"webConcurrency": 5, "resources": {"limits": {"memory": "512Mi"}}}, set(), "dev", "resources", "544Mi",
     "requests.memory 64Mi + 5 × 96Mi = 544Mi exceeds limits.memory 512Mi"),
    ({"webConcurrency": 20, "resources": {"limits": {"cpu": "1"}}}, set(), "dev", "resources", "1050m",
     "requests.cpu 50m + 20 × 50m = 1050m exceeds limits.cpu 1"),
    ({"resources": {"limits": {"memory": "1Gi"}}, "production": True}, set(), "dev", "resources.limits.memory",
     '"1Gi"', "must equal the memory request (256Mi) under production rules"),
    ({"storage": {"tmp": "1Gi"}}, set(), "dev", "storage", "1Gi", "tmp 1Gi exceeds ephemeral 256Mi"),
    ({"storage": {"ephemeral": "-1Gi"}}, set(), "dev", "storage.ephemeral", '"-1Gi"', "Kubernetes quantity"),
    ({"probes": {"readiness": {"periodSeconds": 0, "timeoutSeconds": 1, "failureThreshold": 2}}}, set(), "dev",
     "probes.readiness.periodSeconds", "0", "greater than or equal to 1"),
    ({"probes": {"liveness": {"periodSeconds": 5, "timeoutSeconds": 10, "failureThreshold": 3}}}, set(), "dev",
     "probes.liveness", "10", "timeoutSeconds 10 exceeds periodSeconds 5"),
    ({"probes": {"startup": {"periodSeconds": 5, "timeoutSeconds": 1}}}, set(), "dev",
     "probes.startup.failureThreshold", None, "is required"),
    ({"shutdown": {"preStopSeconds": 0}}, set(), "dev", "shutdown.preStopSeconds", "0", "greater than or equal to 1"),
    ({"spread": {"hostname": "off"}}, set(), "dev", "spread.hostname", '"off"', "'soft' or 'hard'"),
    ({"egress": [{"cidr": "10.0.0.1/8", "ports": [{"port": 5432}]}]}, set(), "dev", "egress[0].cidr", '"10.0.0.1/8"',
     "must be a CIDR such as 10.0.0.0/8"),
    ({"egress": [{"cidr": "10.0.0.0/33", "ports": [{"port": 5432}]}]}, set(), "dev", "egress[0].cidr", "10.0.0.0/33",
     "must be a CIDR"),
    ({"egress": [{"cidr": "169.254.169.254/32", "ports": [{"port": 80}]}]}, set(), "dev", "egress[0].cidr",
     "169.254.169.254/32", "the cloud metadata address"),
    ({"egress": [{"cidr": "10.0.0.0/8", "namespace": "db", "ports": [{"port": 5432}]}]}, set(), "dev", "egress[0]",
     "10.0.0.0/8", "either a cidr or pods"),
    ({"egress": [{"namespace": "db", "ports": []}]}, set(), "dev", "egress[0].ports", "[]", "at least 1 item"),
    ({"egress": [{"namespace": "db", "ports": [{"port": 5432, "protocol": "ICMP"}]}]}, set(), "dev",
     "egress[0].ports[0].protocol", '"ICMP"', "'TCP', 'UDP' or 'SCTP'"),
    ({"alertmanager": {"egress": [{"podLabels": {}, "ports": [{"port": 8080}]}]}}, set(), "dev",
     "alertmanager.egress[0]", "{}", "podLabels must name at least one label"),
    ({"kubeScoreIgnores": {"Pod_Probes": "a reason long enough"}}, set(), "dev", "kubeScoreIgnores.Pod_Probes",
     '"Pod_Probes"', "as a key: must be a kube-score check id"),
    ({"kubeScoreIgnores": {"pod-probes": "because"}}, set(), "dev", "kubeScoreIgnores.pod-probes", '"because"',
     "at least 10 characters"),
    ({"alertmanager": {"kubeScoreIgnores": {"Pod_Probes": "a reason long enough"}}}, set(), "dev",
     "alertmanager.kubeScoreIgnores.Pod_Probes", '"Pod_Probes"', "as a key: must be a kube-score check id"),
    ({"alertmanager": {"imagePullPolicy": "Sometimes"}}, set(), "dev", "alertmanager.imagePullPolicy", '"Sometimes"',
     "'Always', 'IfNotPresent' or 'Never'"),
    ({"alertmanager": {"ephemeralStorage": "lots"}}, set(), "dev", "alertmanager.ephemeralStorage", '"lots"',
     "Kubernetes quantity"),
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
    ({"alertmanager": {"backend": "nomad"}}, set(), "dev", "alertmanager.backend", '"nomad"', "'kubernetes' or 'swarm'"),
    ({"alertmanager": {"backend": "swarm", "replicas": 3, "swarm": {"nodes": ["a", "b"]}}}, set(), "dev", "alertmanager",
     "swarm", "must list 3 node(s), it lists 2"),
    ({"alertmanager": {"backend": "swarm", "replicas": 2, "swarm": {"nodes": ["a", "a"]}}}, set(), "dev", "alertmanager",
     "swarm", "must not repeat a node"),
    ({"alertmanager": {"backend": "swarm", "replicas": 2, "swarm": {"nodes": ["a", "b"], "advertiseAddresses": ["198.51.100.1"]}}},
     set(), "dev", "alertmanager", "swarm", "must list 2 address(es), it lists 1"),
    ({"alertmanager": {"swarm": {"advertiseAddresses": ["node-a"]}}}, set(), "dev", "alertmanager.swarm.advertiseAddresses[0]",
     '"node-a"', "must be an IP address of a node"),
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
    ({"image": "example/django-app:latest", "production": True}, set(), "dev", "image", "example/django-app:latest",
     "production needs a pinned image"),
    ({"image": "example/django-app", "production": True}, set(), "dev", "image", "example/django-app",
     "production needs a pinned image"),
    ({"securityExceptions": {"readOnlyRootFilesystem": "because"}}, set(), "dev",
     "securityExceptions.readOnlyRootFilesystem", '"because"', "at least 10 characters besides spaces"),
    ({"securityExceptions": {"privileged": "the app needs raw sockets for ping"}}, set(), "dev",
     "securityExceptions.privileged", '"privileged"', "as a key: Input should be 'readOnlyRootFilesystem' or 'networkPolicy'"),
    ({"scannerSkips": {"CKV_K8S_X": "a reason long enough"}}, set(), "dev", "scannerSkips.CKV_K8S_X",
     '"CKV_K8S_X"', "as a key: must be a checkov Kubernetes check id"),
    ({"httpAllowedNamespaces": ["Ingress"]}, set(), "dev", "httpAllowedNamespaces[0]", '"Ingress"', "DNS-1123 label"),
    ({"slackWebhookUrl": "https://hooks.example.invalid/plain"}, set(), "dev", "slackWebhookUrl",
     "hooks.example.invalid", "a credential must be set with --secret"),
    # Booleans are not numbers (pydantic would read true as 1).
    ({"replicas": True}, set(), "dev", "replicas", "true", "must be a number, not true or false"),
    ({"alertmanager": {"replicas": True}}, set(), "dev", "alertmanager.replicas", "true", "not true or false"),
    ({"relabelings": [{"action": "hashmod", "source_labels": ["a"], "target_label": "s", "modulus": True}]}, set(),
     "dev", "relabelings[0].modulus", "true", "not true or false"),
    ({"slos": [{"name": "availability", "objective": True}]}, set(), "dev", "slos[0].objective", "true",
     "not true or false"),
    # What Alertmanager refuses later.
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", "routes": [
        {"receiver": "a", "matchers": ['team=~"("']}]}}}},
     set(), "dev", "alertmanager.routing.route.routes[0].matchers[0]", 'team=~', "RE2 regular expression"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", "matchers": ["a=b"]}}}},
     set(), "dev", "alertmanager.routing", "matchers", "the root route must not have matchers"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", "group_by": ["a-b"]}}}},
     set(), "dev", "alertmanager.routing.route.group_by[0]", '"a-b"', "not a Prometheus label name"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a",
                                                                           "group_by": ["...", "team"]}}}},
     set(), "dev", "alertmanager.routing.route.group_by", "...", "'...' (every label) alone"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a"}, "inhibit_rules": [
        {"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": ["bad label"]}]}}},
     set(), "dev", "alertmanager.routing.inhibit_rules[0].equal[0]", '"bad label"', "not a Prometheus label name"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", "group_interval": "0s"}}}},
     set(), "dev", "alertmanager.routing.route.group_interval", '"0s"', "longer than 0s"),
    ({"alertmanager": {"retention": "3000000h"}}, set(), "dev", "alertmanager.retention", '"3000000h"',
     "64-bit nanosecond range"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "m", "email_configs": [
        {"to": "a@example.org", "from": "b@example.org", "smarthost": "smtp.example.org:99999"}]}],
        "route": {"receiver": "m"}}}}, set(), "dev",
     "alertmanager.routing.receivers[0].email_configs[0].smarthost", "99999", "port of 1-65535"),
    # What Prometheus refuses later.
    ({"scrapeInterval": "1000y"}, set(), "dev", "scrapeInterval", '"1000y"', "64-bit nanosecond range"),
    ({"slos": [{"name": "availability", "objective": 99, "labels": {"team-name": "x"}}]}, set(), "dev",
     "slos[0].labels", "team-name", "not a Prometheus label name"),
    ({"slos": [{"name": "a", "objective": 99}, {"name": "a", "objective": 99.9}]}, set(), "dev", "slos", "objective",
     "a appears more than once"),
    # Kubernetes labels derived from settings.
    ({"appName": "a" * 50}, set(), "a-long-stack-name-of-twenty", "appName", "aaaa",
     "app.kubernetes.io/instance label"),
    # Swarm.
    ({"alertmanager": {"backend": "swarm", "replicas": 3, "swarm": {"nodes": ["a", "b", "c"], "advertiseAddresses": [
        "198.51.100.1", "198.51.100.2", "198.51.100.3"],
                                                                    "firstPublishedPort": 65534}}}, set(), "dev",
     "alertmanager", "swarm", "publishes up to port 65536"),
    ({"alertmanager": {"swarm": {"dockerHost": "/var/run/docker.sock"}}}, set(), "dev", "alertmanager.swarm.dockerHost",
     "/var/run/docker.sock", "unix:///<socket path>, tcp://<host>[:<port>] or ssh://"),
    ({"alertmanager": {"swarm": {"dockerHost": "tcp://manager:70000"}}}, set(), "dev", "alertmanager.swarm.dockerHost",
     "tcp://manager:70000", "port of 1-65535"),
    # Wrong, though every tool would take it.
    ({"namespace": "kube-system"}, set(), "dev", "namespace", '"kube-system"', "the app's own namespace"),
    ({"namespace": "default"}, set(), "dev", "namespace", '"default"', "the app's own namespace"),
    ({"namespace": "monitoring"}, set(), "dev", "namespace", '"monitoring"', "not prometheusNamespace (monitoring)"),
    ({"prometheusPodLabels": {}}, set(), "dev", "prometheusPodLabels", "{}", "admits every pod"),
    ({"prometheusServiceAccount": "Prometheus_K8s"}, set(), "dev", "prometheusServiceAccount", '"Prometheus_K8s"',
     "DNS-1123 label"),
    ({"clusterDns": []}, set(), "dev", "clusterDns", "[]", "at least 1 item"),
    ({"clusterDns": [{"cidr": "169.254.20.10/32", "namespace": "kube-system"}]}, set(), "dev", "clusterDns[0]",
     '{"cidr": "169.254.20.10/32", "namespace": "kube-system"}', "either a cidr or pods"),
    ({"slos": [{"name": "availability", "objective": 99, "labels": {"severity": "page"}}]}, set(), "dev",
     "slos[0].labels", "severity", "must not set severity"),
    ({"slos": [{"name": "availability", "objective": 99, "labels": {"slo": "other"}}]}, set(), "dev",
     "slos[0].labels", "other", "must not set slo"),
    ({"slos": [{"name": "availability", "objective": 99, "pageSeverity": ""}]}, set(), "dev",
     "slos[0].pageSeverity", '""', "must not be empty or only spaces"),
    ({"slos": [{"name": "availability", "objective": 90}]}, set(), "dev", "slos[0]", "90",
     "page_fast (threshold 1.44) can never fire"),
    ({"resources": {"requests": {"cpu": "2", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}}, set(),
     "dev", "resources", "2", "requests.cpu 2 exceeds limits.cpu 1"),
    ({"alertmanager": {"resources": {"requests": {"cpu": "10m", "memory": "1Gi"},
                                     "limits": {"cpu": "200m", "memory": "256Mi"}}}}, set(), "dev",
     "alertmanager.resources", "requests", "requests.memory 1Gi exceeds limits.memory 256Mi"),
    ({"resources": {"requests": {"cpu": "100m", "memory": "256m"}, "limits": {"cpu": "1", "memory": "512m"}}}, set(),
     "dev", "resources.limits.memory", '"512m"', "m is milli"),
    ({"securityExceptions": {"networkPolicy": "            "}}, set(), "dev", "securityExceptions.networkPolicy",
     '"  ', "besides spaces"),
    ({"scannerSkips": {"CKV_K8S_43": "   \t   \t   "}}, set(), "dev", "scannerSkips.CKV_K8S_43", '"', "besides spaces"),
    # Credentials: one nothing reads, one reference that names a setting.
    ({}, {"slackWebhookUrll"}, "dev", "slackWebhookUrll", "[secret]", "is a secret that nothing reads"),
    ({"alertmanager": {"routing": {"receivers": [{"name": "s", "slack_configs": [
        {"api_url_secret": "kubeContext", "channel": "#a"}]}], "route": {"receiver": "s"}}}}, set(), "dev",
     "alertmanager.routing.receivers[0].slack_configs[0].api_url_secret", "kubeContext",
     "names the setting kubeContext, not a credential"),
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


def _uncovered(cases) -> list[str]:
    """Settings of the stack and of an app (an app's at the top level, as in a one-app stack) without a case; `apps`
    holds app settings, each of which needs its own."""
    from django_observability.settings.app import AppSettings
    from django_observability.settings.stack import StackSettings

    covered = {case[3].split(".")[0].split("[")[0] for case in cases}
    fields = [*StackSettings.model_fields.values(), *AppSettings.model_fields.values()]
    return [field.alias for field in fields if field.alias not in covered | {"apps"}]


def test_every_setting_has_a_bad_value_in_the_table():
    """A setting added without a case above is a rule nobody has seen refuse a value in one line."""
    assert _uncovered(CASES) == []


def test_a_setting_without_a_case_is_found():
    assert _uncovered([case for case in CASES if case[3] != "slothLabels"]) == ["slothLabels"]


def test_a_credential_reference_naming_a_setting_advises_no_secret_for_that_setting():
    routing = {"receivers": [{"name": "s", "slack_configs": [{"api_url_secret": "image", "channel": "#a"}]}],
               "route": {"receiver": "s"}}
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"alertmanager": {"routing": routing}}, set())
    assert "--secret image" not in str(raised.value) and len(raised.value.problems) == 1


@pytest.mark.parametrize("key, value", [("replicas", "3"), ("webConcurrency", "5"), ("httpPort", "8000")])
def test_digit_strings_stay_numbers(key, value):
    """`pulumi config set replicas 3` writes "3" into the stack file."""
    [app] = validate("dev", BASE | {key: value}, set()).apps
    assert getattr(app, {"replicas": "replicas", "webConcurrency": "web_concurrency", "httpPort": "http_port"}[key]) == int(value)


def _settings_models(model=Model):
    for sub in model.__subclasses__():
        yield sub
        yield from _settings_models(sub)


def _number_types(annotation):
    """The number types a field's annotation admits, each with the metadata of its Annotated."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [found for argument in typing.get_args(annotation) for found in _number_types(argument)]
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        return [(number, (*metadata, *more)) for number, more in _number_types(inner)]
    return [(annotation, ())] if annotation in (int, float, Decimal) else []


def test_every_number_setting_refuses_booleans():
    """The CASES above cover a few; this covers every number field of every settings model, present and future."""
    import django_observability.settings.stack  # noqa: F401 (defines every settings model)

    unguarded = [f"{model.__name__}.{name}" for model in _settings_models() for name, field in model.model_fields.items()
                 for _, metadata in _number_types(field.annotation) if NOT_BOOLEAN not in (*field.metadata, *metadata)]
    assert not unguarded, f"number settings that read true as 1 (use django_observability.settings.model's Integer, Exact or Real): {unguarded}"


# Every setting matched against a pattern, with a valid value: each string in it plus a final newline, and with its
# ASCII digits made fullwidth or Arabic-Indic, must be refused (Python's `$` and `\d` would take them). FREE is
# text no pattern governs (a reason, a Prometheus label value, a receiver name); matchers are free with whitespace
# as Alertmanager's own grammar is, and are checked against amtool in tests/validate.
FREE = "free text of a reason"
PATTERNED = [
    ("namespace", "app"), ("appName", "app-django"), ("partOf", "django-observability"),
    ("image", "example/django-app:0.1.0"), ("metricsPath", "/metrics"), ("scrapeInterval", "15s"),
    ("scrapeTimeout", "10s"), ("serviceMonitorLabels", {"release": "x"}), ("staticLabels", {"team": FREE}),
    ("httpAllowedNamespaces", ["ingress"]), ("scannerSkips", {"CKV_K8S_43": FREE}),
    ("resources", {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}),
    ("relabelings", [{"source_labels": ["a"], "target_label": "b"}]),
    ("slos", [{"name": "availability", "objective": 99, "labels": {"team": FREE}}]),
    ("alertmanager", {"retention": "120h"}), ("alertmanager", {"image": "prom/alertmanager:v0.28.1"}),
    ("alertmanager", {"swarm": {"dockerHost": "tcp://manager:2376", "network": "alertmanager"}}),
    ("alertmanager", {"backend": "swarm", "swarm": {"nodes": ["node-1"], "advertiseAddresses": ["198.51.100.1"]}}),
    ("alertmanager", {"routing": {"receivers": [{"name": FREE, "slack_configs": [
        {"api_url_secret": "slackWebhookUrl", "channel": "#alerts"}], "email_configs": [
        {"to": "a@example.org", "from": "b@example.org", "smarthost": "smtp.example.org:587"}]}],
        "route": {"receiver": FREE, "group_by": ["alertname"], "group_wait": "30s", "group_interval": "5m"},
        "inhibit_rules": []}}),
]


def _strings(value, change):
    """Each variant of `value` in which exactly one string (a key or a value) is changed by `change`."""
    if isinstance(value, str):
        if value != FREE and change(value) != value:
            yield change(value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for variant in _strings(item, change):
                yield value[:index] + [variant] + value[index + 1:]
    elif isinstance(value, dict):
        for key, item in value.items():
            for variant in _strings(key, change):
                yield {(variant if name == key else name): entry for name, entry in value.items()}
            for variant in _strings(item, change):
                yield value | {key: variant}


def _secrets_for(key, value):
    return {"slackWebhookUrl"} if key == "alertmanager" and "routing" in value else set()


@pytest.mark.parametrize("change", [lambda text: text + "\n",
                                    lambda text: text.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                                    lambda text: text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))],
                         ids=["trailing-newline", "fullwidth-digits", "arabic-indic-digits"])
@pytest.mark.parametrize("key, value", PATTERNED, ids=[f"{key}-{i}" for i, (key, _) in enumerate(PATTERNED)])
def test_patterns_match_whole_ascii_values(key, value, change):
    secrets = _secrets_for(key, value)
    validate("dev", BASE | {key: value}, secrets)  # the unchanged value is valid
    accepted = []
    for variant in _strings(value, change):
        try:
            validate("dev", BASE | {key: variant}, secrets)
        except SettingsError:
            continue
        accepted.append(variant)
    assert accepted == []


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"webConcurrency": 0, "replicas": 0, "namespace": "Bad", "scrapeInterval": "x"}, set())
    assert {problem.key for problem in raised.value.problems} == {"webConcurrency", "replicas", "namespace", "scrapeInterval"}


def test_cross_field_problems_are_reported_together():
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"httpPort": 5001, "servicePort": 5002, "scrapeTimeout": "1m"}, set())
    assert {problem.key for problem in raised.value.problems} == {"httpPort", "servicePort", "scrapeTimeout"}


@pytest.mark.parametrize("overrides, secret_keys, stack, key, shown, rule",
                         CASES[:3] + [case for case in CASES if not case[1]][-3:])
def test_program_registers_nothing_on_bad_input(overrides, secret_keys, stack, key, shown, rule):
    config = {f"django-observability:{name}": value if isinstance(value, str) else json.dumps(value)
              for name, value in (BASE | overrides).items()}
    mocks = RecordingMocks()
    with pytest.raises(Exception) as raised:
        run_program(stack, config, [], mocks)
    assert f"django-observability:{key}" in str(raised.value) and rule in str(raised.value)
    assert mocks.resources == []


# Stack files as a whole, read with the Pulumi CLI's rules: (file content, one phrase of the one line expected).
HEAD = "config:\n  django-observability:kubeContext: dev\n  django-observability:image: example/django-app:0.1.0\n"
_BOMB = "".join(f"  b{level}: &b{level} [{', '.join([f'*b{level - 1}'] * 9)}]\n" for level in range(1, 10))
STACK_FILES = [
    (b"config:\n  django-observability:kubeContext: d\xe9v\n", "Pulumi.dev.yaml: is not UTF-8 text (byte 0xe9"),
    (HEAD + "  django-observability:replicas: [3\n", "Pulumi.dev.yaml: line 5, column 1: not valid YAML"),
    ("- config\n", "Pulumi.dev.yaml: must be a YAML mapping (config:, encryptionsalt:), not a list"),
    ("just text\n", "Pulumi.dev.yaml: must be a YAML mapping (config:, encryptionsalt:), not a single value (str)"),
    ("config: [a]\n", "Pulumi.dev.yaml: config: must be a mapping of settings, not a list"),
    (HEAD + "  django-observability:replicas: !!python/object/apply:os.system [echo hi]\n",
     "Pulumi.dev.yaml: line 4: the tag tag:yaml.org,2002:python/object/apply:os.system is not plain YAML"),
    (HEAD + "  django-observability:webConcurrency: 3\n  django-observability:webConcurrency: 8\n",
     "Pulumi.dev.yaml: line 5: 'django-observability:webConcurrency' appears twice in one mapping (first on line 4)"),
    (HEAD + "  django-observability:alertmanager:\n    replicas: 1\n    replicas: 3\n",
     "Pulumi.dev.yaml: line 6: 'replicas' appears twice in one mapping"),
    (HEAD + "  webConcurrency: 8\n  django-observability:webConcurrency: 3\n",
     "Pulumi.dev.yaml: config keys 'webConcurrency' and 'django-observability:webConcurrency' are both "
     "django-observability:webConcurrency"),
    ("config:\n  django-observability:kubeContext: 2024-01-01\n  django-observability:image: example/app:1\n",
     "Pulumi.dev.yaml: line 2: 2024-01-01 is read by YAML as a date, which no setting is; quote it (\"2024-01-01\")"),
    (HEAD + "  django-observability:alertmanager:\n    routing:\n      route:\n        receiver: null\n"
     + "".join("        " + "  " * level + "routes:\n        " + "  " * level + "- receiver: null\n"
               for level in range(300)),
     "Pulumi.dev.yaml: line 53: nests deeper than 50 levels"),
    (HEAD + "  django-observability:staticLabels:\n    b0: &b0 [x, x, x, x, x, x, x, x, x]\n" + _BOMB.replace("  b", "    b"),
     "Pulumi.dev.yaml: line 1: expands to more than 10000 values (through YAML aliases, *name)"),
    (HEAD + "  django-observabilty:webConcurrency: 8\n",
     "django-observabilty:webConcurrency: 8 — is in namespace django-observabilty:, which nothing reads; this "
     "program reads django-observability:"),
    (HEAD + "  django-observability:slackWebhookUrll:\n    secure: v1:abc\n",
     "django-observability:slackWebhookUrll: \"[secret]\" — is a secret that nothing reads"),
    (HEAD + "  django-observabilty:slackWebhookUrl:\n    secure: v1:abc\n",
     "django-observabilty:slackWebhookUrl: \"[secret]\" — is in namespace django-observabilty:, which nothing reads"),
    ("config:\n  django-observability:image: example/django-app:0.1.0\n",
     "django-observability:kubeContext: (unset) — is required"),
]


@pytest.mark.parametrize("content, line", STACK_FILES, ids=[line.split(" — ")[0][:60] for _, line in STACK_FILES])
def test_stack_file_refused_in_one_line_within_bounded_memory(tmp_path, content, line):
    """An alias bomb or a nesting bomb is refused while it is read, not after it has been built: the reader's peak
    memory stays small (a timed bound would measure the machine's load; memory measures the reading)."""
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    tracemalloc.start()
    with pytest.raises(SettingsError) as raised:
        load_offline("dev", tmp_path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(raised.value.problems) == 1 and str(raised.value.problems[0]).startswith(line), str(raised.value)
    assert "Traceback" not in str(raised.value)
    assert peak < 50 * 2**20, peak


def test_a_key_without_namespace_is_the_projects_as_pulumi_reads_it(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(HEAD + "  webConcurrency: 8\n  kubernetes:enableServerSideApply: true\n")
    assert load_offline("dev", tmp_path).settings.apps[0].web_concurrency == 8


def test_a_missing_stack_file_says_the_stack_does_not_exist(tmp_path):
    with pytest.raises(SettingsError) as raised:
        load_offline("nosuch", tmp_path)
    assert str(raised.value.problems[0]) == "Pulumi.nosuch.yaml: does not exist: there is no stack 'nosuch' in this project"


def test_a_huge_value_is_echoed_cut_short():
    with pytest.raises(SettingsError) as raised:
        validate("dev", BASE | {"replicas": ["x" * 10**6] * 1000}, set())
    assert len(str(raised.value.problems[0])) < 250


@pytest.mark.parametrize("image, version", [("example/app:_v1", "v1"), ("example/app:1.0-", "1.0"),
                                            ("example/app:___", "unversioned"), ("example/app:" + "a" * 62 + "_b", "a" * 62)])
def test_the_version_label_derived_from_any_valid_tag_is_a_valid_label_value(image, version):
    from django_observability.builders.params import stack_params
    from django_observability.settings.rules import kubernetes_label_value

    labels = stack_params("dev", validate("dev", BASE | {"image": image}, set())).apps[0].app.identity.labels
    assert labels["app.kubernetes.io/version"] == kubernetes_label_value(version)
