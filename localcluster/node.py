"""One real node: containerd, the kubelet, kube-proxy and kube-router's NetworkPolicy firewall, all inside the
node's network namespace, each with its own root, socket, cgroup root and pod CIDR (two kubelets sharing a cgroup
root kill each other's pods as orphans)."""
import json
import os
from pathlib import Path

import yaml

from localcluster import processes
from localcluster.layout import (CONTROL_PLANE_IP, DNS_SERVICE_IP, POD_CIDR, SERVICE_CIDR, STATE, Node)
from localcluster.pki import PKI
from localcluster.progress import wait_until

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _hierarchies() -> list[Path]:
    return [p for p in CGROUP_ROOT.iterdir() if p.is_dir() and not p.is_symlink()]


def make_cgroups(node: Node) -> None:
    """The node's cgroup root in every v1 hierarchy; cpuset needs cpus and mems before a task may join."""
    for hierarchy in _hierarchies():
        path = hierarchy / node.cgroup.lstrip("/")
        path.mkdir(exist_ok=True)
        if hierarchy.name == "cpuset":
            for name in ("cpuset.cpus", "cpuset.mems"):
                (path / name).write_text((hierarchy / name).read_text())


def remove_cgroups(node: Node) -> None:
    """Remove the node's cgroups, deepest first; a cgroup whose last task is still exiting is retried briefly."""
    for hierarchy in _hierarchies():
        root = hierarchy / node.cgroup.lstrip("/")
        if root.exists():
            for path in [Path(directory) for directory, _, _ in os.walk(root, topdown=False)]:  # deepest first
                wait_until(lambda path=path: _removed(path), f"cgroup {path} to empty", timeout=20, interval=0.2)


def _removed(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        pass
    except OSError:  # EBUSY: a task has not exited yet
        return False
    return True


def _containerd_config(node: Node, cni_bin: Path, pause_image: str) -> str:
    d = node.dir
    return f"""version = 2
root = "{d}/containerd/root"
state = "{d}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.grpc.v1.introspection"]
[grpc]
  address = "{node.containerd_socket}"
[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause_image}"
  # This machine lacks CAP_SYS_RESOURCE: runc may not lower oom_score_adj below containerd's own.
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{d}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{cni_bin}"
    conf_dir = "{d}/cni"
"""


def _cni_config(node: Node) -> dict:
    return {
        "cniVersion": "0.4.0", "name": "django-observability",
        "plugins": [
            # No masquerading: NetworkPolicies see the pod's own source address.
            {"type": "bridge", "bridge": "cni0", "isGateway": True, "ipMasq": False, "hairpinMode": True,
             "ipam": {"type": "host-local", "ranges": [[{"subnet": node.pod_cidr}]],
                      "routes": [{"dst": "0.0.0.0/0"}], "dataDir": str(node.dir / "cni-ipam")}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def _kubelet_config(node: Node) -> dict:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        "failCgroupV1": False, "cgroupDriver": "cgroupfs", "cgroupRoot": node.cgroup, "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{node.containerd_socket}",
        "address": node.ip, "readOnlyPort": 0, "healthzBindAddress": "127.0.0.1",
        "clusterDNS": [DNS_SERVICE_IP], "clusterDomain": "cluster.local",
        "resolvConf": str(STATE / "resolv.conf"),
        "podLogsDir": str(node.dir / "pod-logs"),
        # The kubelet API answers only the API server's client certificate, never anonymous callers.
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                           "x509": {"clientCAFile": str(PKI / "ca.crt")}},
        "authorization": {"mode": "Webhook"},
        # Mounted Secrets (the operator's generated Prometheus config) follow changes within seconds.
        "syncFrequency": "10s",
        "serializeImagePulls": False,
        "evictionHard": {"memory.available": "200Mi", "nodefs.available": "2%", "imagefs.available": "2%"},
        "imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
        "maxPods": 60,
    }


def _kube_proxy_config(node: Node) -> dict:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(STATE / "kubeconfigs/kube-proxy.yaml")},
        "mode": "iptables", "clusterCIDR": POD_CIDR, "hostnameOverride": node.name,
        "bindAddress": node.ip, "healthzBindAddress": "127.0.0.1:10256", "metricsBindAddress": "127.0.0.1:10249",
        "nodePortAddresses": [f"{node.ip}/32"], "conntrack": {"maxPerCore": 0},
    }


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def start(node: Node, binaries: dict[str, Path], pause_image: str) -> None:
    d = node.dir
    for sub in ("cni", "cni-ipam", "pod-logs", "kubelet", "containerd"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    # Written only when they change: kube-proxy exits when its configuration file is rewritten.
    _write(d / "containerd.toml", _containerd_config(node, binaries["bridge"].parent, pause_image))
    _write(d / "cni" / "10-django-observability.conflist", json.dumps(_cni_config(node), indent=2))
    _write(d / "kubelet.yaml", yaml.safe_dump(_kubelet_config(node)))
    _write(d / "kube-proxy.yaml", yaml.safe_dump(_kube_proxy_config(node)))
    make_cgroups(node)
    processes.start(f"{node.name}-containerd", ["containerd", "--config", str(d / "containerd.toml")],
                    netns=node.netns)
    processes.start(f"{node.name}-kubelet", [
        str(binaries["kubelet"]), "--config", str(d / "kubelet.yaml"),
        "--kubeconfig", str(STATE / f"kubeconfigs/{node.name}.yaml"), "--root-dir", str(d / "kubelet"),
        "--cert-dir", str(d / "kubelet/pki"), "--hostname-override", node.name, "--node-ip", node.ip, "--v=1",
    ], netns=node.netns)
    processes.start(f"{node.name}-kube-proxy", [str(binaries["kube-proxy"]), "--config", str(d / "kube-proxy.yaml")],
                    netns=node.netns)
    # The firewall controller only: routes are static, Services are kube-proxy's, the CNI is the bridge.
    processes.start(f"{node.name}-kube-router", [
        str(binaries["kube-router"]), "--run-firewall", "--run-router=false", "--run-service-proxy=false",
        "--enable-cni=false", "--enable-ibgp=false", "--enable-overlay=false", f"--hostname-override={node.name}",
        f"--service-cluster-ip-range={SERVICE_CIDR}", "--health-port=0", "--metrics-port=0",
        f"--kubeconfig={STATE / 'kubeconfigs/kube-router.yaml'}", f"--master=https://{CONTROL_PLANE_IP}:6443",
    ], netns=node.netns)


def import_image(node: Node, archive: Path) -> None:
    """Import an image archive into the node's containerd once (archive names carry their inputs' hash)."""
    marker = node.dir / "imported" / archive.name
    if marker.exists():
        return
    processes.run(["ctr", "-a", str(node.containerd_socket), "-n", "k8s.io", "images", "import", str(archive)],
                  timeout=600)
    marker.parent.mkdir(exist_ok=True)
    marker.touch()


def kill_pods(node: Node) -> None:
    """SIGKILL every process in the node's cgroup root: its pods' containers, which belong to no daemon we could
    stop otherwise."""
    for hierarchy in _hierarchies():
        # os.walk skips a cgroup that disappears while it walks (the kubelet removing a pod's).
        for directory, _, _ in os.walk(hierarchy / node.cgroup.lstrip("/")):
            try:
                pids = Path(directory, "cgroup.procs").read_text().split()
            except OSError:  # gone (ENOENT), or being removed as it is read (ENODEV)
                continue
            for pid in pids:
                processes.kill_pid(int(pid))


def stop(node: Node) -> None:
    for daemon in ("kube-router", "kube-proxy", "kubelet"):
        processes.stop(f"{node.name}-{daemon}")
    kill_pods(node)
    # Containers run under shims that outlive containerd; they name the node's socket on their command line.
    processes.kill_matching(str(node.containerd_socket))
    processes.stop(f"{node.name}-containerd")
    processes.kill_matching(str(node.containerd_socket))
