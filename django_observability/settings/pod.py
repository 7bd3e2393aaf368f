"""How the Django pod behaves on a node: probes, shutdown, storage, resources and spread."""
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from django_observability.settings.model import Integer, MemoryQuantity, Model, Quantity, ResourceQuantities, quantity_value

Seconds = Annotated[Integer, Field(ge=1, le=3600)]


class ProbeTiming(Model):
    """When a probe runs and when the kubelet acts on its failures."""

    period_seconds: Seconds
    """How often the kubelet probes (1-3600)."""
    timeout_seconds: Seconds
    """How long one probe may take, at most periodSeconds."""
    failure_threshold: Annotated[Integer, Field(ge=1, le=1000)]
    """Failures in a row before the kubelet acts (1-1000)."""

    @model_validator(mode="after")
    def _timeout_within_period(self):
        if self.timeout_seconds > self.period_seconds:
            raise ValueError(f"timeoutSeconds {self.timeout_seconds} exceeds periodSeconds {self.period_seconds}; "
                             "a probe must end before the next one starts")
        return self


class Probes(Model):
    """The startup, readiness and liveness probes of the Django container."""

    startup: ProbeTiming = ProbeTiming(period_seconds=5, timeout_seconds=3, failure_threshold=60)
    """GET /health/ until Django answers: boot and migrations may take periodSeconds × failureThreshold; the
    other probes start after it."""
    readiness: ProbeTiming = ProbeTiming(period_seconds=3, timeout_seconds=2, failure_threshold=2)
    """GET /ready/ (the database answers): the pod leaves the Service's endpoints within periodSeconds ×
    failureThreshold of failing."""
    liveness: ProbeTiming = ProbeTiming(period_seconds=10, timeout_seconds=5, failure_threshold=6)
    """A TCP connect to http, which the gunicorn master accepts even when every worker is busy: restarts only a
    master that stopped accepting for periodSeconds × failureThreshold."""


SHUTDOWN_MARGIN_SECONDS = 5
"""After gunicorn's graceful timeout, the master still stops its workers and exits."""


class Shutdown(Model):
    """Graceful shutdown of a Django pod."""

    pre_stop_seconds: Annotated[Integer, Field(ge=1, le=120)] = 5
    """The pre-stop sleep: the pod keeps serving while every node's kube-proxy drops it from the endpoints, before
    gunicorn gets SIGTERM."""
    graceful_timeout_seconds: Annotated[Integer, Field(ge=1, le=600)] = 30
    """gunicorn's graceful_timeout (GUNICORN_GRACEFUL_TIMEOUT): how long workers may finish their requests."""

    def termination_grace_period(self) -> int:
        """The pod's terminationGracePeriodSeconds: it counts from the pre-stop hook, so it covers the sleep, the
        graceful timeout and the master's exit; no request is cut off by SIGKILL."""
        return self.pre_stop_seconds + self.graceful_timeout_seconds + SHUTDOWN_MARGIN_SECONDS


class Storage(Model):
    """Ephemeral storage of the Django container and the size of each emptyDir."""

    ephemeral: MemoryQuantity = "256Mi"
    """ephemeral-storage request and limit of the Django container: its logs and /tmp (the root filesystem is
    read-only)."""
    tmp: MemoryQuantity = "128Mi"
    """sizeLimit of the /tmp emptyDir (gunicorn's heartbeat, the reference app's database), at most ephemeral."""
    multiproc: MemoryQuantity = "32Mi"
    """sizeLimit of the in-memory multiprocess directory (metricsMode multiprocess), added to the memory request."""

    @model_validator(mode="after")
    def _tmp_within_ephemeral(self):
        if quantity_value(self.tmp) > quantity_value(self.ephemeral):
            raise ValueError(f"tmp {self.tmp} exceeds ephemeral {self.ephemeral}: /tmp is part of the container's "
                             "ephemeral storage, and the kubelet evicts the pod once it is full")
        return self


def cpu_quantity(cores: Decimal) -> str:
    millis = int((cores * 1000).to_integral_value(ROUND_CEILING))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory_quantity(size: Decimal) -> str:
    size = int(size.to_integral_value(ROUND_CEILING))
    for suffix, unit in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


class Limits(Model):
    """The Django container's limits."""

    cpu: Quantity = "1"
    """CPU limit, above the request: workers burst (start-up, spikes) instead of being throttled at the request."""
    memory: MemoryQuantity | None = None
    """Memory limit; unset, it equals the memory request (prod refuses any other value)."""


class AppResources(Model):
    """The Django container's requests follow the worker count: master + webConcurrency × perWorker, plus the
    multiprocess directory's sizeLimit in memory with metricsMode multiprocess."""

    master: ResourceQuantities = ResourceQuantities(cpu="50m", memory="64Mi")
    """What the gunicorn master takes itself."""
    per_worker: ResourceQuantities = ResourceQuantities(cpu="50m", memory="96Mi")
    """What each gunicorn worker takes."""
    requests: ResourceQuantities | None = None
    """Requests given outright instead of derived from the worker count."""
    limits: Limits = Limits()
    """Limits of the Django container."""

    def derived(self, workers: int, in_memory: str | None) -> tuple[dict[str, str], dict[str, str]]:
        """The requests, and how each was computed (for a problem's message)."""
        if self.requests is not None:
            requests = self.requests.model_dump()
            return requests, dict(requests)
        terms = {name: [getattr(self.master, name), *[getattr(self.per_worker, name)] * workers]
                 for name in ("cpu", "memory")}
        formulas = {name: f"{getattr(self.master, name)} + {workers} × {getattr(self.per_worker, name)}"
                    for name in ("cpu", "memory")}
        if in_memory is not None:
            terms["memory"].append(in_memory)
            formulas["memory"] += f" + {in_memory}"
        requests = {"cpu": cpu_quantity(sum(map(quantity_value, terms["cpu"]))),
                    "memory": memory_quantity(sum(map(quantity_value, terms["memory"])))}
        return requests, {name: f"{formulas[name]} = {requests[name]}" for name in requests}

    def to_kubernetes(self, workers: int, in_memory: str | None, ephemeral: str) -> dict:
        requests, _ = self.derived(workers, in_memory)
        limits = {"cpu": self.limits.cpu, "memory": self.limits.memory or requests["memory"]}
        return {"requests": requests | {"ephemeral-storage": ephemeral},
                "limits": limits | {"ephemeral-storage": ephemeral}}


Spreading = Literal["soft", "hard"]


class Spread(Model):
    """Topology spread of an app's replicas, over nodes and over zones."""

    hostname: Spreading = "soft"
    """Replicas over nodes (kubernetes.io/hostname, maxSkew 1): soft (ScheduleAnyway) or hard (DoNotSchedule)."""
    zone: Spreading | Literal["off"] = "off"
    """Replicas over zones (topology.kubernetes.io/zone, maxSkew 1): off, soft or hard."""
