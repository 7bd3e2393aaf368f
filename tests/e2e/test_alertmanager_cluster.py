"""A real multi-peer Alertmanager cluster on 127.0.0.1, peered by the Swarm backend's peer plan."""
import pytest

from tests.e2e import alertmanager_cluster

pytestmark = pytest.mark.e2e


def test_three_peer_cluster_notifies_once():
    checked = []
    alertmanager_cluster.run(3, report=checked.append)
    assert len(checked) == 6, checked
