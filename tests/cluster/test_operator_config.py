"""The scrape jobs prometheus-operator generates for every stack's ServiceMonitor (the oracle of the loopback runs)
pass promtool: upstream's, with the Kubernetes discovery the operator writes, and Debian's, with the static discovery
the loopback runs put in its place. The jobs the render writes for a Prometheus without the operator label every
worker as the operator's jobs do, in a real Prometheus."""
import subprocess
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from django_observability.builders.params import stack_params
from django_observability.builders.django_app import build_deployment, build_service
from django_observability.builders.service_monitor import build_scrape_jobs, build_service_monitor
from localcluster.cluster import binaries
from localcluster.operator_config import jobs_for
from localrun.processes import wait_until
from localrun.prometheus import Prometheus
from localrun.scrape_config import local_discovery, local_jobs, prometheus_config
from localrun.tools import go_tool, require_binary
from django_observability.settings.loader import load_offline
from tests.helpers import STACKS

pytestmark = pytest.mark.cluster


def _promtool(tool: str, config: dict, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run([tool, "check", "config", str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", STACKS)
def test_the_operators_jobs_pass_promtool_with_kubernetes_and_with_local_discovery(local_cluster, name, tmp_path):
    [params] = stack_params(name, load_offline(name).settings).apps
    monitor = build_service_monitor(params.monitoring)
    jobs = jobs_for(binaries(), monitor)
    assert len(jobs) == len(monitor["spec"]["endpoints"])
    assert all(job["kubernetes_sd_configs"] for job in jobs)
    upstream = _promtool(go_tool("promtool"), prometheus_config(jobs), tmp_path)
    assert upstream.returncode == 0 and "SUCCESS" in upstream.stdout, upstream.stdout + upstream.stderr
    discovery = local_discovery(build_service(params.app), build_deployment(params.app), "pod-0")
    debian = _promtool(require_binary("promtool"), prometheus_config(local_jobs(jobs, discovery)), tmp_path)
    assert debian.returncode == 0 and "SUCCESS" in debian.stdout, debian.stdout + debian.stderr


def _target_labels(jobs: list[dict]) -> Counter:
    """The labels a real Prometheus gives each target of `jobs` (what it would scrape into every series), counted."""
    with tempfile.TemporaryDirectory(prefix="relabel-") as work, ExitStack() as stack:
        config = Path(work) / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(jobs)))
        prometheus = Prometheus(config, Path(work), stack)
        found = wait_until(lambda: (lambda targets: targets if {t["scrapePool"] for t in targets}
                                    == {job["job_name"] for job in jobs} else None)(prometheus.active_targets()),
                           "a target of every job", timeout=60, interval=0.5)
        return Counter(tuple(sorted(target["labels"].items())) for target in found)


@pytest.mark.parametrize("name", STACKS)
def test_the_rendered_scrape_configs_label_every_worker_as_the_operators_jobs_do(local_cluster, name):
    """The same pod discovered by both: the operator's jobs for the ServiceMonitor and the render's
    prometheus/scrape-configs.yml keep the same targets, one per worker port, with the same labels."""
    [params] = stack_params(name, load_offline(name).settings).apps
    discovery = local_discovery(build_service(params.app), build_deployment(params.app), "pod-0")
    theirs = _target_labels(local_jobs(jobs_for(binaries(), build_service_monitor(params.monitoring)), discovery))
    ours = _target_labels(local_jobs(build_scrape_jobs(params.monitoring), discovery))
    assert sum(ours.values()) == len(params.monitoring.identity.ports.metrics)
    assert ours == theirs
