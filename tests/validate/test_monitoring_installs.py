"""The two monitoring installs the local cluster imitates (localcluster/monitoring.py) hold to the facts they are
built from: their Alertmanager configs pass amtool, and their names, selectors and alert wiring are the stock ones."""
import subprocess

import pytest

from localcluster import monitoring
from localrun.tools import go_tool

IMAGES = monitoring.Images("prom/prometheus:v3.10.0", "prom/alertmanager:v0.28.1")


def _of(install: str, kind: str, name: str) -> dict:
    [found] = [obj for obj in monitoring.INSTALLS[install].objects(IMAGES)
               if obj["kind"] == kind and obj["metadata"]["name"] == name]
    return found


@pytest.mark.tools
@pytest.mark.parametrize("install", sorted(monitoring.INSTALLS))
def test_the_installs_alertmanager_config_passes_amtool(install, tmp_path):
    chosen = monitoring.INSTALLS[install]
    path = tmp_path / "alertmanager.yaml"
    path.write_text(_of(install, "Secret", chosen.config_secret)["stringData"]["alertmanager.yaml"])
    result = subprocess.run([go_tool("amtool"), "check-config", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("install, alertmanager, service, port, selector", [
    ("kube-prometheus", "main", "alertmanager-main", "web", {}),
    ("kube-prometheus-stack", "kube-prometheus-stack-alertmanager", "kube-prometheus-stack-alertmanager", "http-web",
     {"matchLabels": {"release": "kube-prometheus-stack"}}),
])
def test_the_installs_have_their_stock_names_selectors_and_wiring(install, alertmanager, service, port, selector):
    chosen = monitoring.INSTALLS[install]
    prometheus = _of(install, "Prometheus", chosen.prometheus)["spec"]
    for kind in ("serviceMonitor", "rule"):
        assert prometheus[f"{kind}Selector"] == selector
        assert prometheus[f"{kind}NamespaceSelector"] == {}
    assert prometheus["alerting"] == {"alertmanagers": [
        {"namespace": "monitoring", "name": service, "port": port, "apiVersion": "v2"}]}
    assert _of(install, "Alertmanager", alertmanager)
    assert _of(install, "Secret", f"alertmanager-{alertmanager}")
    assert _of(install, "Service", service)["spec"]["selector"]["app.kubernetes.io/name"] == "alertmanager"
