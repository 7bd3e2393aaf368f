"""python -m localcluster up [--nodes N] | down | status | deploy STACK | destroy STACK"""
import argparse
import sys

from localcluster import build, cluster, deploy
from localcluster.build import BuildError
from localcluster.cluster import ClusterError
from localcluster.progress import say


def _deploy(stack: str, node_count: int) -> None:
    from django_observability.settings.loader import SettingsError, load_offline
    from localcluster import where

    try:
        settings = load_offline(stack).settings
    except SettingsError as error:
        raise ClusterError(str(error)) from None
    build.ensure(build.DEPLOY)
    cluster.up(node_count)
    deploy.up(stack)
    for app in settings.apps:
        expected = app.replicas * len(app.port_plan().metrics)
        say(f"waiting for Prometheus to scrape {expected} worker target(s) of {app.namespace}/{app.app_name}")
        targets = where.wait_until_scraped(app.namespace, app.app_name, expected)
        for target in sorted(targets, key=lambda t: t["scrapeUrl"]):
            say(f"  up  {target['labels'].get('pod')}  {target['labels'].get('endpoint')}  {target['scrapeUrl']}")
    print(where.describe(settings.alertmanager.namespace, settings.alertmanager.resource_name(stack)))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m localcluster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("up", "start the local cluster, or reuse the running one"),
                       ("deploy", "start it if needed and `pulumi up` a stack on it"),
                       ("destroy", "`pulumi destroy` a stack on it"),
                       ("down", "stop it and remove everything it made"), ("status", "say whether it runs")):
        command = sub.add_parser(name, help=text)
        if name in ("deploy", "destroy"):
            command.add_argument("stack")
        if name in ("up", "deploy"):
            command.add_argument("--nodes", type=int, default=3, choices=range(1, 10), metavar="N")
    args = parser.parse_args()
    build.require_packages(f"python -m localcluster {args.command}")
    try:
        if args.command == "up":
            build.ensure(build.CLUSTER)
            cluster.up(args.nodes)
        elif args.command == "deploy":
            _deploy(args.stack, args.nodes)
            return 0
        elif args.command == "destroy":
            build.ensure(build.ENGINE + ("kubectl",))
            deploy.destroy(args.stack)
        elif args.command == "down":
            cluster.down()
        print(cluster.status())
    except (ClusterError, BuildError) as error:
        print(f"local cluster: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
