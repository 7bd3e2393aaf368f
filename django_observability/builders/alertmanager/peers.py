"""The peer plan: who gossips with whom. Both backends and the local cluster test take their peer flags from here."""
from collections.abc import Callable
from typing import NamedTuple

WEB_PORT = 9093
MESH_PORT = 9094
CONFIG_FILE = "/etc/alertmanager/alertmanager.yml"
STORAGE_PATH = "/alertmanager"


class Peer(NamedTuple):
    index: int
    name: str
    others: tuple[str, ...]

    def args(self, address: Callable[[str], str], config_file: str = CONFIG_FILE,
             storage_path: str = STORAGE_PATH) -> list[str]:
        """alertmanager flags for this peer; `address(name)` says where another peer's mesh port is reached."""
        return [f"--config.file={config_file}", f"--storage.path={storage_path}",
                *(f"--cluster.peer={address(other)}" for other in self.others)]


def swarm_service_name(index: int) -> str:
    return f"alertmanager_{index}"


def peer_plan(replicas: int) -> list[Peer]:
    """Peers 1…N, each listing every other peer and never itself."""
    names = [swarm_service_name(index) for index in range(1, replicas + 1)]
    return [Peer(index, name, tuple(other for other in names if other != name))
            for index, name in enumerate(names, start=1)]


def swarm_address(name: str) -> str:
    """Swarm's DNS name for the task(s) of a service, at the mesh port."""
    return f"tasks.{name}:{MESH_PORT}"
