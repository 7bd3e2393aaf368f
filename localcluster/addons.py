"""What the cluster runs on top of the nodes: RBAC for its own identities, CoreDNS, prometheus-operator (a process
on this machine, like a managed add-on) with the CRDs of exactly its version, and the monitoring a platform runs
with it (localcluster/monitoring.py: kube-prometheus-stack unless a test switched to kube-prometheus)."""
import string
import subprocess
from pathlib import Path

from localcluster import monitoring, processes
from localcluster.layout import DNS_SERVICE_IP, OPERATOR_PORT, STATE

MANIFESTS = Path(__file__).parent / "manifests"


def kubectl(binaries: dict[str, Path], *args: str, stdin: str | None = None, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess:
    """kubectl as the cluster's admin."""
    return subprocess.run([str(binaries["kubectl"]), f"--kubeconfig={STATE / 'kubeconfigs/admin.yaml'}", *args],
                          input=stdin, capture_output=True, text=True, timeout=timeout, check=check)


def apply(binaries: dict[str, Path], manifest: str) -> None:
    kubectl(binaries, "apply", "--server-side", "--force-conflicts", "--field-manager=django-observability-cluster",
            "-f", "-", stdin=manifest)


def _template(manifest: str, **values: str) -> str:
    return string.Template((MANIFESTS / manifest).read_text()).substitute(values)


def start(binaries: dict[str, Path], images: dict[str, str], operator_dir: Path) -> None:
    for crd in sorted((operator_dir / "crds").glob("*.yaml")):
        apply(binaries, crd.read_text())
    apply(binaries, (operator_dir / "rbac/prometheus-operator-cluster-role.yaml").read_text())
    apply(binaries, (MANIFESTS / "rbac.yaml").read_text())
    apply(binaries, _template("coredns.yaml", coredns_image=images["coredns"], dns_service_ip=DNS_SERVICE_IP))
    processes.start("prometheus-operator", [
        str(operator_dir / "prometheus-operator"),
        f"--prometheus-config-reloader={images['prometheus-config-reloader']}",
        f"--web.listen-address=127.0.0.1:{OPERATOR_PORT}", "--log-level=info",
    ], env={"KUBECONFIG": str(STATE / "kubeconfigs/prometheus-operator.yaml")})
    monitoring.install(lambda *args, **kwargs: kubectl(binaries, *args, **kwargs), monitoring_images(images),
                       monitoring.current().name)


def monitoring_images(images: dict[str, str]) -> monitoring.Images:
    return monitoring.Images(images["prometheus"], images["alertmanager"])


def stop() -> None:
    processes.stop("prometheus-operator")
