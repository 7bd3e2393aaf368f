"""The port plan for any worker count: names, numbers and env vars agree."""
from hypothesis import given
from hypothesis import strategies as st

from django_observability.settings.ports import plan_ports
from django_observability.settings.rules import DNS1123_LABEL


@given(workers=st.integers(1, 64), start=st.integers(1, 65535 - 64), http=st.integers(1, 65535))
def test_per_worker_ports(workers, start, http):
    plan = plan_ports(workers, start, http, 80, "per-worker-ports")
    assert [port.port for port in plan.metrics] == list(range(start, start + workers))
    assert [port.name for port in plan.metrics] == [f"metrics-{i}" for i in range(1, workers + 1)]
    names = [plan.http.name, *(port.name for port in plan.metrics)]
    assert len(set(names)) == len(names)
    # IANA_SVC_NAME: at most 15 characters, lowercase alphanumerics and '-', at least one letter.
    assert all(len(name) <= 15 and DNS1123_LABEL.fullmatch(name) and any(c.isalpha() for c in name) for name in names)
    env = plan.env()
    assert int(env["WEB_CONCURRENCY"]) == len(plan.metrics) == workers
    assert int(env["METRICS_START_PORT"]) == plan.metrics[0].port
    assert range(int(env["METRICS_START_PORT"]), int(env["METRICS_START_PORT"]) + int(env["WEB_CONCURRENCY"])) == \
        range(plan.metrics[0].port, plan.metrics[-1].port + 1)


@given(workers=st.integers(1, 64), start=st.integers(1, 65535))
def test_multiprocess_has_one_port(workers, start):
    plan = plan_ports(workers, start, 5000, 80, "multiprocess")
    assert [(port.name, port.port) for port in plan.metrics] == [("metrics", start)]
    assert plan.env()["WEB_CONCURRENCY"] == str(workers)
    assert plan.env()["PROMETHEUS_MULTIPROC_DIR"].startswith("/")
