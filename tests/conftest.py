import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def local_cluster():
    """The local cluster, started once per session (or reused when `make cluster` already runs it, and then left
    running), stopped at the end when the tests started it. Loopback runs need it too: their scrape jobs are the
    ones prometheus-operator generates."""
    from localcluster.cluster import running

    with running():
        yield
