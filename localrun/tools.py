"""The binaries the local runtime, the validators and the benchmarks run: those built from their Go modules by
tools/go-tool.sh, at the versions the stacks deploy (promtool of Prometheus 3.10, amtool of Alertmanager 0.28.1,
kube-score, ...), and Debian's for the loopback runs' Prometheus and Alertmanager servers."""
import functools
import shutil
import subprocess

from localcluster.layout import ROOT


def require_binary(*names: str) -> str:
    """The first of `names` on PATH: the Debian tools make test installs (prometheus, alertmanager)."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError(f"{' or '.join(names)} is not installed: run tools/install-system-packages.sh (make test does)")


@functools.cache
def go_tool(name: str) -> str:
    """A tool built from its Go module by tools/go-tool.sh (cached; `make tools` builds them before the tests);
    looked up once per process."""
    built = subprocess.run([str(ROOT / "tools/go-tool.sh"), name], capture_output=True, text=True, timeout=1800)
    if built.returncode != 0:
        raise RuntimeError(f"tools/go-tool.sh {name} failed:\n{built.stderr[-3000:]}")
    return built.stdout.strip()
