"""End to end: the reference app under gunicorn, scraped by a real Prometheus, both configured from a stack's
rendered Deployment, Service and ServiceMonitor (localrun/reference_app.py starts them); these are the checks.
"""
import json
import os
import signal
import time
from pathlib import Path

from localrun.processes import HOST, Process, wait_until
from localrun.prometheus import Prometheus
from localrun.reference_app import REQUEST_COUNTER, running, send_requests

ACCESS_LOG_FIELDS = {"host", "user", "time", "request", "status", "size", "referer", "agent"}


def _sum(prometheus: Prometheus, service: str) -> float | None:
    return prometheus.scalar(f'sum({REQUEST_COUNTER}{{service="{service}"}})')


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
        send_requests(settings.http_port, requests)
        wait_until(lambda: _sum(prometheus, name) == requests, f"the summed counter to reach {requests}", 30)
        report(f"sum over workers of {REQUEST_COUNTER} = {requests} = requests sent")

        if mode == "per-worker-ports":
            victim_endpoint, count_before = _kill_busy_worker(prometheus, app, ports, name)
            victim = f'{REQUEST_COUNTER}{{service="{name}", endpoint="{victim_endpoint}"}}'
            wait_until(lambda: prometheus.query(f"{victim} < {count_before}"), "a scrape of the restarted worker", 30)
            report(f"killed the worker behind {victim_endpoint}; gunicorn started a new one on the same port, scraped")
            send_requests(settings.http_port, requests)
            wait_until(lambda: _sum(prometheus, name) >= requests, "the new requests to be scraped", 30)
            resets = {r["metric"]["endpoint"]: float(r["value"][1]) for r in prometheus.query(
                f'resets({REQUEST_COUNTER}{{service="{name}"}}[5m])')}
            assert resets[victim_endpoint] >= 1 and all(v == 0 for k, v in resets.items() if k != victim_endpoint), resets
            report("only the restarted worker's counter reset; every other worker's counter never went down")
        else:
            _kill_any_worker(app)
            send_requests(settings.http_port, requests)
            wait_until(lambda: _sum(prometheus, name) == 2 * requests, f"the aggregate to reach {2 * requests}", 30)
            assert prometheus.scalar(f'resets({REQUEST_COUNTER}{{service="{name}"}}[5m])') == 0
            report(f"a killed worker's counts stay in the aggregate: {2 * requests} after a restart, no reset")

        total = 2 * requests
        wait_until(lambda: _counted(prometheus, name, started) == total,
                   f"the counters' increase since the start to reach the {total} requests sent", 30)
        time.sleep(3)  # a few more scrapes: the total stays, no worker is counted twice
        counted = _counted(prometheus, name, started)
        assert counted == total, (counted, total)
        report(f"the counters' increase over the run, a restart counted from zero, summed over targets = {total} = "
               "every request sent, before and after the restart")

        app.stop()
        _check_access_logs(app, requests)
        report("gunicorn access logs are JSON with host, user, time, request, status (int), size (int), referer, agent")


def _counted(prometheus: Prometheus, service: str, since: float) -> float:
    """What the request counters counted since `since` (before the first request), from the raw samples Prometheus
    holds: each target's rises between consecutive samples, a sample below the one before (a new worker behind the
    port, counting from zero) counted from zero, summed over targets. rate() and increase() do the same but
    extrapolate to the window's edges, so they are not exact."""
    seconds = max(1, round(time.time() - since))
    result = prometheus.api("query", query=f'{REQUEST_COUNTER}{{service="{service}"}}[{seconds}s]')["result"]
    total = 0.0
    for series in result:
        values = [float(value) for _, value in series["values"]]
        total += values[0] + sum(after - before if after >= before else after
                                 for before, after in zip(values, values[1:]))
    return total


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


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()} if path.exists() else set()


def listening_pid(port: int) -> int | None:
    """The pid holding a TCP listening socket on `port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None
