"""Rendered Alertmanager configs pass `amtool check-config`; each Swarm `alerting` block passes `promtool check config`.
(The scrape jobs prometheus-operator generates are checked against the real operator in tests/cluster.)"""
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


@pytest.mark.parametrize("stack", STACKS)
def test_alertmanager_config_passes_amtool(rendered, stack):
    result = _check(go_tool("amtool"), "check-config", str(rendered[stack] / "alertmanager/alertmanager.yml"))
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


def test_amtool_can_fail(tmp_path):
    broken = tmp_path / "alertmanager.yml"
    broken.write_text("route:\n  receiver: nowhere\nreceivers:\n  - name: elsewhere\n")
    assert _check(go_tool("amtool"), "check-config", str(broken)).returncode != 0


def test_promtool_can_fail(tmp_path):
    broken = tmp_path / "prometheus.yml"
    broken.write_text(yaml.safe_dump(prometheus_config([{"job_name": "x", "static_configs": [{"targets": ["a:1"]}],
                                                         "relabel_configs": [{"action": "hashmod", "target_label": "t"}]}])))
    assert _check(go_tool("promtool"), "check", "config", str(broken)).returncode != 0


def test_swarm_alerting_block_passes_promtool(tmp_path):
    """Render a Swarm variant of prod (its own stack file in a temporary project) and check Prometheus' side."""
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack_file["config"]["django-observability:alertmanager"]["backend"] = "swarm"
    stack_file["config"]["django-observability:alertmanager"]["swarm"] = {
        "nodes": ["node-a", "node-b", "node-c"], "advertiseAddresses": ["198.51.100.1", "198.51.100.2", "198.51.100.3"]}
    (tmp_path / "Pulumi.swarm.yaml").write_text(yaml.safe_dump(stack_file))
    written = render.render("swarm", tmp_path / "out", root=tmp_path)
    names = {path.relative_to(tmp_path / "out" / "swarm").as_posix() for path in written}
    assert {"swarm/alertmanager-plan.yaml", "prometheus/alerting-swarm.yml"} <= names
    assert not any(name.startswith("alertmanager-") for name in names)  # no Kubernetes Alertmanager objects
    alerting = yaml.safe_load((tmp_path / "out/swarm/prometheus/alerting-swarm.yml").read_text())
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config([], alerting["alerting"])))
    result = _check(go_tool("promtool"), "check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    plan = yaml.safe_load((tmp_path / "out/swarm/swarm/alertmanager-plan.yaml").read_text())
    assert [service["name"] for service in plan["services"]] == ["alertmanager_1", "alertmanager_2", "alertmanager_3"]
    assert plan["services"][0]["args"][2:] == ["--cluster.peer=tasks.alertmanager_2:9094",
                                               "--cluster.peer=tasks.alertmanager_3:9094",
                                               "--cluster.advertise-address=198.51.100.1:9094"]
    # The Swarm config names its credentials' files (api_url_file, routing_key_file): the Alertmanager the stack
    # runs (v0.28.1, built from its module; Debian's is older) must accept it.
    swarm_config = tmp_path / "alertmanager-swarm.yml"
    swarm_config.write_text(plan["config"]["data"])
    result = _check(go_tool("amtool"), "check-config", str(swarm_config))
    assert result.returncode == 0, result.stdout + result.stderr
