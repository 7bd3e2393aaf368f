"""Test-side access to the local cluster: kubectl as admin, Prometheus' API on its pod, commands in app pods."""
import base64
import contextlib
import gzip
import json
import socket
import subprocess
import urllib.parse
import urllib.request

from localcluster import addons, deploy, monitoring
from localcluster.cluster import IMAGES, binaries, image_tag
from localcluster.layout import STATE
from localcluster.progress import wait_until
from localcluster.where import prometheus_url

def kubectl(*args: str, stdin: str | None = None, check: bool = True, timeout: float = 120):
    return addons.kubectl(binaries(), *args, stdin=stdin, check=check, timeout=timeout)


def switch_monitoring(name: str) -> monitoring.Install:
    """Make `name` (localcluster/monitoring.py) the install the cluster runs: the other one is removed first."""
    images = addons.monitoring_images({each: image_tag(each) for each in IMAGES})
    return monitoring.switch(kubectl, images, name)


@contextlib.contextmanager
def alerting_wired(stack):
    """The platform's Prometheus sends to the stack's Alertmanager too, as the docs tell a platform team to wire it
    (docs/deploying-to-your-cluster.md): the stack's output `alertmanager.prometheusAlerting` entries added to the
    Prometheus resource's spec.alerting, and `alertmanager.platformAlertRelabelings` to the platform's own entries (so that our apps'
    alerts reach our Alertmanager alone); all taken off again on exit."""
    name = stack.platform.prometheus
    before = get("prometheus", "-n", monitoring.NAMESPACE, name)["spec"]["alerting"]

    def output(key: str):
        outputs = json.loads(deploy.pulumi(stack.name, "stack", "output", "alertmanager", "--json", capture=True).stdout)
        return outputs[key]

    drop = output("platformAlertRelabelings")
    theirs = [entry | {"alertRelabelings": entry.get("alertRelabelings", []) + drop}
              for entry in before["alertmanagers"]]
    wired = {"alertmanagers": theirs + output("prometheusAlerting")["alertmanagers"]}
    kubectl("patch", "prometheus", "-n", monitoring.NAMESPACE, name, "--type=merge",
            "-p", json.dumps({"spec": {"alerting": wired}}))
    try:
        ours, apps = wired["alertmanagers"][-1]["name"], drop[0]["regex"]
        for pod in pods(monitoring.NAMESPACE, f"prometheus={name}"):
            # Through the kubelet: kube-prometheus' NetworkPolicy closes 9090 to all but its namespace's pods.
            with port_forward(monitoring.NAMESPACE, f"pod/{pod['metadata']['name']}", 9090) as url:
                # Loaded once our entry and both relabelings (our keep, their drop) are in the running config.
                wait(f"{pod['metadata']['name']} to load the wiring", lambda: (lambda loaded: ours in loaded
                     and loaded.count(apps) >= 2)(http_json(f"{url}/api/v1/status/config")["data"]["yaml"]),
                     timeout=240, interval=3)
        yield wired
    finally:
        kubectl("patch", "prometheus", "-n", monitoring.NAMESPACE, name, "--type=merge",
                "-p", json.dumps({"spec": {"alerting": before}}))


def get(*args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json").stdout)


def secret_file(namespace: str, name: str, key: str) -> str:
    data = base64.b64decode(get("secret", "-n", namespace, name)["data"][key])
    return (gzip.decompress(data) if key.endswith(".gz") else data).decode()


def pods(namespace: str, selector: str) -> list[dict]:
    return get("pods", "-n", namespace, "-l", selector)["items"]


def in_pod(namespace: str, pod: str, *command: str, container: str | None = None) -> str:
    extra = ["-c", container] if container else []
    return kubectl("exec", "-n", namespace, pod, *extra, "--", *command, timeout=60).stdout


def prometheus_api(path: str, **params) -> dict:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{prometheus_url()}/api/v1/{path}{query}", timeout=10) as response:
        return json.load(response)["data"]


def query(expr: str) -> list[dict]:
    return prometheus_api("query", query=expr)["result"]


def wait(what: str, check, timeout: float, interval: float = 2.0):
    """Poll until `check()` returns something truthy and return it, at most `timeout` seconds."""
    return wait_until(check, what, timeout, interval)


@contextlib.contextmanager
def port_forward(namespace: str, target: str, port: int):
    """`kubectl port-forward` to 127.0.0.1 on a free port; yields the local URL. Through the kubelet, so it is the
    way a person reaches a pod that NetworkPolicies close to everyone but Prometheus."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = probe.getsockname()[1]
    process = subprocess.Popen([str(binaries()["kubectl"]), f"--kubeconfig={STATE / 'kubeconfigs/admin.yaml'}",
                                "port-forward", "-n", namespace, "--address=127.0.0.1", target, f"{local}:{port}"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{local}"
        wait(f"port-forward to {target}", lambda: socket.create_connection(("127.0.0.1", local), timeout=1).close()
             or True, timeout=30, interval=0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def http_json(url: str, body: dict | list | None = None) -> dict | list:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
