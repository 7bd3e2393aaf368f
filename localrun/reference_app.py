"""The reference app under gunicorn on 127.0.0.1, scraped by a real Prometheus, both configured from a stack's
Deployment, Service and ServiceMonitor as the builders make them.

Only two things differ from the cluster: the ports are moved to a free block on 127.0.0.1 (through the stack
settings, so the builders still derive every port), and the scrape interval is 1s so the run takes seconds. The
scrape jobs are the ones prometheus-operator generates for the ServiceMonitor, so the local cluster must run
(`localcluster.cluster.running`).
"""
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from django_observability.builders.django_app import build_deployment, build_service, metrics_ports
from django_observability.builders.params import stack_params
from django_observability.builders.service_monitor import build_service_monitor
from localrun.processes import HOST, Process, free_port_block, http, wait_until
from localrun.prometheus import Prometheus
from localcluster.cluster import binaries
from localcluster.operator_config import jobs_for
from localrun.scrape_config import local_discovery, local_jobs, prometheus_config
from localrun.tools import go_tool
from django_observability.settings.loader import load_offline, validate
from localcluster.layout import ROOT

APP_DIR = ROOT / "app"
REQUEST_COUNTER = "django_http_requests_before_middlewares_total"
SCRAPE = "1s"


def local_objects(stack: str, mode: str, workers: int | None = None) -> tuple:
    """The stack's app settings, Deployment, Service and ServiceMonitor, with its ports moved to a free block on 127.0.0.1
    (and, for the benchmarks, another worker count)."""
    loaded = load_offline(stack)
    [app] = loaded.settings.apps
    workers = workers or app.web_concurrency
    first = free_port_block(workers + 1)
    plain = (loaded.settings.model_dump(by_alias=True, exclude_defaults=True, exclude={"apps"})
             | app.model_dump(by_alias=True, exclude_defaults=True)
             | {"httpPort": first, "metricsStartPort": first + 1, "metricsMode": mode, "webConcurrency": workers})
    settings = validate(stack, plain, set(loaded.secrets))
    [params] = stack_params(stack, settings).apps
    monitor = build_service_monitor(params.monitoring)
    for endpoint in monitor["spec"]["endpoints"]:
        endpoint["interval"] = endpoint["scrapeTimeout"] = SCRAPE
    return settings.apps[0], build_deployment(params.app), build_service(params.app), monitor


def _container_env(deployment: dict) -> dict[str, str]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item["value"] for item in container["env"]}


def _check_promtool(config_path: Path, report) -> None:
    promtool = go_tool("promtool")
    result = subprocess.run([promtool, "check", "config", str(config_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    report("promtool check config accepts the scrape config derived from the ServiceMonitor")


def send_requests(http_port: int, count: int) -> None:
    """`count` requests to the app, cycling through a page, the health check and a 500."""
    paths = ["/", "/health/", "/fail/?status=500"]
    for index in range(count):
        http(f"http://{HOST}:{http_port}{paths[index % len(paths)]}")


@dataclass
class Running:
    settings: object
    deployment: dict
    service: dict
    monitor: dict
    ports: dict[str, int]
    workers: int
    app: Process
    prometheus: Prometheus

    @property
    def name(self) -> str:
        return self.service["metadata"]["name"]


@contextmanager
def running(stack: str, mode: str, report=print, workers: int | None = None, rules=None):
    """The reference app under gunicorn and a Prometheus scraping it, from the stack's objects; all targets up.
    `rules(settings)`, when given, returns rule groups for Prometheus to evaluate."""
    settings, deployment, service, monitor = local_objects(stack, mode, workers)
    env = _container_env(deployment)
    ports = metrics_ports(deployment)
    workers = int(env["WEB_CONCURRENCY"])
    assert len(ports) == (workers if mode == "per-worker-ports" else 1)
    name = service["metadata"]["name"]
    with tempfile.TemporaryDirectory(prefix="e2e-") as tmp, ExitStack() as stack_:
        workdir = Path(tmp)
        app_env = env | {"BIND_HOST": HOST, "DJANGO_DB_PATH": str(workdir / "db.sqlite3"),
                         "GUNICORN_WORKER_TMP_DIR": str(workdir)}
        if "PROMETHEUS_MULTIPROC_DIR" in env:
            app_env["PROMETHEUS_MULTIPROC_DIR"] = str(workdir / "multiproc")  # the pod's emptyDir
            (workdir / "multiproc").mkdir()
        python = sys.executable
        migrate = subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=APP_DIR,
                                 env={**os.environ, **app_env}, capture_output=True, text=True, timeout=120)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        app = stack_.enter_context(Process("gunicorn", [python, "-m", "gunicorn", "djangoapp.wsgi:application"],
                                           workdir, app_env, cwd=APP_DIR))
        for port in ports.values():
            wait_until(lambda port=port: http(f"http://{HOST}:{port}/metrics")[0] == 200, f"metrics port {port}", 60)
        report(f"gunicorn runs {workers} workers with the Deployment's env; metrics answer on {sorted(ports.values())}")

        config_path = workdir / "prometheus.yml"
        discovery = local_discovery(service, deployment, pod_name=f"{name}-local")
        jobs = local_jobs(jobs_for(binaries(), monitor), discovery)
        rule_files = []
        if rules:
            (workdir / "rules.yml").write_text(yaml.safe_dump({"groups": rules(settings)}))
            rule_files = [str(workdir / "rules.yml")]
        config = prometheus_config(jobs, rule_files=rule_files)
        config["global"]["evaluation_interval"] = SCRAPE
        config_path.write_text(yaml.safe_dump(config))
        _check_promtool(config_path, report)
        prometheus = Prometheus(config_path, workdir, stack_)

        def all_up():
            targets = prometheus.active_targets()
            return len(targets) == len(ports) and all(target["health"] == "up" for target in targets) and targets

        targets = wait_until(all_up, f"{len(ports)} targets up", 60)
        assert sorted(t["labels"]["endpoint"] for t in targets) == sorted(ports), targets
        report(f"Prometheus keeps exactly one target per endpoint ({len(targets)}, every other Service port dropped "
               f"by the port-name filter), all up")
        yield Running(settings, deployment, service, monitor, ports, workers, app, prometheus)
