"""`make e2e STACK=<stack>`: the end-to-end checks of one stack by hand, printing each check as it passes."""
import argparse
import sys

from localcluster import build
from localcluster.cluster import running
from django_observability.settings.loader import load_offline
from tests.e2e import alertmanager_cluster, scrape


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args(argv)
    build.require_packages("python -m tests.e2e.demo")
    settings = load_offline(args.stack).settings
    build.ensure(build.CLUSTER)
    # The scrape jobs come from prometheus-operator on the local cluster (started here if it does not run).
    with running():
        for mode in ("per-worker-ports", "multiprocess"):
            print(f"== {args.stack}: reference app in {mode} mode, {settings.apps[0].web_concurrency} workers")
            scrape.run(args.stack, mode, report=lambda line: print(f"  ok  {line}"))
    replicas = max(settings.alertmanager.replicas, 2)
    print(f"== {args.stack}: Alertmanager cluster of {replicas} peers")
    alertmanager_cluster.run(replicas, report=lambda line: print(f"  ok  {line}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
