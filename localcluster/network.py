"""The node network: a bridge in the root namespace holding the control plane's address, one network namespace per
node joined to it by a veth pair, and static routes between the nodes' pod CIDRs.

Nodes get no default route, so nothing a pod sends can leave the machine; the root namespace's forwarding and
iptables policies are left as they are.
"""
import subprocess
from pathlib import Path

from localcluster.layout import BRIDGE, CONTROL_PLANE_IP, SERVICE_CIDR, Node
from localcluster.processes import run


def _ip(*args: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return run(["ip", *args], netns=netns, check=check)


def _exists(kind: str, name: str) -> bool:
    if kind == "netns":
        return Path(f"/run/netns/{name}").exists()
    return _ip("link", "show", name, check=False).returncode == 0


def bridge_up() -> None:
    if not _exists("link", BRIDGE):
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{CONTROL_PLANE_IP}/24", "dev", BRIDGE)
    _ip("link", "set", BRIDGE, "up")


def node_up(node: Node, all_nodes: list[Node]) -> None:
    if not _exists("netns", node.netns):
        _ip("netns", "add", node.netns)
    if not _exists("link", node.veth):
        _ip("link", "add", node.veth, "type", "veth", "peer", "name", "eth0", "netns", node.netns)
        _ip("link", "set", node.veth, "master", BRIDGE, "up")
        _ip("addr", "add", f"{node.ip}/24", "dev", "eth0", netns=node.netns)
        _ip("link", "set", "eth0", "up", netns=node.netns)
        _ip("link", "set", "lo", "up", netns=node.netns)
        # Local connections to Service IPs need a route before kube-proxy's DNAT rewrites them; an on-link route
        # that nothing answers fails closed instead of leaving the node.
        _ip("route", "add", SERVICE_CIDR, "dev", "eth0", "src", node.ip, netns=node.netns)
    for key in ("net.ipv4.ip_forward=1", "net.bridge.bridge-nf-call-iptables=1", "net.ipv4.conf.all.rp_filter=0"):
        run(["sysctl", "-qw", key], netns=node.netns)
    for other in all_nodes:
        if other != node:
            _ip("route", "replace", other.pod_cidr, "via", other.ip, netns=node.netns)
    # The root namespace reaches every pod through its node, so the API server, the operator and the tests can,
    # and Service IPs through the first node, whose kube-proxy masquerades callers from outside the pod CIDR.
    _ip("route", "replace", node.pod_cidr, "via", node.ip)
    if node.index == 1:
        _ip("route", "replace", SERVICE_CIDR, "via", node.ip)


def node_down(node: Node) -> None:
    _ip("route", "del", node.pod_cidr, check=False)
    if node.index == 1:
        _ip("route", "del", SERVICE_CIDR, check=False)
    if _exists("link", node.veth):
        _ip("link", "del", node.veth)
    if _exists("netns", node.netns):
        _ip("netns", "del", node.netns)


def bridge_down() -> None:
    if _exists("link", BRIDGE):
        _ip("link", "del", BRIDGE)


def bridge_exists() -> bool:
    return _exists("link", BRIDGE)
