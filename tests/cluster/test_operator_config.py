"""The scrape jobs prometheus-operator generates for every stack's ServiceMonitor (the oracle of the loopback runs)
pass promtool: upstream's, with the Kubernetes discovery the operator writes, and Debian's, with the static discovery
the loopback runs put in its place."""
import subprocess

import pytest
import yaml

from django_observability.builders.params import stack_params
from django_observability.builders.django_app import build_deployment, build_service
from django_observability.builders.service_monitor import build_service_monitor
from localcluster.cluster import binaries
from localcluster.operator_config import jobs_for
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
    params = stack_params(name, load_offline(name).settings)
    monitor = build_service_monitor(params.monitoring)
    jobs = jobs_for(binaries(), monitor)
    assert len(jobs) == len(monitor["spec"]["endpoints"])
    assert all(job["kubernetes_sd_configs"] for job in jobs)
    upstream = _promtool(go_tool("promtool"), prometheus_config(jobs), tmp_path)
    assert upstream.returncode == 0 and "SUCCESS" in upstream.stdout, upstream.stdout + upstream.stderr
    discovery = local_discovery(build_service(params.app), build_deployment(params.app), "pod-0")
    debian = _promtool(require_binary("promtool"), prometheus_config(local_jobs(jobs, discovery)), tmp_path)
    assert debian.returncode == 0 and "SUCCESS" in debian.stdout, debian.stdout + debian.stderr
