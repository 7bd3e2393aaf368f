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

def _timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def _kubectl_apply(stack: str, found: dict) -> None:
    """The offline render of `stack`, with the locally built image pulled IfNotPresent, applied server-side; then
    the same wait for the rollout that `pulumi up` does."""
    [settings] = load_offline(stack).settings.apps
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
    kubectl(found, "delete", "namespace", settings.apps[0].namespace, "--wait=true", "--timeout=180s", timeout=200)
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
    [settings] = load_offline(stack).settings.apps
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "localcluster", "deploy", stack], cwd=ROOT, check=True,
                   capture_output=True, timeout=1200)
    wait_until_scraped(settings.namespace, settings.app_name, settings.replicas * len(settings.port_plan().metrics))
    seconds = time.monotonic() - started
    deploy.destroy(stack)
    if not was_running:
        cluster.down()
    return seconds


def cold_build_seconds() -> list[tuple[str, int | None, int | None]]:
    """Each part's cold build seconds as the cache recorded them when it was built (None: built before times were
    recorded), beside the committed estimate of tools/build-seconds.txt."""
    recorded = _table(subprocess.run([str(ROOT / "tools/build-all.sh"), "--measured"], capture_output=True,
                                     text=True, check=True).stdout)
    committed = _table((ROOT / "tools/build-seconds.txt").read_text())
    parts = subprocess.run([str(ROOT / "tools/build-all.sh"), "--parts"], capture_output=True, text=True,
                           check=True).stdout.split()
    return [(part, recorded.get(part), committed.get(part)) for part in parts]


def _table(text: str) -> dict[str, int]:
    """`part seconds` lines (the format of tools/build-seconds.txt), comments aside."""
    return {words[0]: int(words[1]) for words in map(str.split, text.splitlines())
            if len(words) == 2 and not words[0].startswith("#") and words[1].isdigit()}
