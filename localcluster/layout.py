"""Where everything of the local cluster lives and which addresses it uses: one place, read by every step."""
import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("DJANGO_OBSERVABILITY_CLUSTER_DIR", ROOT / ".local-cluster"))

BRIDGE = "dobs0"                      # the root namespace's bridge; its address is the control plane's
SUBNET = "10.213.0"                   # node network /24, chosen to collide with nothing on this machine
CONTROL_PLANE_IP = f"{SUBNET}.1"
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/24"
KUBERNETES_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"
API_PORT = 6443
ETCD_CLIENT_PORT = 12379
ETCD_PEER_PORT = 12380
OPERATOR_PORT = 18080
PROMETHEUS_NAMESPACE = "monitoring"
LOCAL_IMAGES = ("the local cluster has no registry: its images are imported into every node's containerd, so they "
                "are never pulled")
"""Why kube-score's pull-policy check is ignored on what runs here: the cluster's Prometheus and a deployed
stack's Alertmanager (localcluster/monitoring.py, localcluster/deploy.py)."""
KUBECONFIG = STATE / "kubeconfig"
# Host-wide settings the kubelet changes; recorded before the first node starts and restored on stop.
KUBELET_SYSCTLS = ("vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops")


@dataclass(frozen=True)
class Node:
    index: int

    @property
    def name(self) -> str:
        return f"node-{self.index}"

    @property
    def ip(self) -> str:
        return f"{SUBNET}.{10 + self.index}"

    @property
    def netns(self) -> str:
        return f"dobs-{self.name}"

    @property
    def veth(self) -> str:
        return f"dobs-v{self.index}"

    @property
    def pod_cidr(self) -> str:
        return f"10.244.{self.index}.0/24"

    @property
    def cgroup(self) -> str:
        return f"/dobs-{self.name}"

    @property
    def dir(self) -> Path:
        return STATE / self.name

    @property
    def containerd_socket(self) -> Path:
        return self.dir / "containerd.sock"


def nodes(count: int) -> list[Node]:
    return [Node(i) for i in range(1, count + 1)]


def recorded() -> dict:
    """What `up` recorded: node count, sysctls before start, the stack that owns the cluster."""
    path = STATE / "cluster.json"
    return json.loads(path.read_text()) if path.exists() else {}


def record(**values) -> None:
    data = recorded() | values
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "cluster.json").write_text(json.dumps(data, indent=2, sort_keys=True))
