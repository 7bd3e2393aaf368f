"""Rendered Alertmanager configs pass `amtool check-config`; each Swarm `alerting` block, and the scrape jobs rendered
for a Prometheus without the operator, pass `promtool check config`. (The scrape jobs prometheus-operator
generates, and the rendered ones against them, are checked with the real operator in tests/cluster.)"""
import subprocess

import pytest
import yaml

from django_observability import render
from localrun.scrape_config import prometheus_config
from localrun.tools import go_tool
from tests.helpers import ROOT
from tests.helpers import STACKS


def _check(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.tools
@pytest.mark.parametrize("stack", STACKS)
def test_alertmanager_config_passes_amtool(rendered, stack):
    result = _check(go_tool("amtool"), "check-config", str(rendered[stack] / "alertmanager/alertmanager.yml"))
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.tools
def test_amtool_can_fail(tmp_path):
    broken = tmp_path / "alertmanager.yml"
    broken.write_text("route:\n  receiver: nowhere\nreceivers:\n  - name: elsewhere\n")
    assert _check(go_tool("amtool"), "check-config", str(broken)).returncode != 0


def _scrape_configs_check(rendered, stack: str, tmp_path, change=lambda jobs: None) -> subprocess.CompletedProcess:
    jobs = yaml.safe_load((rendered[stack] / "prometheus/scrape-configs.yml").read_text())["scrape_configs"]
    change(jobs)
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(jobs)))
    return _check(go_tool("promtool"), "check", "config", str(config))


@pytest.mark.tools
@pytest.mark.parametrize("stack", STACKS)
def test_rendered_scrape_configs_pass_the_promtool_of_the_clusters_prometheus(rendered, stack, tmp_path):
    """prometheus/scrape-configs.yml with its Kubernetes endpoints discovery, checked by the promtool of the
    Prometheus the local cluster runs (built from its module: Debian's has no Kubernetes discovery)."""
    result = _scrape_configs_check(rendered, stack, tmp_path)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.tools
def test_that_promtool_refuses_a_broken_discovery(rendered, tmp_path):
    def misspelt_role(jobs):
        jobs[0]["kubernetes_sd_configs"][0]["role"] = "endpoint"
    result = _scrape_configs_check(rendered, "dev", tmp_path, misspelt_role)
    assert result.returncode != 0 and "endpoint" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.tools
def test_promtool_can_fail(tmp_path):
    broken = tmp_path / "prometheus.yml"
    broken.write_text(yaml.safe_dump(prometheus_config([{"job_name": "x", "static_configs": [{"targets": ["a:1"]}],
                                                         "relabel_configs": [{"action": "hashmod", "target_label": "t"}]}])))
    assert _check(go_tool("promtool"), "check", "config", str(broken)).returncode != 0


def _swarm_render(tmp_path) -> tuple[set[str], dict]:
    """A Swarm variant of prod rendered from its own stack file in a temporary project: (files written, its plan)."""
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack_file["config"]["django-observability:alertmanager"]["backend"] = "swarm"
    stack_file["config"]["django-observability:alertmanager"]["swarm"] = {
        "nodes": ["node-a", "node-b", "node-c"], "advertiseAddresses": ["198.51.100.1", "198.51.100.2", "198.51.100.3"]}
    (tmp_path / "Pulumi.swarm.yaml").write_text(yaml.safe_dump(stack_file))
    written = render.render("swarm", tmp_path / "out", root=tmp_path)
    names = {path.relative_to(tmp_path / "out" / "swarm").as_posix() for path in written}
    return names, yaml.safe_load((tmp_path / "out/swarm/swarm/alertmanager-plan.yaml").read_text())


@pytest.mark.tools
def test_swarm_alerting_block_passes_promtool(tmp_path):
    names, plan = _swarm_render(tmp_path)
    assert {"swarm/alertmanager-plan.yaml", "prometheus/alerting-swarm.yml"} <= names
    assert not any(name.startswith("alertmanager-") for name in names)  # no Kubernetes Alertmanager objects
    alerting = yaml.safe_load((tmp_path / "out/swarm/prometheus/alerting-swarm.yml").read_text())
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config([], alerting["alerting"])))
    result = _check(go_tool("promtool"), "check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert [service["name"] for service in plan["services"]] == ["alertmanager_1", "alertmanager_2", "alertmanager_3"]
    assert plan["services"][0]["args"][2:] == ["--cluster.peer=tasks.alertmanager_2:9094",
                                               "--cluster.peer=tasks.alertmanager_3:9094",
                                               "--cluster.advertise-address=198.51.100.1:9094",
                                               "--cluster.label=swarm/django-observability-swarm"]


@pytest.mark.tools
def test_swarm_alertmanager_config_passes_the_amtool_of_the_image(tmp_path):
    """The Swarm config names its credentials' files (api_url_file, routing_key_file): the Alertmanager the stack
    runs (v0.28.1, built from its module; Debian's is older) must accept it."""
    _, plan = _swarm_render(tmp_path)
    swarm_config = tmp_path / "alertmanager-swarm.yml"
    swarm_config.write_text(plan["config"]["data"])
    result = _check(go_tool("amtool"), "check-config", str(swarm_config))
    assert result.returncode == 0, result.stdout + result.stderr
