"""The life of a stack on a real cluster: idempotent, drift shown and undone, scaling followed by the operator's
Prometheus, destroy complete, and bad targets refused with one line and no change to the state."""
import time

import pytest

from localcluster import cluster, processes
from localcluster.cluster import binaries
from localcluster.operator_config import generated_config
from localcluster.layout import recorded
from tests.cluster.kube import get, kubectl, wait
from tests.cluster.scraping import targets, wait_for_targets

pytestmark = pytest.mark.cluster
STACKS = ("dev",)


def test_a_second_up_changes_nothing(stack):
    result = stack.pulumi("up", "--yes", "--expect-no-changes")
    assert result.returncode == 0, result.stdout + result.stderr


def test_drift_made_with_kubectl_is_shown_by_refresh_and_undone_by_up(stack):
    settings = stack.app
    kubectl("scale", "-n", settings.namespace, f"deployment/{settings.app_name}", "--replicas=2")
    refreshed = stack.pulumi("refresh", "--yes", "--diff")
    assert "replicas" in refreshed.stdout and "updated" in refreshed.stdout, refreshed.stdout
    stack.up()
    deployment = get("deployment", "-n", settings.namespace, settings.app_name)
    assert deployment["spec"]["replicas"] == settings.replicas


def test_more_workers_and_replicas_roll_out_and_prometheus_follows(stack):
    settings = stack.app
    stack.up({"webConcurrency": 4, "replicas": 2})
    found = wait_for_targets(settings, 8, timeout=300)
    assert sorted(t["labels"]["endpoint"] for t in found) == sorted([f"metrics-{i}" for i in range(1, 5)] * 2)
    stack.up()
    wait_for_targets(settings, settings.replicas * settings.web_concurrency, timeout=300)


@pytest.mark.parametrize("override, message", [
    ({"kubeContext": "no-such-context"}, "kubeContext: \"no-such-context\""),
])
def test_a_bad_target_gives_one_line_and_changes_nothing(stack, override, message):
    before = stack.state()
    result = stack.pulumi("up", "--yes", "--skip-preview", overrides=override, check=False)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if message in line]
    assert lines, result.stdout + result.stderr
    assert stack.state() == before


def test_the_selector_trap_is_named_before_deploying_and_scrapes_nothing(stack):
    """A ServiceMonitor without the label the cluster's Prometheus selects: the program warns, and indeed the
    operator generates no job for it."""
    settings = stack.app
    result = stack.pulumi("up", "--yes", "--skip-preview", overrides={"serviceMonitorLabels": {}})
    warnings = [line for line in result.stdout.splitlines() if "serviceMonitorLabels" in line
                and "selected by no Prometheus" in line and "release" in line]
    assert warnings, result.stdout
    try:
        prefix = f"serviceMonitor/{settings.namespace}/{settings.app_name}/"
        time.sleep(30)  # several operator reconciliations
        jobs = [job["job_name"] for job in generated_config(binaries()).get("scrape_configs", [])]
        assert not [job for job in jobs if job.startswith(prefix)], jobs
    finally:
        stack.up()
    calm = stack.pulumi("preview")
    assert "selected by no Prometheus" not in calm.stdout


def test_an_api_server_that_is_down_gives_one_line_and_changes_nothing(stack):
    before = stack.state()
    processes.stop("kube-apiserver")
    try:
        result = stack.pulumi("up", "--yes", "--skip-preview", check=False)
    finally:
        cluster.up(recorded()["nodes"])
    assert result.returncode != 0
    output = result.stdout + result.stderr
    # The CLI shows the program's error twice (progress and diagnostics): one message, no traceback.
    messages = {line.split("error: ", 1)[1] for line in output.splitlines()
                if 'kubeContext: "dev"' in line and "does not answer" in line}
    assert len(messages) == 1 and "Traceback" not in output, output
    assert stack.state() == before


def test_destroy_removes_everything_and_the_namespace(stack):
    settings = stack.app
    stack.destroy()
    wait("the namespace to be gone", lambda: kubectl("get", "namespace", settings.namespace,
                                                     check=False).returncode != 0, timeout=120)
    wait("Prometheus to drop the app's targets", lambda: not targets(settings), timeout=120)
    stack.up()  # the module's fixture destroys it once more at the end
