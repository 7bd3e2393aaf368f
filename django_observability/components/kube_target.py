"""Before a real deployment: the stack's kubeContext must name a context of the kubeconfig, and that context's API
server must answer. Otherwise the provider would fail mid-update with pages of gRPC detail; here the program stops
before any resource is registered, with one line naming the setting.

Then the selector trap: a ServiceMonitor that no Prometheus selects is accepted by the API server and scraped by
nobody. The Prometheus objects of `prometheusNamespace` are read (with the context's token or client certificate)
and a warning names the labels they select when the stack's `serviceMonitorLabels` match none of them.
"""
import base64
import json
import os
import socket
import ssl
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

from django_observability.settings.loader import Problem


def _kubeconfig_files() -> list[Path]:
    configured = os.environ.get("KUBECONFIG")
    if configured:
        return [Path(p) for p in configured.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def _read(files: list[Path]) -> tuple[dict[str, dict], dict[str, dict], dict[str, dict]]:
    """Contexts, clusters and users by name, the first definition winning as kubectl merges them."""
    sections: tuple[dict, dict, dict] = ({}, {}, {})
    for path in files:
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        for section, (key, field) in zip(sections, (("contexts", "context"), ("clusters", "cluster"),
                                                    ("users", "user"))):
            for entry in document.get(key) or []:
                section.setdefault(entry.get("name"), entry.get(field) or {})
    return sections


def problem(kube_context: str, timeout: float = 3.0) -> Problem | None:
    """What is wrong with deploying to `kube_context`, or None."""
    files = _kubeconfig_files()
    contexts, clusters, _ = _read(files)
    if kube_context not in contexts:
        known = ", ".join(sorted(c for c in contexts if c)) or "none"
        where = os.pathsep.join(str(f) for f in files)
        return Problem("kubeContext", kube_context, f"is not a context of the kubeconfig {where} (contexts: {known})")
    server = clusters.get(contexts[kube_context].get("cluster"), {}).get("server") or ""
    url = urllib.parse.urlsplit(server)
    try:
        with socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout):
            return None
    except (OSError, TypeError, ValueError) as error:
        return Problem("kubeContext", kube_context, f"its API server {server} does not answer ({error})")


def _get(kube_context: str, path: str) -> dict | None:
    """GET `path` from the context's API server, or None where its credentials are of a kind not read here (an
    exec plugin, for one)."""
    contexts, clusters, users = _read(_kubeconfig_files())
    cluster = clusters.get(contexts[kube_context].get("cluster"), {})
    user = users.get(contexts[kube_context].get("user"), {})
    context = ssl.create_default_context()
    with tempfile.TemporaryDirectory() as work:
        def material(key: str) -> str | None:
            if cluster.get(key) or user.get(key):
                return cluster.get(key) or user.get(key)
            data = cluster.get(f"{key}-data") or user.get(f"{key}-data")
            if not data:
                return None
            target = Path(work) / key
            target.write_bytes(base64.b64decode(data))
            return str(target)

        if authority := material("certificate-authority"):
            context.load_verify_locations(authority)
        if cluster.get("insecure-skip-tls-verify"):
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        headers = {}
        if user.get("token"):
            headers["Authorization"] = f"Bearer {user['token']}"
        elif certificate := material("client-certificate"):
            context.load_cert_chain(certificate, material("client-key"))
        else:
            return None
        request = urllib.request.Request(cluster["server"].rstrip("/") + path, headers=headers)
        try:
            with urllib.request.urlopen(request, context=context, timeout=5) as response:
                return json.load(response)
        except OSError:
            return None


def _selects(selector: dict | None, labels: dict[str, str]) -> bool:
    """Label selector semantics for matchLabels and the In/NotIn/Exists/DoesNotExist expressions; a missing
    selector selects nothing, an empty one everything."""
    if selector is None:
        return False
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
                "Exists": key in labels, "DoesNotExist": key not in labels}.get(operator) is False:
            return False
    return True


def unselected_warning(kube_context: str, prometheus_namespace: str, labels: dict[str, str]) -> str | None:
    """A warning when no Prometheus of `prometheus_namespace` selects ServiceMonitors labelled `labels`."""
    found = _get(kube_context, f"/apis/monitoring.coreos.com/v1/namespaces/{prometheus_namespace}/prometheuses")
    if found is None:
        return None
    prometheuses = found.get("items") or []
    if any(_selects(p["spec"].get("serviceMonitorSelector"), labels) for p in prometheuses):
        return None
    wanted = "; ".join(f"{p['metadata']['name']} selects {json.dumps(p['spec'].get('serviceMonitorSelector'))}"
                       for p in prometheuses) or f"there is no Prometheus in namespace {prometheus_namespace}"
    return (f"{Problem('serviceMonitorLabels', labels, 'are selected by no Prometheus: its ServiceMonitor and rules would be scraped and loaded by nobody')} "
            f"({wanted}; read a Prometheus' selector with `kubectl -n {prometheus_namespace} get prometheus -o yaml`)")
