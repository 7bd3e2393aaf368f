"""The binaries the local runtime, the validators and the benchmarks run: those built from their Go modules by
tools/go-tool.sh, at the versions the stacks deploy (promtool of Prometheus 3.10, amtool of Alertmanager 0.28.1,
kube-score, ...), and Debian's for the loopback runs' Prometheus and Alertmanager servers."""
import functools
import os
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


NO_BUILDS = "DJANGO_OBSERVABILITY_NO_BUILDS"
"""When set (the tests set it for every test that is not marked as needing a built tool), go_tool refuses with its
value instead of looking one up: a test that asks for a built tool without saying so fails at once."""


def go_tool(name: str) -> str:
    """A tool built from its Go module by tools/go-tool.sh (`make tools`, and the build step of `make test` and
    `make test-hosted`, build them before the tests); looked up once per process, never built here."""
    if os.environ.get(NO_BUILDS):
        raise RuntimeError(f"{name} is built from its Go module by tools/go-tool.sh: {os.environ[NO_BUILDS]}")
    return _built(name)


@functools.cache
def _built(name: str) -> str:
    built = subprocess.run([str(ROOT / "tools/go-tool.sh"), "--built", name], capture_output=True, text=True,
                           timeout=60)
    if built.returncode != 0:
        raise RuntimeError(f"tools/go-tool.sh {name} failed:\n{built.stderr[-3000:]}")
    return built.stdout.strip()
