"""Start and stop the whole local cluster, idempotently: `up` reuses whatever already runs, `down` removes exactly
what `up` made and restores what it changed."""
import functools
import glob
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from localcluster import addons, control_plane, monitoring, network, node as node_daemons, pki, processes
from localcluster.layout import (API_PORT, CONTROL_PLANE_IP, KUBELET_SYSCTLS, KUBECONFIG, ROOT, STATE, nodes, record, recorded)
from localcluster.progress import say, wait_until

BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl",
            "kube-router", "bridge")
IMAGES = ("pause", "coredns", "prometheus", "alertmanager", "prometheus-config-reloader", "netcheck")


class ClusterError(Exception):
    """A problem the user can act on, reported as one line."""


def _tool(*args: str) -> str:
    """A tools/ script's output, which only looks a built part up (the entry point's build step built them: no
    build ever runs under this timeout); a missing part is its one line."""
    result = subprocess.run([str(ROOT / "tools" / args[0]), *args[1:]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=60)
    if result.returncode != 0:
        raise ClusterError(result.stderr.strip().splitlines()[-1] if result.stderr.strip()
                           else f"tools/{' '.join(args)} failed with exit status {result.returncode}")
    return result.stdout.strip()


@functools.cache
def binaries() -> dict[str, Path]:
    """Every binary the cluster runs, as built by the build step (localcluster/build.py); looked up once per
    process (nine tools/go-tool.sh calls), since callers poll with it."""
    found = {name: Path(_tool("go-tool.sh", "--built", name)) for name in BINARIES}
    found["operator-dir"] = Path(_tool("go-tool.sh", "--built", "--unit", "prometheus-operator"))
    return found


def image_archives(names: tuple[str, ...] = IMAGES) -> dict[str, Path]:
    paths = _tool("images/build.sh", "--built", *names).splitlines()
    return dict(zip(names, map(Path, paths)))


def image_tag(name: str) -> str:
    return _tool("images/build.sh", "--tag", name)


def _stack_contexts() -> list[str]:
    import yaml
    contexts = []
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
        context = config.get("django-observability:kubeContext")
        if isinstance(context, str) and context not in contexts:
            contexts.append(context)
    return contexts


def api_ready() -> bool:
    result = subprocess.run(["curl", "-sf", "--max-time", "2", "--cacert", str(pki.PKI / "ca.crt"),
                             "-H", f"Authorization: Bearer {pki.token('admin')}",
                             f"https://{CONTROL_PLANE_IP}:{API_PORT}/readyz"], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "ok"


def up(node_count: int) -> None:
    """Start the cluster from the parts the build step built (its Debian packages checked by the entry point)."""
    state = recorded()
    if state.get("nodes") and state["nodes"] != node_count and processes.running("kube-apiserver"):
        raise ClusterError(f"the local cluster runs {state['nodes']} node(s), not {node_count}; "
                           "`make cluster-down` first")
    if network.bridge_exists() and not state:
        if _api_answers():
            raise ClusterError(f"bridge {network.BRIDGE} exists but this checkout started no cluster: "
                               "another checkout's local cluster runs; stop it there with `make cluster-down`")
        _clear_remains()
    started = time.monotonic()
    say(f"local cluster: {node_count} node(s), from the built binaries and images")
    found = binaries()
    archives = image_archives()
    tags = {name: image_tag(name) for name in IMAGES}
    all_nodes = nodes(node_count)
    if not state:
        record(nodes=node_count, sysctls={key: _sysctl(key) for key in KUBELET_SYSCTLS},
               cni_netns_before=sorted(glob.glob("/run/netns/cni-*")))
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "resolv.conf").write_text("# pods resolve through the cluster DNS only\nnameserver 127.0.0.1\n")
    say("credentials (made for this cluster, kept in .local-cluster/pki)")
    pki.ensure(all_nodes)
    pki.write_user_kubeconfig(_stack_contexts())
    say("network: bridge and one network namespace per node")
    network.bridge_up()
    for n in all_nodes:
        network.node_up(n, all_nodes)
    say("control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler")
    control_plane.start_api_server(found)
    wait_until(api_ready, "the API server to be ready", timeout=90)
    control_plane.start_controllers(found)
    say("nodes: containerd, kubelet, kube-proxy, kube-router")
    for n in all_nodes:
        node_daemons.start(n, found, tags["pause"])
    for n in all_nodes:
        wait_until(n.containerd_socket.exists, f"containerd on {n.name}", timeout=30)
        for name, archive in archives.items():
            node_daemons.import_image(n, archive)
    wait_until(lambda: _ready_nodes(found) == node_count, f"{node_count} node(s) Ready", timeout=120)
    say("add-ons: CoreDNS, prometheus-operator and its CRDs, the platform's monitoring")
    addons.start(found, tags, found["operator-dir"])
    wait_until(lambda: _addons_ready(found), "CoreDNS and the monitoring to be ready", timeout=240, interval=2)
    say(f"local cluster ready in {time.monotonic() - started:.0f}s; KUBECONFIG={KUBECONFIG.relative_to(ROOT)}")


def _ready_nodes(found: dict) -> int:
    out = addons.kubectl(found, "get", "nodes", "-o",
                         "jsonpath={range .items[*]}{.status.conditions[?(@.type=='Ready')].status}{'\\n'}{end}").stdout
    return out.split().count("True")


def _addons_ready(found: dict) -> bool:
    dns = addons.kubectl(found, "-n", "kube-system", "get", "deploy", "coredns", "-o",
                         "jsonpath={.status.readyReplicas}", check=False).stdout
    return dns.strip() == "1" and monitoring.ready(lambda *args, **kwargs: addons.kubectl(found, *args, **kwargs),
                                                   monitoring.current())


def _api_answers() -> bool:
    try:
        with socket.create_connection((CONTROL_PLANE_IP, API_PORT), timeout=2):
            return True
    except OSError:
        return False


def _clear_remains() -> None:
    """What a cluster whose processes were ended from outside (its checkout gone) leaves: our nodes' pods (found
    by their cgroups), network namespaces, veths and bridge. Only names this project gives."""
    say(f"clearing the remains of a local cluster whose processes are gone (bridge {network.BRIDGE})")
    leftover = nodes(9)
    for n in leftover:
        node_daemons.kill_pods(n)
    for n in leftover:
        node_daemons.remove_cgroups(n)
        network.node_down(n)
    network.bridge_down()


def down() -> None:
    state = recorded()
    all_nodes = nodes(state.get("nodes", 0))
    say("stopping the local cluster")
    addons.stop()
    for n in all_nodes:
        node_daemons.stop(n)
    control_plane.stop()
    _unmount_under(STATE)
    for n in all_nodes:
        node_daemons.remove_cgroups(n)
        network.node_down(n)
    network.bridge_down()
    before = set(state.get("cni_netns_before", []))
    for path in glob.glob("/run/netns/cni-*"):
        if path not in before:
            subprocess.run(["ip", "netns", "del", os.path.basename(path)], check=False, capture_output=True)
    _remove_container_log_links()
    for key, value in state.get("sysctls", {}).items():
        subprocess.run(["sysctl", "-qw", f"{key}={value}"], check=False)
    subprocess.run(["rm", "-rf", str(STATE)], check=True)
    say("local cluster stopped; nothing of it is left")


def _unmount_under(root: Path) -> None:
    """Unmount whatever the nodes mounted below the state folder (container root filesystems, volumes), deepest
    first."""
    prefix = str(root.resolve()) + "/"
    for _ in range(3):
        with open("/proc/self/mounts") as mounts:
            targets = [line.split()[1].encode().decode("unicode_escape") for line in mounts]
        ours = sorted((t for t in targets if t.startswith(prefix)), key=len, reverse=True)
        if not ours:
            return
        for target in ours:
            subprocess.run(["umount", "-l", target], check=False, capture_output=True)


def _remove_container_log_links() -> None:
    """The kubelet links every container log into /var/log/containers; remove the links into our state."""
    prefix = str(STATE.resolve())
    for link in glob.glob("/var/log/containers/*.log"):
        if os.path.islink(link) and os.readlink(link).startswith(prefix):
            os.unlink(link)


def _sysctl(key: str) -> str:
    return subprocess.run(["sysctl", "-n", key], capture_output=True, text=True, check=True).stdout.strip()


def status() -> str:
    state = recorded()
    if not state or not processes.running("kube-apiserver"):
        return "local cluster: not running"
    return (f"local cluster: {state['nodes']} node(s), API https://{CONTROL_PLANE_IP}:{API_PORT}, "
            f"KUBECONFIG={KUBECONFIG}")


@contextmanager
def running(node_count: int = 3):
    """The local cluster for the duration of a block: reused when it already runs (and then left running),
    otherwise started here and stopped at the end."""
    was_running = processes.running("kube-apiserver") is not None
    up(node_count if not was_running else recorded().get("nodes", node_count))
    try:
        yield
    finally:
        if not was_running:
            down()
