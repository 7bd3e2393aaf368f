"""What the Django pod gets from the settings: requests that follow the worker count, probe timings, graceful
shutdown, bounded storage, spread, and the egress allow-lists of the app and the Alertmanager."""

import pytest

from django_observability.builders.alertmanager.kubernetes import build_alertmanager, build_network_policy as alertmanager_policy
from django_observability.builders.django_app import build_default_deny_egress, build_deployment, build_network_policy
from django_observability.builders.params import stack_params
from django_observability.settings.loader import load_offline, validate

BASE = {"kubeContext": "dev", "image": "example/django-app:0.1.0"}


def _params(stack="dev", **overrides):
    return stack_params(stack, validate(stack, BASE | overrides, set()))


def _container(deployment):
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("workers, cpu, memory", [(1, "100m", "160Mi"), (2, "150m", "256Mi"), (5, "300m", "544Mi"),
                                                  (20, "1050m", "1984Mi"), (64, "3250m", "6208Mi")])
def test_requests_follow_the_worker_count(workers, cpu, memory):
    """master + webConcurrency × perWorker (50m + N × 50m, 64Mi + N × 96Mi); the memory limit equals the request."""
    resources = _params(webConcurrency=workers, resources={"limits": {"cpu": "4"}}).apps[0].app.resources
    assert resources["requests"] == {"cpu": cpu, "memory": memory, "ephemeral-storage": "256Mi"}
    assert resources["limits"] == {"cpu": "4", "memory": memory, "ephemeral-storage": "256Mi"}


def test_multiprocess_directory_counts_as_memory():
    resources = _params(webConcurrency=2, metricsMode="multiprocess").apps[0].app.resources
    assert resources["requests"]["memory"] == "288Mi"  # 64Mi + 2 × 96Mi + the 32Mi in-memory directory


def test_requests_given_outright_and_per_stack_amounts():
    given = _params(resources={"requests": {"cpu": "250m", "memory": "300Mi"}, "limits": {"memory": "512Mi"}})
    assert given.apps[0].app.resources["requests"] == {"cpu": "250m", "memory": "300Mi", "ephemeral-storage": "256Mi"}
    assert given.apps[0].app.resources["limits"]["memory"] == "512Mi"
    own = _params(webConcurrency=3, resources={"master": {"cpu": "0.1", "memory": "0.5Gi"},
                                               "perWorker": {"cpu": "200m", "memory": "128Mi"}})
    assert own.apps[0].app.resources["requests"] == {"cpu": "700m", "memory": "896Mi", "ephemeral-storage": "256Mi"}


def test_prod_memory_request_equals_its_limit():
    resources = stack_params("prod", load_offline("prod").settings).apps[0].app.resources
    assert resources["requests"]["memory"] == resources["limits"]["memory"] == "544Mi"


def test_probe_timings_from_settings():
    container = _container(build_deployment(_params(probes={
        "readiness": {"periodSeconds": 4, "timeoutSeconds": 3, "failureThreshold": 1}}).apps[0].app))
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready/", "port": "http", "scheme": "HTTP"},
                                           "periodSeconds": 4, "timeoutSeconds": 3, "failureThreshold": 1,
                                           "successThreshold": 1}
    assert container["startupProbe"] == {"httpGet": {"path": "/health/", "port": "http", "scheme": "HTTP"},
                                         "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 60,
                                         "successThreshold": 1}
    # Only whether the gunicorn master accepts: busy workers never fail it.
    assert container["livenessProbe"] == {"tcpSocket": {"port": "http"}, "periodSeconds": 10, "timeoutSeconds": 5,
                                          "failureThreshold": 6, "successThreshold": 1}


def test_default_probes_take_a_pod_out_in_seconds_and_restart_it_only_after_a_minute():
    probes = load_offline("prod").settings.apps[0].probes
    assert probes.readiness.period_seconds * probes.readiness.failure_threshold <= 10
    assert probes.liveness.period_seconds * probes.liveness.failure_threshold >= 60
    assert probes.startup.period_seconds * probes.startup.failure_threshold >= 300


def test_shutdown_grace_covers_the_pre_stop_sleep_and_gunicorns_graceful_timeout():
    deployment = build_deployment(_params(shutdown={"preStopSeconds": 8, "gracefulTimeoutSeconds": 20}).apps[0].app)
    container = _container(deployment)
    assert container["lifecycle"] == {"preStop": {"sleep": {"seconds": 8}}}
    assert {"name": "GUNICORN_GRACEFUL_TIMEOUT", "value": "20"} in container["env"]
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 8 + 20 + 5


@pytest.mark.parametrize("mode", ["per-worker-ports", "multiprocess"])
def test_every_empty_dir_has_a_size_limit(mode):
    volumes = build_deployment(_params(metricsMode=mode, storage={"tmp": "64Mi", "multiproc": "16Mi"}).apps[0].app)[
        "spec"]["template"]["spec"]["volumes"]
    assert all("sizeLimit" in volume["emptyDir"] for volume in volumes)
    assert {volume["name"]: volume["emptyDir"]["sizeLimit"] for volume in volumes} == (
        {"tmp": "64Mi", "prometheus-multiproc": "16Mi"} if mode == "multiprocess" else {"tmp": "64Mi"})


def test_spread_per_stack():
    def spread(stack):
        spec = build_deployment(stack_params(stack, load_offline(stack).settings).apps[0].app)["spec"]["template"]["spec"]
        return [(c["topologyKey"], c["whenUnsatisfiable"], c["maxSkew"]) for c in spec.get("topologySpreadConstraints", [])]
    assert spread("dev") == []  # one replica
    assert spread("prod") == spread("acceptance") == [("kubernetes.io/hostname", "DoNotSchedule", 1),
                                                      ("topology.kubernetes.io/zone", "ScheduleAnyway", 1)]


DNS = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
       "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}


def test_app_egress_is_dns_and_the_allow_list():
    params = _params(egress=[{"namespace": "db", "podLabels": {"app": "postgres"}, "ports": [{"port": 5432}]},
                             {"cidr": "0.0.0.0/0", "ports": [{"port": 443}]},
                             {"cidr": "10.20.0.0/16", "ports": [{"port": 6379}, {"port": 53, "protocol": "UDP"}]}])
    policy = build_network_policy(params.apps[0].app)
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["egress"] == [
        DNS,
        {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "db"}},
                 "podSelector": {"matchLabels": {"app": "postgres"}}}], "ports": [{"port": 5432, "protocol": "TCP"}]},
        # A CIDR that contains the cloud metadata address gets it excepted.
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}],
         "ports": [{"port": 443, "protocol": "TCP"}]},
        {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
         "ports": [{"port": 6379, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]},
    ]


def test_node_local_dns_cache_is_where_every_pod_resolves():
    """With NodeLocal DNSCache (GKE, EKS) pods resolve at 169.254.20.10 on their node: clusterDns names it, and
    both the app's and the Alertmanager's policies admit port 53 there instead of kube-system's kube-dns pods."""
    params = _params(clusterDns=[{"cidr": "169.254.20.10/32"}])
    node_local = {"to": [{"ipBlock": {"cidr": "169.254.20.10/32"}}],
                  "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
    assert build_network_policy(params.apps[0].app)["spec"]["egress"] == [node_local]
    assert alertmanager_policy(params.alertmanager)["spec"]["egress"][0] == node_local
    both = _params(clusterDns=[{"cidr": "169.254.20.10/32"}, {"namespace": "kube-system",
                                                              "podLabels": {"k8s-app": "kube-dns"}}])
    assert build_network_policy(both.apps[0].app)["spec"]["egress"][0]["to"] == node_local["to"] + DNS["to"]


@pytest.mark.parametrize("cidr, excepted", [("169.254.0.0/16", ["169.254.169.254/32"]), ("10.0.0.0/8", []),
                                            ("::/0", ["fd00:ec2::254/128"]), ("2001:db8::/32", [])])
def test_metadata_address_never_allowed(cidr, excepted):
    [rule] = build_network_policy(_params(egress=[{"cidr": cidr, "ports": [{"port": 80}]}]).apps[0].app)["spec"]["egress"][1:]
    assert rule["to"][0]["ipBlock"].get("except", []) == excepted


def test_default_egress_is_dns_alone_and_the_owned_namespace_denies_every_pod():
    params = _params()
    assert build_network_policy(params.apps[0].app)["spec"]["egress"] == [DNS]
    assert build_default_deny_egress(params.apps[0].app)["spec"] == {"podSelector": {}, "policyTypes": ["Egress"]}
    assert build_default_deny_egress(_params(createNamespace=False).apps[0].app) is None


def test_alertmanager_egress_selects_its_pods_alone():
    """monitoring is shared with the cluster's Prometheus and operator: the policy selects the Alertmanager pods
    (their spec.podMetadata labels), and lets them reach DNS, their receivers (HTTPS) and their peers only."""
    params = _params().alertmanager
    policy, alertmanager = alertmanager_policy(params), build_alertmanager(params)
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector["app.kubernetes.io/name"] == "alertmanager" and selector["app.kubernetes.io/instance"] == "django-observability-dev"
    assert selector.items() <= alertmanager["spec"]["podMetadata"]["labels"].items()
    peers = [{"podSelector": {"matchLabels": selector}}]
    assert policy["spec"]["egress"] == [
        DNS,
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}],
         "ports": [{"port": 443, "protocol": "TCP"}]},
        {"to": peers, "ports": [{"port": 9094, "protocol": "TCP"}, {"port": 9094, "protocol": "UDP"}]},
    ]
    sink = _params(alertmanager={"egress": [{"namespace": "sink", "ports": [{"port": 8080}]}]}).alertmanager
    assert alertmanager_policy(sink)["spec"]["egress"][1] == {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "sink"}}}],
        "ports": [{"port": 8080, "protocol": "TCP"}]}


def test_alertmanager_restricted_pods():
    spec = build_alertmanager(_params().alertmanager)["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert min(spec["securityContext"][key] for key in ("runAsUser", "runAsGroup", "fsGroup")) > 10000
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    reloader = {"requests": {"ephemeral-storage": "16Mi"}, "limits": {"ephemeral-storage": "16Mi"}}
    assert spec["containers"] == [
        {"name": "alertmanager", "securityContext": {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}},
        {"name": "config-reloader", "resources": reloader}]
    assert spec["initContainers"] == [{"name": "init-config-reloader", "resources": reloader}]
    assert spec["resources"] == {"requests": {"cpu": "10m", "memory": "128Mi", "ephemeral-storage": "128Mi"},
                                 "limits": {"cpu": "200m", "memory": "128Mi", "ephemeral-storage": "128Mi"}}
    assert spec["imagePullPolicy"] == "Always"


def test_alertmanager_kube_score_ignores_only_while_they_apply():
    def ignored(**alertmanager):
        annotations = build_alertmanager(_params(alertmanager=alertmanager).alertmanager)["metadata"].get(
            "annotations", {})
        return set(filter(None, annotations.get("kube-score/ignore", "").split(",")))
    burst = {"container-cpu-requests-equal-limits", "container-resource-requests-equal-limits"}
    assert ignored() == burst
    equal = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "100m", "memory": "128Mi"}}
    assert ignored(resources=equal) == set()
    digest = "prom/alertmanager:v0.28.1@sha256:" + "a" * 64
    assert ignored(resources=equal, image=digest, imagePullPolicy="IfNotPresent") == {"container-image-pull-policy"}
    assert ignored(resources=equal, image=digest) == set()
    assert ignored(resources=equal, kubeScoreIgnores={"pod-probes": "a reason of some length"}) == {"pod-probes"}


def test_kube_score_ignores_only_while_they_apply():
    def ignored(params):
        return build_deployment(params.apps[0].app)["metadata"].get("annotations", {}).get(
            "kube-score/ignore", "").split(",")
    prod = stack_params("prod", load_offline("prod").settings)
    [app] = prod.apps
    assert "container-image-pull-policy" in ignored(prod)  # pinned by digest
    assert "container-image-pull-policy" not in ignored(
        prod._replace(apps=(app._replace(app=app.app._replace(image_pull_policy="Always")),)))
    assert "deployment-has-host-podantiaffinity" in ignored(prod)
    assert "deployment-has-host-podantiaffinity" not in ignored(_params("prod", replicas=3, spread={"hostname": "soft"},
                                                                        image=app.app.image))
    equal_cpu = _params(resources={"requests": {"cpu": "1", "memory": "256Mi"}})
    assert "container-cpu-requests-equal-limits" not in ignored(equal_cpu)


def test_the_discovery_grant_is_exactly_what_prometheus_discovery_reads():
    """kube-prometheus' Prometheus may list endpoints only in default, kube-system and monitoring: with
    prometheusServiceAccount set, the stack grants that account discovery in the app's namespace, and nothing else."""
    from django_observability.builders.service_monitor import build_monitoring

    assert [obj["kind"] for obj in build_monitoring(_params().apps[0].monitoring)] == ["ServiceMonitor"]
    role, binding = build_monitoring(_params(prometheusServiceAccount="prometheus-k8s").apps[0].monitoring)[1:]
    assert role["kind"] == "Role" and role["metadata"]["namespace"] == "app"
    assert {(group, resource) for rule in role["rules"] for group in rule["apiGroups"]
            for resource in rule["resources"]} == {("", "services"), ("", "endpoints"), ("", "pods"),
                                                   ("discovery.k8s.io", "endpointslices")}
    assert all(rule["verbs"] == ["get", "list", "watch"] for rule in role["rules"])
    assert binding["roleRef"]["name"] == role["metadata"]["name"] == "app-django-prometheus-discovery"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prometheus-k8s", "namespace": "monitoring"}]
