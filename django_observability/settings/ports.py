"""The port plan: worker count and start port in, every named port out.

Container ports, the pod's env vars, Service ports, ServiceMonitor endpoints and the NetworkPolicy all read this
plan and nothing else, so the names agree across them by construction.
"""
from typing import NamedTuple

HTTP_PORT_NAME = "http"
MULTIPROC_DIR = "/run/prometheus-multiproc"


class NamedPort(NamedTuple):
    name: str
    port: int


class PortPlan(NamedTuple):
    http: NamedPort
    service_http_port: int
    metrics: tuple[NamedPort, ...]
    workers: int
    mode: str

    def env(self) -> dict[str, str]:
        """What the reference app reads: gunicorn's worker count, where the metrics ports start, and the port
        gunicorn binds (so that it always equals the container port named `http`)."""
        env = {"WEB_CONCURRENCY": str(self.workers), "METRICS_START_PORT": str(self.metrics[0].port),
               "HTTP_PORT": str(self.http.port)}
        if self.mode == "multiprocess":
            env["PROMETHEUS_MULTIPROC_DIR"] = MULTIPROC_DIR
        return env


def plan_ports(workers: int, metrics_start_port: int, http_port: int, service_port: int, mode: str) -> PortPlan:
    """`per-worker-ports`: one port per gunicorn worker, metrics-1 … metrics-N at start … start+N-1, because each
    worker has its own counters. `multiprocess`: one aggregated `metrics` port at start."""
    if mode == "per-worker-ports":
        metrics = tuple(NamedPort(f"metrics-{index}", port)
                        for index, port in enumerate(range(metrics_start_port, metrics_start_port + workers), start=1))
    elif mode == "multiprocess":
        metrics = (NamedPort("metrics", metrics_start_port),)
    else:
        raise ValueError(f"unknown metrics mode {mode!r}")
    return PortPlan(NamedPort(HTTP_PORT_NAME, http_port), service_port, metrics, workers, mode)
