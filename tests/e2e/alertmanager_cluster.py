"""The checks of a real Alertmanager cluster on 127.0.0.1 (localrun/alertmanager_cluster.py starts it): one
notification per alert however many peers receive it, silences gossiped, and the same after losing a peer."""
import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from localrun.alertmanager_cluster import QUIET, Webhook, cluster, post_alert
from localrun.processes import HOST, http, wait_until


def _exactly_one(webhook: Webhook, name: str) -> None:
    wait_until(lambda: webhook.notifications[name] >= 1, f"a notification for {name}", 30)
    time.sleep(QUIET)
    assert webhook.notifications[name] == 1, webhook.notifications


def run(replicas: int = 3, report=print) -> None:
    with tempfile.TemporaryDirectory(prefix="am-") as tmp, Webhook() as webhook, \
            cluster(replicas, webhook, Path(tmp)) as peers:
        report("amtool check-config accepts the config rendered for the cluster")
        report(f"{replicas} peers report cluster status ready with {replicas} peers each")
        names = list(peers)
        web = {name: port for name, (port, _) in peers.items()}

        post_alert(web[names[0]], "PostedToOnePeer")
        _exactly_one(webhook, "PostedToOnePeer")
        report("one alert posted to one peer gives exactly one notification")

        for port in web.values():  # as Prometheus does: every alert to every peer, never through a load balancer
            post_alert(port, "PostedToEveryPeer")
        _exactly_one(webhook, "PostedToEveryPeer")
        report("one alert posted to every peer gives exactly one notification (deduplicated over gossip)")

        now = datetime.now(timezone.utc)
        silence = {"matchers": [{"name": "alertname", "value": "Silenced", "isRegex": False, "isEqual": True}],
                   "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
                   "createdBy": "e2e", "comment": "gossip check"}
        status, body = http(f"http://{HOST}:{web[names[0]]}/api/v2/silences", json.dumps(silence).encode(), "POST")
        assert status == 200, body
        silence_id = json.loads(body)["silenceID"]
        for name, port in web.items():
            wait_until(lambda port=port: any(s["id"] == silence_id for s in json.loads(
                http(f"http://{HOST}:{port}/api/v2/silences")[1])), f"the silence on {name}", 30)
        report(f"a silence created on {names[0]} is visible on all {replicas} peers")

        if replicas > 1:
            peers[names[0]][1].kill()
            survivors = names[1:]
            for name in survivors:
                post_alert(web[name], "AfterPeerLoss")
            _exactly_one(webhook, "AfterPeerLoss")
            report(f"with {names[0]} killed, a new alert to the {len(survivors)} survivors gives exactly one notification")
