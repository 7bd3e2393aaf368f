"""A stack deployed beside kube-prometheus as it installs (localcluster/monitoring.py): the tests of tests/cluster/beside.py."""
from tests.cluster.beside import *  # noqa: F401,F403 - the tests, collected here for this install

MONITORING = "kube-prometheus"
