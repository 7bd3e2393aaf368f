"""The local cluster's costs: `pulumi up` of a stack against `kubectl apply --server-side` of the same offline-
rendered objects (both until the Deployment is available), the time from a stopped cluster to every worker scraped
(`make up`), and the cold build time of every part of the toolchain, as recorded when each was built."""
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django_observability import render
from localcluster import cluster, deploy
from localcluster.addons import kubectl
from localcluster.layout import ROOT
from localcluster.where import wait_until_scraped
from django_observability.settings.loader import load_offline

CACHE_PARTS = "tools/go-tool.sh --units"


def _timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def _kubectl_apply(stack: str, found: dict) -> None:
    """The offline render of `stack`, with the locally built image pulled IfNotPresent, applied server-side; then
    the same wait for the rollout that `pulumi up` does."""
    settings = load_offline(stack).settings
    with tempfile.TemporaryDirectory() as work:
        render.render(stack, Path(work))
        image = deploy.load_app_image()
        files = sorted((Path(work) / stack).glob("*.yaml"))
        namespace = [f for f in files if f.name.startswith("namespace-")]
        for group in (namespace, [f for f in files if f not in namespace]):
            # As localcluster/deploy.py does for `pulumi up`: the local image, and no pull from a registry.
            text = ("\n---\n".join(f.read_text() for f in group).replace(settings.image, image)
                    .replace("imagePullPolicy: Always", "imagePullPolicy: IfNotPresent"))
            kubectl(found, "apply", "--server-side", "--field-manager=bench", "-f", "-", stdin=text, timeout=300)
    kubectl(found, "-n", settings.namespace, "rollout", "status", f"deployment/{settings.app_name}", "--timeout=300s",
            timeout=320)


def _kubectl_delete(stack: str, found: dict) -> None:
    settings = load_offline(stack).settings
    kubectl(found, "delete", "namespace", settings.namespace, "--wait=true", "--timeout=180s", timeout=200)
    kubectl(found, "-n", settings.alertmanager.namespace, "delete", "alertmanager,secret,service,poddisruptionbudget,"
            "networkpolicy", "-l", f"app.kubernetes.io/instance={settings.alertmanager.resource_name(stack)}",
            "--wait=true", timeout=200, check=False)


def up_against_apply(stack: str = "dev", runs: int = 3) -> tuple[float, float]:
    """Median seconds of `pulumi up` (create, until available) and of `kubectl apply --server-side` of the same
    objects (until available), each followed by a removal that is not timed."""
    with cluster.running():
        found = cluster.binaries()
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(_timed(lambda: deploy.up(stack)))
            deploy.destroy(stack)
            theirs.append(_timed(lambda: _kubectl_apply(stack, found)))
            _kubectl_delete(stack, found)
    return statistics.median(ours), statistics.median(theirs)


def make_up_to_scraped(stack: str = "dev") -> float:
    """Seconds from a stopped cluster to every worker of the stack scraped, with binaries and images built: what
    `make up` costs once the toolchain is in the cache. The cluster is left as it was found."""
    was_running = cluster.processes.running("kube-apiserver") is not None
    if was_running:
        cluster.down()
    settings = load_offline(stack).settings
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "localcluster", "deploy", stack], cwd=ROOT, check=True,
                   capture_output=True, timeout=1200)
    wait_until_scraped(settings.namespace, settings.replicas * len(settings.port_plan().metrics))
    seconds = time.monotonic() - started
    deploy.destroy(stack)
    if not was_running:
        cluster.down()
    return seconds


def cold_build_seconds() -> list[tuple[str, int | None]]:
    """Each part's own build time as it was measured when it was built into the cache (None: not built here)."""
    units = subprocess.run(CACHE_PARTS.split(), cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    rows = []
    engine_dir = Path(subprocess.run([str(ROOT / "tools/pulumi-engine.sh")], capture_output=True, text=True,
                                     check=True).stdout.strip()).parent
    rows.append(("Pulumi engine", _seconds(engine_dir / "build-seconds")))
    for line in filter(None, units):
        unit = line.split()[0]
        directory = Path(subprocess.run([str(ROOT / "tools/go-tool.sh"), "--unit", unit], capture_output=True,
                                        text=True, check=True).stdout.strip())
        rows.append((unit, _seconds(directory / ".complete")))
    return rows


def _seconds(path: Path) -> int | None:
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text.isdigit() else None
