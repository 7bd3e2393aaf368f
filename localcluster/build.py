"""The first steps of an entry point: its Debian packages checked (and installed), then the build step, which builds
every part it runs with tools/build-all.sh (the one way anything is built), in parallel, the estimate of the whole
printed first. No timeout covers a build: the steps after it only look parts up and fail with one line when one is
missing. The build runs in a process group of its own, ended with this process, so an interrupted `make up` leaves
no build running."""
import os
import signal
import subprocess

from localcluster.layout import ROOT

CLUSTER = ("kubernetes", "kubectl", "cni-plugins", "kube-router", "prometheus-operator", "image:pause",
           "image:netcheck", "image:coredns", "image:prometheus", "image:prometheus-config-reloader",
           "image:alertmanager")
"""What the local cluster runs: its binaries, and the images it imports into every node."""
ENGINE = ("engine", "docker-provider")
"""What tools/pulumi.sh runs: the engine and its plugins (the Docker provider of Swarm stacks included)."""
DEPLOY = CLUSTER + ENGINE + ("image:django-app",)
"""What `make up` runs: the cluster, the engine, and the reference app's image."""


class BuildError(Exception):
    """A step that cannot start or a build that failed, as one line."""


def require_packages(entry: str) -> None:
    """The entry point's Debian packages (tools/system-packages.txt), checked and installed when missing."""
    result = subprocess.run([str(ROOT / "tools/install-system-packages.sh"), "--for", entry])
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def ensure(parts: tuple[str, ...]) -> None:
    """Build whatever of `parts` is missing (a second when nothing is)."""
    process = subprocess.Popen([str(ROOT / "tools/build-all.sh"), *parts], start_new_session=True)
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        code = process.wait()
    except BaseException:
        _stop(process)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code != 0:
        raise BuildError(f"building {' '.join(parts)} failed (tools/build-all.sh exit status {code}; its log is above)")


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(process: subprocess.Popen) -> None:
    """End the build's process group: tools/build-all.sh and every build it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
