"""End to end: the reference app under gunicorn, scraped by a real Prometheus, both configured from a stack's
rendered Deployment, Service and ServiceMonitor.

Only two things differ from the cluster: the ports are moved to a free block on 127.0.0.1 (through the stack
settings, so the builders still derive every port), and the scrape interval is 1s so the run takes seconds.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.django_app import build_deployment, build_service, port_plan
from components.scrape_config import local_discovery, prometheus_config, scrape_configs
from components.service_monitor import build_service_monitor
from stacks.loader import ROOT, load_offline, validate
from tests.e2e.harness import HOST, Process, Prometheus, children, free_port_block, http, listening_pid, wait_until
from tests.helpers import require_binary

APP_DIR = ROOT / "app"
REQUEST_COUNTER = "django_http_requests_before_middlewares_total"
SCRAPE = "1s"
ACCESS_LOG_FIELDS = {"host", "user", "time", "request", "status", "size", "referer", "agent"}


def stack_objects(stack: str, mode: str, workers: int | None = None) -> tuple:
    """The stack's Deployment, Service and ServiceMonitor, with its ports moved to a free block on 127.0.0.1
    (and, for the benchmarks, another worker count)."""
    loaded = load_offline(stack)
    workers = workers or loaded.settings.web_concurrency
    first = free_port_block(workers + 1)
    plain = loaded.settings.model_dump(by_alias=True, exclude_defaults=True) | {
        "httpPort": first, "metricsStartPort": first + 1, "metricsMode": mode, "webConcurrency": workers}
    settings = validate(stack, plain, set(loaded.secrets))
    plan = port_plan(settings)
    monitor = build_service_monitor(settings, stack)
    for endpoint in monitor["spec"]["endpoints"]:
        endpoint["interval"] = endpoint["scrapeTimeout"] = SCRAPE
    return settings, build_deployment(settings, stack, plan), build_service(settings, stack, plan), monitor


def _container_env(deployment: dict) -> dict[str, str]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item["value"] for item in container["env"]}


def _metrics_ports(deployment: dict) -> dict[str, int]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {port["name"]: port["containerPort"] for port in container["ports"] if port["name"].startswith("metrics")}


def _check_promtool(config_path: Path, report) -> None:
    promtool = require_binary("promtool")
    result = subprocess.run([promtool, "check", "config", str(config_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    report("promtool check config accepts the scrape config derived from the ServiceMonitor")


def _sum(prometheus: Prometheus, service: str) -> float | None:
    return prometheus.scalar(f'sum({REQUEST_COUNTER}{{service="{service}"}})')


def _send(http_port: int, count: int) -> None:
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
    settings, deployment, service, monitor = stack_objects(stack, mode, workers)
    env = _container_env(deployment)
    ports = _metrics_ports(deployment)
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
        jobs = scrape_configs(monitor, local_discovery(service, deployment, pod_name=f"{name}-local"))
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


def run(stack: str, mode: str = "per-worker-ports", report=print, requests: int = 60) -> None:
    """Raises AssertionError (or TimeoutError) at the first check that does not hold; reports each that does."""
    with running(stack, mode, report) as live:
        settings, ports, app, prometheus, name = live.settings, live.ports, live.app, live.prometheus, live.name
        targets = prometheus.active_targets()
        started = time.time()

        expected = {"environment": stack, **settings.static_labels, "namespace": settings.namespace, "service": name,
                    "job": name}
        for target in targets:
            missing = {k: v for k, v in expected.items() if target["labels"].get(k) != v}
            assert not missing, (target["labels"], missing)
        wait_until(lambda: prometheus.query(f'count({REQUEST_COUNTER}{{service="{name}"}}) == {len(ports)}'),
                   "the request counter of every target", 30)
        unlabelled = prometheus.query(f'count({{job="{name}", environment!="{stack}"}})')
        assert unlabelled == [], unlabelled
        assert prometheus.scalar(f'count({{job="{name}"}})') > 50
        report(f"every series carries the relabelled labels {sorted(expected)} (environment={stack})")
        if mode == "per-worker-ports":  # prometheus_client's multiprocess mode cannot run custom collectors
            wait_until(lambda: prometheus.query(f'count(service_window_in_window{{service="{name}", '
                                                f'component="payments"}}) == {len(ports)}'),
                       "the service-window gauges of every worker's collector", 30)
            report("every worker's custom collector exports the service-window gauges of the database's components")

        wait_until(lambda: _sum(prometheus, name) == 0, "a first scrape with no requests", 30)
        _send(settings.http_port, requests)
        wait_until(lambda: _sum(prometheus, name) == requests, f"the summed counter to reach {requests}", 30)
        report(f"sum over workers of {REQUEST_COUNTER} = {requests} = requests sent")

        if mode == "per-worker-ports":
            victim_endpoint, count_before = _kill_busy_worker(prometheus, app, ports, name)
            restarted_at = time.time()
            victim = f'{REQUEST_COUNTER}{{service="{name}", endpoint="{victim_endpoint}"}}'
            wait_until(lambda: prometheus.query(f"{victim} < {count_before}"), "a scrape of the restarted worker", 30)
            report(f"killed the worker behind {victim_endpoint}; gunicorn started a new one on the same port, scraped")
            _send(settings.http_port, requests)
            wait_until(lambda: _sum(prometheus, name) >= requests, "the new requests to be scraped", 30)
            resets = {r["metric"]["endpoint"]: float(r["value"][1]) for r in prometheus.query(
                f'resets({REQUEST_COUNTER}{{service="{name}"}}[5m])')}
            assert resets[victim_endpoint] >= 1 and all(v == 0 for k, v in resets.items() if k != victim_endpoint), resets
            report("only the restarted worker's counter reset; every other worker's counter never went down")
        else:
            _kill_any_worker(app)
            restarted_at = time.time()
            _send(settings.http_port, requests)
            wait_until(lambda: _sum(prometheus, name) == 2 * requests, f"the aggregate to reach {2 * requests}", 30)
            assert prometheus.scalar(f'resets({REQUEST_COUNTER}{{service="{name}"}}[5m])') == 0
            report(f"a killed worker's counts stay in the aggregate: {2 * requests} after a restart, no reset")

        time.sleep(3)  # a few more scrapes, so that the rate windows below reach past the restart
        end = time.time()
        rate = f'rate({REQUEST_COUNTER}{{service="{name}"}}[20s])'
        rates = prometheus.range_values(rate, started, end, "500ms")
        after_restart = prometheus.range_values(rate, restarted_at + 1, end, "500ms")
        # Each window evaluated after the restart reaches back before it, so it holds the reset.
        assert end - restarted_at < 20 and len(after_restart) >= 4, (end - restarted_at, len(after_restart))
        assert min(rates) >= 0, rates
        report(f"rate() never went negative over {len(rates)} evaluations, {len(after_restart)} of them with the "
               "restart inside their window")

        app.stop()
        _check_access_logs(app, requests)
        report("gunicorn access logs are JSON with host, user, time, request, status (int), size (int), referer, agent")


def _kill_busy_worker(prometheus: Prometheus, app: Process, ports: dict[str, int], service: str) -> tuple[str, float]:
    """SIGKILL the worker whose counter is highest, so that its restart is visible as a reset."""
    values = {r["metric"]["endpoint"]: float(r["value"][1])
              for r in prometheus.query(f'{REQUEST_COUNTER}{{service="{service}"}}')}
    endpoint = max(values, key=values.get)
    assert values[endpoint] > 0
    pid = listening_pid(ports[endpoint])
    before = children(app.popen.pid)
    assert pid in before, (pid, before)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: (children(app.popen.pid) - before) and listening_pid(ports[endpoint]) not in (None, pid),
               "a new worker on the freed port", 60)
    return endpoint, values[endpoint]


def _kill_any_worker(app: Process) -> None:
    before = children(app.popen.pid)
    os.kill(min(before), signal.SIGKILL)
    wait_until(lambda: len(children(app.popen.pid) - before) == 1, "a replacement worker", 60)


def _check_access_logs(app: Process, requests: int) -> None:
    entries = []
    for line in app.stdout_path.read_text().splitlines():
        record = json.loads(line)  # every line is JSON
        if record.get("logger") == "gunicorn.access":
            entries.append(record)
    assert len(entries) >= 2 * requests, len(entries)
    for record in entries:
        assert ACCESS_LOG_FIELDS <= record.keys(), record
        assert isinstance(record["status"], int) and isinstance(record["size"], int), record
        assert record["host"] == HOST and record["request"].startswith("GET "), record
    assert {record["status"] for record in entries} == {200, 500}
