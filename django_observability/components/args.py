"""The components' arguments, generated from the settings models by `python -m django_observability.settings.reference
--write` (settings/args_source.py); tests check that it agrees. A component validates its arguments with the
model they were written from."""
from typing import Any, Required, TypedDict

import pulumi


class SpreadArgs(TypedDict, total=False):
    """Topology spread of an app's replicas, over nodes and over zones."""

    hostname: str
    """Replicas over nodes (kubernetes.io/hostname, maxSkew 1): soft (ScheduleAnyway) or hard (DoNotSchedule). Default: "soft"."""
    zone: str
    """Replicas over zones (topology.kubernetes.io/zone, maxSkew 1): off, soft or hard. Default: "off"."""


class ResourceQuantitiesArgs(TypedDict, total=False):
    """A CPU and a memory quantity."""

    cpu: Required[str]
    """CPU as a Kubernetes quantity (250m, 1)."""
    memory: Required[str]
    """Memory as a Kubernetes quantity (256Mi, 1Gi)."""


class LimitsArgs(TypedDict, total=False):
    """The Django container's limits."""

    cpu: str
    """CPU limit, above the request: workers burst (start-up, spikes) instead of being throttled at the request. Default: "1"."""
    memory: str
    """Memory limit; unset, it equals the memory request (prod refuses any other value)."""


class AppResourcesArgs(TypedDict, total=False):
    """The Django container's requests follow the worker count: master + webConcurrency × perWorker, plus the multiprocess directory's sizeLimit in memory with metricsMode multiprocess."""

    master: ResourceQuantitiesArgs
    """What the gunicorn master takes itself."""
    per_worker: ResourceQuantitiesArgs
    """What each gunicorn worker takes."""
    requests: ResourceQuantitiesArgs
    """Requests given outright instead of derived from the worker count."""
    limits: LimitsArgs
    """Limits of the Django container."""


class StorageArgs(TypedDict, total=False):
    """Ephemeral storage of the Django container and the size of each emptyDir."""

    ephemeral: str
    """ephemeral-storage request and limit of the Django container: its logs and /tmp (the root filesystem is read-only). Default: "256Mi"."""
    tmp: str
    """sizeLimit of the /tmp emptyDir (gunicorn's heartbeat, the reference app's database), at most ephemeral. Default: "128Mi"."""
    multiproc: str
    """sizeLimit of the in-memory multiprocess directory (metricsMode multiprocess), added to the memory request. Default: "32Mi"."""


class ProbeTimingArgs(TypedDict, total=False):
    """When a probe runs and when the kubelet acts on its failures."""

    period_seconds: Required[int]
    """How often the kubelet probes (1-3600)."""
    timeout_seconds: Required[int]
    """How long one probe may take, at most periodSeconds."""
    failure_threshold: Required[int]
    """Failures in a row before the kubelet acts (1-1000)."""


class ProbesArgs(TypedDict, total=False):
    """The startup, readiness and liveness probes of the Django container."""

    startup: ProbeTimingArgs
    """GET /health/ until Django answers: boot and migrations may take periodSeconds × failureThreshold; the other probes start after it."""
    readiness: ProbeTimingArgs
    """GET /ready/ (the database answers): the pod leaves the Service's endpoints within periodSeconds × failureThreshold of failing."""
    liveness: ProbeTimingArgs
    """A TCP connect to http, which the gunicorn master accepts even when every worker is busy: restarts only a master that stopped accepting for periodSeconds × failureThreshold."""


class ShutdownArgs(TypedDict, total=False):
    """Graceful shutdown of a Django pod."""

    pre_stop_seconds: int
    """The pre-stop sleep: the pod keeps serving while every node's kube-proxy drops it from the endpoints, before gunicorn gets SIGTERM. Default: 5."""
    graceful_timeout_seconds: int
    """gunicorn's graceful_timeout (GUNICORN_GRACEFUL_TIMEOUT): how long workers may finish their requests. Default: 30."""


class EgressPortArgs(TypedDict, total=False):
    """A destination port of an egress allow entry."""

    port: Required[int]
    """Destination port (1-65535)."""
    protocol: str
    """TCP, UDP or SCTP. Default: "TCP"."""


class EgressRuleArgs(TypedDict, total=False):
    """A destination: a CIDR, or pods (a namespace, pod labels, or both), on the listed ports."""

    cidr: str
    """Addresses outside the cluster; the metadata address is excepted from any CIDR that contains it."""
    namespace: str
    """Pods of this namespace."""
    pod_labels: dict[str, str]
    """Pods with these labels (in `namespace`, or in the pod's own namespace)."""
    ports: Required[list[EgressPortArgs]]
    """The ports allowed, at least one."""


class BurnRateTiersArgs(TypedDict, total=False):
    """The multiwindow, multi-burn-rate alerts of the Google SRE workbook; each can be switched off on its own."""

    page_fast: bool
    """Page when 2% of the budget burns within 1h (1h and 5m windows; factor 14.4 for 30d). Default: true."""
    page_slow: bool
    """Page when 5% of the budget burns within 6h (6h and 30m windows; factor 6 for 30d). Default: true."""
    ticket_fast: bool
    """Ticket when 10% of the budget burns within 1d (1d and 2h windows; factor 3 for 30d). Default: true."""
    ticket_slow: bool
    """Ticket when 10% of the budget burns within 3d (3d and 6h windows; factor 1 for 30d). Default: true."""


class SloSpecArgs(TypedDict, total=False):
    """A service level objective of the app, and its burn-rate alerts."""

    name: Required[str]
    """Name of the SLO (lowercase letters, digits, '-'), the `slo` label of its rules."""
    objective: Required[float]
    """Target in percent, strictly between 0 and 100 (99.9 leaves an error budget of 0.1%)."""
    period: str
    """The SLO period: 30d or 28d. Default: "30d"."""
    sli: str
    """availability: share of responses that are not 5xx. latency: share of requests at or under latencyThreshold. Default: "availability"."""
    latency_threshold: float
    """Seconds, for a latency SLI: one of the latency histogram's bucket boundaries."""
    alerts: BurnRateTiersArgs
    """Which burn-rate tiers alert."""
    page_severity: str
    """`severity` label of the page tiers. Default: "critical"."""
    ticket_severity: str
    """`severity` label of the ticket tiers. Default: "warning"."""
    runbook_url: str
    """`runbook_url` annotation of every alert."""
    labels: dict[str, str]
    """Further labels on every alert (e.g. team)."""
    budget_unused_alert: bool
    """A low-severity ticket when almost none of the budget is used over the period (the SLO is stricter than reality and dependants may come to rely on it). Default: false."""


class DestinationArgs(TypedDict, total=False):
    """A CIDR, or pods (a namespace, pod labels, or both)."""

    cidr: str
    """Addresses outside the cluster; the metadata address is excepted from any CIDR that contains it."""
    namespace: str
    """Pods of this namespace."""
    pod_labels: dict[str, str]
    """Pods with these labels (in `namespace`, or in the pod's own namespace)."""


class DjangoAppArgs(TypedDict, total=False):
    """One app with what it shares with a stack's other apps: what a `DjangoApp` component is built from."""

    app_name: str
    """Name of the Deployment, Service and ServiceMonitor (DNS-1123 label, at most 50 characters). Default: the component's name."""
    namespace: str
    """Namespace of the Django app (DNS-1123 label). Default: "app"."""
    create_namespace: bool
    """Create the namespace (labelled to enforce the restricted Pod Security Standard), or expect it to exist. Of the apps sharing a namespace, at most one creates it. Default: true."""
    image: Required[str]
    """The Django image, repository[:tag][@sha256:digest]."""
    image_pull_policy: str
    """Always, IfNotPresent or Never. Default: "IfNotPresent"."""
    replicas: int
    """Pods of the Django Deployment (1-100); more than one adds a PodDisruptionBudget and topology spread. Default: 1."""
    spread: SpreadArgs
    """Topology spread of the replicas (with more than one): over nodes and over zones."""
    web_concurrency: int
    """gunicorn workers per pod (WEB_CONCURRENCY, 1-64), one metrics port each. Default: 2."""
    metrics_mode: str
    """per-worker-ports (one port and one target per worker) or multiprocess (one aggregated port). Default: "per-worker-ports"."""
    http_port: int
    """Container port gunicorn binds (HTTP_PORT), named http. Default: 5000."""
    service_port: int
    """Service port for http. Default: 80."""
    metrics_start_port: int
    """First metrics port (METRICS_START_PORT); worker i exports on METRICS_START_PORT + i - 1. Default: 5001."""
    resources: AppResourcesArgs
    """Requests (derived from the worker count) and limits of the Django container."""
    storage: StorageArgs
    """Ephemeral storage of the Django container and the size of each emptyDir."""
    probes: ProbesArgs
    """Timings of the startup, readiness and liveness probes."""
    shutdown: ShutdownArgs
    """Graceful shutdown: the pre-stop sleep and gunicorn's graceful timeout; the grace period follows from them."""
    http_allowed_namespaces: list[str]
    """Namespaces whose pods may reach the http port (NetworkPolicy); empty admits every source, e.g. an ingress controller in any namespace."""
    egress: list[EgressRuleArgs]
    """Where the app's pods may connect besides cluster DNS (kube-system pods k8s-app: kube-dns, port 53): each a cidr or pods (namespace, podLabels), with ports. Everything else is denied."""
    security_exceptions: dict[str, str]
    """Secure defaults this stack relaxes, each with the reason, which is written on the Deployment: readOnlyRootFilesystem (the app writes outside /tmp), networkPolicy (the cluster enforces none)."""
    scanner_skips: dict[str, str]
    """checkov checks skipped on the Django objects, each with its reason (written as checkov.io/skip annotations)."""
    kube_score_ignores: dict[str, str]
    """kube-score checks ignored on the Django Deployment, each with its reason (kube-score/ignore, the reason in django-observability.io/kube-score-ignore-<check>)."""
    metrics_path: str
    """Path Prometheus scrapes on each metrics port. Default: "/metrics"."""
    scrape_interval: str
    """Prometheus duration between scrapes of each endpoint. Default: "15s"."""
    scrape_timeout: str
    """Prometheus duration a scrape may take, at most scrapeInterval. Default: "10s"."""
    service_monitor_labels: dict[str, str]
    """Labels on the ServiceMonitor itself, for a Prometheus' serviceMonitorSelector (e.g. release: kube-prometheus-stack)."""
    static_labels: dict[str, str]
    """Fixed labels added to every scraped series by relabeling; environment=<stack name> is always added."""
    relabelings: list[dict[str, Any]]
    """Further relabel_configs for every target, in prometheus.yml's snake_case."""
    metric_relabelings: list[dict[str, Any]]
    """metric_relabel_configs for every scraped series, in prometheus.yml's snake_case."""
    slos: list[SloSpecArgs]
    """SLOs of the app: name, objective (percent), period (30d or 28d), sli (availability or latency) and which burn-rate alerts fire. Rendered as a PrometheusRule, plus a Grafana dashboard."""
    slo_excluded_views: list[str]
    """Further Django views (URL names, the `view` label) whose requests no SLI counts, besides health, ready and prometheus-django-metrics, which are always excluded."""
    sloth_labels: bool
    """Add Sloth's sloth_service, sloth_slo and sloth_id labels to every SLO rule, for Sloth's Grafana dashboards. Default: false."""
    part_of: str
    """The app.kubernetes.io/part-of label of every object. Default: "django-observability"."""
    prometheus_namespace: str
    """Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager. Default: "monitoring"."""
    prometheus_pod_labels: dict[str, str]
    """Labels of the Prometheus pods the NetworkPolicies admit."""
    prometheus_service_account: str
    """When set, the stack lets this service account of prometheusNamespace discover the apps' targets: a Role and RoleBinding in each app's namespace (get, list and watch services, endpoints, endpointslices and pods), which kube-prometheus' Prometheus (prometheus-k8s) needs outside default, kube-system and monitoring. Unset, the check before deploying says when the Prometheus that selects a ServiceMonitor may not list them."""
    cluster_dns: list[DestinationArgs]
    """Where cluster DNS is served from, the one destination the apps' and the Alertmanager's pods always reach (port 53, UDP and TCP): each a cidr or pods (namespace, podLabels). Default kube-system pods k8s-app: kube-dns; with NodeLocal DNSCache, [{cidr: 169.254.20.10/32}]."""
    production: bool
    """Hold every app to production rules: an image pinned by a tag other than latest or by a digest, and a memory limit equal to the memory request. Default: false."""


class ResourcesArgs(TypedDict, total=False):
    """Requests and limits of one container; every container gets both."""

    requests: Required[ResourceQuantitiesArgs]
    """What the scheduler reserves."""
    limits: Required[ResourceQuantitiesArgs]
    """What the container may use at most."""


class SwarmSettingsArgs(TypedDict, total=False):
    """Where the Swarm backend runs its peers."""

    nodes: list[str]
    """Node hostnames, one per peer in peer order: peer i is pinned to nodes[i-1]."""
    advertise_addresses: list[str]
    """The nodes' IP addresses, in peer order: peer i gossips at advertiseAddresses[i-1]:9094, published on its node (inside a task Alertmanager would advertise the docker_gwbridge address, which every node reuses)."""
    docker_host: str
    """The Docker endpoint of a Swarm manager (unix://, tcp:// or ssh://). Default: "unix:///var/run/docker.sock"."""
    network: str
    """The attachable overlay network the peers gossip on. Default: "alertmanager"."""
    first_published_port: int
    """Peer i publishes its web port (9093) at firstPublishedPort + i - 1. Default: 19093."""


class AppRefArgs(TypedDict, total=False):
    """An app whose alerts an Alertmanager cluster receives."""

    namespace: Required[str]
    """The app's namespace."""
    app_name: Required[str]
    """The app's name (its Service's): with the namespace, what every alert of its rules carries."""


class AlertmanagerClusterArgs(TypedDict, total=False):
    """An Alertmanager cluster with where the platform's Prometheus runs and the apps it receives alerts of: what an `AlertmanagerCluster` component is built from."""

    backend: str
    """kubernetes (a prometheus-operator Alertmanager) or swarm (numbered Docker Swarm services). Default: "kubernetes"."""
    name: str
    """Name of the Alertmanager resource (its StatefulSet and config Secret are alertmanager-<name>); default <project>-<stack> (django-observability-dev), never a name a platform's own Alertmanager has (main, kube-prometheus-stack-alertmanager). Its PDB and NetworkPolicy carry the same name. Default: the component's name."""
    namespace: str
    """Namespace of the Alertmanager on Kubernetes. Default: "monitoring"."""
    replicas: int
    """Peers of the cluster (1-9); more than one adds a PodDisruptionBudget. Gossip needs no quorum (Prometheus sends each alert to every peer, which share a notification log so that one notifies), so any count works and each further peer tolerates one more failure. Default: 1."""
    image: str
    """The Alertmanager image. Default: "prom/alertmanager:v0.28.1"."""
    image_pull_policy: str
    """When the kubelet pulls the Alertmanager and config-reloader images (IfNotPresent suits an image pinned by digest). Default: "Always"."""
    anti_affinity: str
    """Spread peers over nodes: soft (preferred) or hard (required) pod anti-affinity on kubernetes.io/hostname. Default: "soft"."""
    retention: str
    """How long silences and the notification log are kept (h, m, s, ms only). Default: "120h"."""
    resources: ResourcesArgs
    """Requests and limits of each Alertmanager container; memory request equal to the limit, so that the peers are not the first evicted under memory pressure."""
    ephemeral_storage: str
    """ephemeral-storage request and limit of each Alertmanager container: its logs, and the data directory of silences and the notification log (an emptyDir, counted against the pod's limit). Default: "128Mi"."""
    kube_score_ignores: dict[str, str]
    """kube-score checks ignored on the StatefulSet the operator generates, each with its reason (annotations of the Alertmanager resource, which the operator copies onto it)."""
    egress: list[EgressRuleArgs]
    """Where the peers may connect besides cluster DNS and each other (9094): the receivers, each a cidr or pods (namespace, podLabels), with ports. Default: HTTPS anywhere but the cloud metadata address."""
    swarm: SwarmSettingsArgs
    """Where the swarm backend runs its peers."""
    routing: dict[str, Any]
    """alertmanager.yml: route, receivers, inhibit_rules, templates (snake_case); credentials as *_secret keys."""
    part_of: str
    """The app.kubernetes.io/part-of label of every object. Default: "django-observability"."""
    prometheus_namespace: str
    """Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager. Default: "monitoring"."""
    prometheus_pod_labels: dict[str, str]
    """Labels of the Prometheus pods the NetworkPolicies admit."""
    prometheus_service_account: str
    """When set, the stack lets this service account of prometheusNamespace discover the apps' targets: a Role and RoleBinding in each app's namespace (get, list and watch services, endpoints, endpointslices and pods), which kube-prometheus' Prometheus (prometheus-k8s) needs outside default, kube-system and monitoring. Unset, the check before deploying says when the Prometheus that selects a ServiceMonitor may not list them."""
    cluster_dns: list[DestinationArgs]
    """Where cluster DNS is served from, the one destination the apps' and the Alertmanager's pods always reach (port 53, UDP and TCP): each a cidr or pods (namespace, podLabels). Default kube-system pods k8s-app: kube-dns; with NodeLocal DNSCache, [{cidr: 169.254.20.10/32}]."""
    apps: list[AppRefArgs]
    """The apps whose alerts the cluster receives: the alerting it exports keeps their alerts alone, and the relabelings it exports for a platform's own Alertmanager drop them there. Empty, it receives every alert of the Prometheus that sends to it."""
    credentials: dict[str, pulumi.Input[str]]
    """The value of every secret key the routing names (such as slackWebhookUrl), kept secret."""
