"""The reference app's contract with the deployment, checked in fresh Python processes (Django is configured once
per process): metrics ports only inside gunicorn workers, the collector registered once and never for an in-memory
database, and gunicorn's access-log line split into fields."""
import json
import os
import re
import subprocess
import sys

import pytest

from django_observability.builders.params import stack_params
from django_observability.builders.slo import sli_rules
from django_observability.settings.loader import load_offline
from tests.helpers import ROOT
from django_observability.settings.slo import LATENCY_BUCKETS, SloSpec

APP = ROOT / "app"


def _django_each(*runs: tuple[str, dict]) -> list:
    """Each (code, environment) run in a Django process of its own, all at once; what each printed last, as JSON."""
    processes = []
    for code, env in runs:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "djangoapp.settings", "WEB_CONCURRENCY": "3",
                       "METRICS_START_PORT": "47001", **env}
        environment.pop("GUNICORN_WORKER", None)
        environment |= {key: value for key, value in env.items() if key == "GUNICORN_WORKER"}
        processes.append(subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=APP,
                                          env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def _django(code: str, **env):
    [result] = _django_each((code, env))
    return result


PORT_RANGE = ("from django.conf import settings; import json; "
              "print(json.dumps(list(getattr(settings, 'PROMETHEUS_METRICS_EXPORT_PORT_RANGE', []))))")


def test_port_range_only_inside_a_gunicorn_worker(tmp_path):
    db = str(tmp_path / "db.sqlite3")
    assert _django_each((PORT_RANGE, {"DJANGO_DB_PATH": db}), (PORT_RANGE, {"DJANGO_DB_PATH": db, "GUNICORN_WORKER": "1"}),
                        (PORT_RANGE, {"DJANGO_DB_PATH": db, "GUNICORN_WORKER": "1",
                                      "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})) == [[], [47001, 47002, 47003], []]


COLLECTORS = """
import json
from django.db import connections
from prometheus_client import REGISTRY
from shop.collectors import ServiceWindowCollector
for _ in range(3):
    connections["default"].ensure_connection()
    connections["default"].close()
print(json.dumps(sum(isinstance(c, ServiceWindowCollector) for c in REGISTRY._collector_to_names)))
"""


def test_collector_registered_once_after_the_database(tmp_path):
    """A worker registers it once, however many connections it opens; migrate or shell never; a test with an
    in-memory database never."""
    worker, command, in_memory = ({"DJANGO_DB_PATH": str(tmp_path / f"{name}.sqlite3"), **env} for name, env in (
        ("worker", {"GUNICORN_WORKER": "1"}), ("command", {}), ("memory", {"GUNICORN_WORKER": "1"})))
    in_memory["DJANGO_DB_PATH"] = ":memory:"
    assert _django_each((COLLECTORS, worker), (COLLECTORS, command), (COLLECTORS, in_memory)) == [1, 0, 0]


def test_access_log_line_is_split_into_fields():
    sys.path.insert(0, str(APP))
    try:
        from access_log import combined_logformat
    finally:
        sys.path.remove(str(APP))
    line = '10.1.2.3 - - [15/Aug/2019:14:19:23 +0000] "GET /metrics HTTP/1.1" 200 14134 "-" "Prometheus/2.11.0"'
    event = combined_logformat(None, "info", {"logger": "gunicorn.access", "event": line})
    assert {key: event[key] for key in ("host", "user", "time", "request", "status", "size", "referer", "agent")} == {
        "host": "10.1.2.3", "user": None, "time": "15/Aug/2019:14:19:23 +0000", "request": "GET /metrics HTTP/1.1",
        "status": 200, "size": 14134, "referer": None, "agent": "Prometheus/2.11.0"}
    untouched = {"logger": "gunicorn.error", "event": line}
    assert combined_logformat(None, "info", dict(untouched)) == untouched


EXPOSED_BOUNDS = """
import json, re
from django.core.management import call_command
from django.test import Client
from prometheus_client import generate_latest
call_command("migrate", verbosity=0)
assert Client().get("/").status_code == 200
text = generate_latest().decode()
print(json.dumps(sorted(set(re.findall(
    r'^django_http_requests_latency_seconds_by_view_method_bucket\\{[^}]*le="([^"]+)"', text, re.M)))))
"""


def test_latency_sli_selects_bucket_bounds_the_app_exposes(tmp_path):
    """Every threshold a latency SLO accepts renders an `le` the reference app's histogram really has: the app
    writes 1 as "1.0", and an SLI on le="1" would stay empty while every request is slow."""
    exposed = set(_django(EXPOSED_BOUNDS, DJANGO_DB_PATH=str(tmp_path / "db.sqlite3")))
    rendered = set()
    for threshold in LATENCY_BUCKETS:
        slo = SloSpec(name="latency", objective=99, sli="latency", latency_threshold=threshold)
        params = stack_params("dev", load_offline("dev").settings).apps[0].slo._replace(slos=(slo,))
        [expr] = {rule["expr"] for rule in sli_rules(params, slo) if rule["record"] == "slo:sli_error:ratio_rate5m"}
        rendered |= set(re.findall(r'le="([^"]+)"', expr))
    assert len(rendered) == len(LATENCY_BUCKETS) and rendered <= exposed, (sorted(rendered - exposed), sorted(exposed))


READY = """
import json, os
from django.db import connections
from django.test import Client
statuses = {path: Client().get(path).status_code for path in ("/health/", "/ready/")}
connections["default"].close()
connections["default"].settings_dict["NAME"] = os.path.join(os.environ["DJANGO_DB_PATH"], "missing", "db.sqlite3")
lost = {path: Client().get(path).status_code for path in ("/health/", "/ready/")}
print(json.dumps([statuses, lost]))
"""


def test_ready_only_while_the_database_answers(tmp_path):
    """/ready/ (the readiness probe) needs the database; /health/ (the startup probe) only Django."""
    assert _django(READY, DJANGO_DB_PATH=str(tmp_path / "db.sqlite3")) == [{"/health/": 200, "/ready/": 200},
                                                                          {"/health/": 200, "/ready/": 503}]
