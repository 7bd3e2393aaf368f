"""The reference app under real gunicorn, scraped by a real Prometheus configured from the rendered objects."""
import pytest

from tests.e2e import scrape

# The reference app is scraped with the jobs prometheus-operator generates on the local cluster.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("local_cluster")]


@pytest.mark.parametrize("stack, mode", [("dev", "per-worker-ports"), ("prod", "per-worker-ports"),
                                         ("acceptance", "multiprocess")])
def test_every_worker_is_scraped(stack, mode):
    checked = []
    scrape.run(stack, mode, report=checked.append)
    assert len(checked) == (10 if mode == "per-worker-ports" else 8), checked  # ran to the end
    assert checked[-1].startswith("gunicorn access logs are JSON")
