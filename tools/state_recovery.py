"""Before a Pulumi command on a file backend, repair what a killed `pulumi` left in the stack's state, or stop
with one line saying what to restore. Run by tools/pulumi.sh with the CLI's arguments (standard library only):

- a lock whose process is gone (same host, no running `pulumi` with that PID): the orphaned plugin processes of
  that run are stopped, found by the DJANGO_OBSERVABILITY_ENGINE_PID that tools/pulumi.sh gives every CLI it
  starts (its plugins inherit it), then the lock, the half-written `.attrs` sidecars and `.tmp` files go;
- pending operations in render mode (the stack's Kubernetes provider writes files, so an interrupted create is at
  most a file the next update writes again) are cleared through `pulumi stack export` / `import`; elsewhere the
  one command that clears them against the cluster is printed;
- a state file that is not JSON: its path and the newest backup that is, with the command that restores it.

Other backends (not file://) are left to Pulumi.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ENGINE_PID_ENV = "DJANGO_OBSERVABILITY_ENGINE_PID"
COMMANDS = {"up", "update", "preview", "refresh", "destroy", "import", "stack"}
STOP_WAIT_SECONDS = 10


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] state recovery: {message}", file=sys.stderr, flush=True)


class CannotRecover(Exception):
    """One line for the user; nothing was changed."""


def _arguments(argv: list[str]) -> tuple[str | None, str | None]:
    """(command, stack) from the CLI's arguments."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    stack = None
    for index, arg in enumerate(argv):
        if arg in ("--stack", "-s") and index + 1 < len(argv):
            stack = argv[index + 1]
        elif arg.startswith("--stack="):
            stack = arg.partition("=")[2]
    return command, stack.rsplit("/", 1)[-1] if stack else None


def _project(root: Path) -> str:
    for line in (root / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.partition(":")[2].strip()
    raise CannotRecover(f"{root / 'Pulumi.yaml'}: has no name")


def _process(pid: int) -> dict | None:
    """Command name, state and environment of a live process, or None when there is none (a zombie is none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
    if state == "Z":
        return None
    env = dict(item.partition("=")[::2] for item in environ.decode(errors="replace").split("\0") if item)
    return {"name": name, "env": env}


def _is_running_cli(pid: int) -> bool:
    process = _process(pid)
    return process is not None and process["name"] == "pulumi"


def orphans_of(cli_pid: int) -> list[int]:
    """Processes started under the CLI that had `cli_pid`: every descendant carries its PID in ENGINE_PID_ENV."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in (cli_pid, os.getpid()):
            process = _process(int(entry.name))
            if process and process["env"].get(ENGINE_PID_ENV) == str(cli_pid):
                found.append(int(entry.name))
    return found


def _stop(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while any(_process(pid) for pid in pids):
        if time.monotonic() > deadline:
            raise CannotRecover(f"orphaned processes {pids} of an interrupted run did not stop")
        time.sleep(0.05)


class StackState:
    def __init__(self, state_root: Path, project: str, stack: str):
        self.stack = stack
        self.locks = state_root / ".pulumi/locks/organization" / project / stack
        self.stacks_dir = state_root / ".pulumi/stacks" / project
        self.file = self.stacks_dir / f"{stack}.json"
        self.backups = state_root / ".pulumi/backups" / project / stack

    def lock_holders(self) -> dict[Path, dict]:
        holders = {}
        for path in sorted(self.locks.glob("*.json")) if self.locks.is_dir() else []:
            try:
                holders[path] = json.loads(path.read_text())
            except (OSError, ValueError):
                holders[path] = {}  # written by a run killed mid-write
        return holders

    def own_leftovers(self) -> list[Path]:
        """Half-written files of an interrupted write: `.tmp` files and `.attrs` sidecars that are not JSON (the
        sidecar holds only content type and checksum; without one the file is read as it is)."""
        leftovers = list(self.stacks_dir.glob(f"{self.stack}.json*.tmp")) + list(self.locks.glob("*.tmp"))
        for sidecar in list(self.stacks_dir.glob(f"{self.stack}.json*.attrs")) + list(self.locks.glob("*.attrs")):
            try:
                json.loads(sidecar.read_text())
            except (OSError, ValueError):
                leftovers.append(sidecar)
        return leftovers

    def checkpoint(self) -> dict | None:
        if not self.file.exists():
            return None
        try:
            return json.loads(self.file.read_text())
        except ValueError as error:
            raise CannotRecover(self._corrupted(f"is not JSON ({error})")) from None

    def _corrupted(self, why: str) -> str:
        candidates = sorted([*self.backups.glob(f"{self.stack}.*.json"), self.file.with_name(self.file.name + ".bak")],
                            key=lambda path: path.stat().st_mtime if path.exists() else 0, reverse=True)
        for backup in candidates:
            try:
                json.loads(backup.read_text())
            except (OSError, ValueError):
                continue
            return f"state file {self.file} {why}; restore its last good backup with: cp {backup} {self.file}"
        return f"state file {self.file} {why}, and no backup of it is readable"


def _renders_files(checkpoint: dict) -> bool:
    """Whether the stack's Kubernetes provider renders YAML instead of deploying."""
    resources = checkpoint.get("checkpoint", {}).get("latest", {}).get("resources") or []
    return any(resource.get("type") == "pulumi:providers:kubernetes"
               and (resource.get("inputs") or {}).get("renderYamlToDirectory") for resource in resources)


def _clear_pending(state: StackState, checkpoint: dict) -> None:
    pending = checkpoint.get("checkpoint", {}).get("latest", {}).get("pending_operations") or []
    if not pending:
        return
    if not _renders_files(checkpoint):
        raise CannotRecover(
            f"stack {state.stack} has {len(pending)} pending operation(s) from an interrupted run; check them against "
            f"the cluster and clear them with: tools/pulumi.sh refresh --clear-pending-creates --yes --stack {state.stack}")
    log(f"clearing {len(pending)} pending operation(s) of an interrupted run (render mode: files are written again)")
    exported = subprocess.run(["pulumi", "stack", "export", "--stack", state.stack], capture_output=True, text=True,
                              timeout=120, check=True).stdout
    deployment = json.loads(exported)
    deployment["deployment"].pop("pending_operations", None)
    subprocess.run(["pulumi", "stack", "import", "--stack", state.stack], input=json.dumps(deployment),
                   capture_output=True, text=True, timeout=120, check=True)


def recover(state: StackState) -> None:
    holders = state.lock_holders()
    host = socket.gethostname()
    live = [path for path, holder in holders.items()
            if holder.get("hostname", host) != host or _is_running_cli(int(holder.get("pid", 0)))]
    if live:
        return  # another run holds the stack: Pulumi says so
    for path, holder in holders.items():
        pid = int(holder.get("pid", 0))
        log(f"{path.name} names process {pid or '?'}, which is gone: removing the lock of that interrupted run")
        if pid:
            orphans = orphans_of(pid)
            if orphans:
                log(f"stopping {len(orphans)} orphaned plugin process(es) of that run: {orphans}")
                _stop(orphans)
        path.unlink()
        path.with_name(path.name + ".attrs").unlink(missing_ok=True)
    for leftover in state.own_leftovers():
        log(f"removing {leftover.name}, half written by an interrupted run")
        leftover.unlink(missing_ok=True)
    checkpoint = state.checkpoint()
    if checkpoint is not None:
        _clear_pending(state, checkpoint)


def main(argv: list[str]) -> int:
    backend = os.environ.get("PULUMI_BACKEND_URL", "")
    command, stack = _arguments(argv)
    if not backend.startswith("file://") or command not in COMMANDS or stack is None:
        return 0
    root = Path(__file__).resolve().parent.parent
    try:
        recover(StackState(Path(backend.removeprefix("file://")), _project(root), stack))
    except CannotRecover as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"error: {' '.join(error.cmd[:3])} failed while clearing pending operations: "
              f"{(error.stderr or '').strip().splitlines()[-1:]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
