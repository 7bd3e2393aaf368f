import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


BUILT_TOOLS = ("tools", "engine", "e2e", "cluster", "swarm")
"""The markers of the tests that may run a tool built from its Go module (make test-fast runs none of them)."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test marked with none of BUILT_TOOLS that asks for a built tool fails, rather than building it (up to half an
    hour on a fresh clone) or passing only on machines where it was built before."""
    from localrun.tools import NO_BUILDS

    if not any(item.get_closest_marker(name) for name in BUILT_TOOLS):
        os.environ[NO_BUILDS] = f"{item.nodeid} asks for it, so mark it `tools` (make test runs it, make test-fast not)"
    try:
        yield
    finally:
        os.environ.pop(NO_BUILDS, None)


@pytest.fixture(scope="session")
def local_cluster():
    """The local cluster, started once per session (or reused when `make cluster` already runs it, and then left
    running), stopped at the end when the tests started it. Loopback runs need it too: their scrape jobs are the
    ones prometheus-operator generates."""
    from localcluster.cluster import running

    with running():
        yield
