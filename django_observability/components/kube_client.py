"""The one way the program reads the target cluster before it deploys: the official Kubernetes client's kubeconfig
loading (every file of KUBECONFIG merged as kubectl merges them, tokens, client certificates, exec plugins such as
EKS' and GKE's, `proxy-url`; in-cluster credentials where no kubeconfig exists), and plain GETs of API paths.

Imported only when deploying (never in render mode): the client's modules take most of a second to import.
"""
import json
import os
from pathlib import Path
from typing import NamedTuple

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

TIMEOUT = 5.0


class Unreadable(Exception):
    """The API server answered, but not with the object: forbidden (RBAC) or an error, said in one phrase."""


def kubeconfig_files() -> list[Path]:
    configured = os.environ.get("KUBECONFIG")
    if configured:
        return [Path(p) for p in configured.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def in_cluster() -> bool:
    """No kubeconfig, but a pod's service account: the client's in-cluster credentials."""
    return (not any(path.exists() for path in kubeconfig_files())
            and bool(os.environ.get("KUBERNETES_SERVICE_HOST")))


class Cluster(NamedTuple):
    api: client.ApiClient

    @property
    def server(self) -> str:
        return self.api.configuration.host

    def get(self, path: str) -> dict | None:
        """GET `path`: the object, or None when it does not exist (404); Unreadable when the server refuses or
        cannot be reached."""
        return self._call("GET", path)

    def post(self, path: str, body: dict) -> dict | None:
        """POST `body` to `path` (a review such as a SubjectAccessReview), with `get`'s answers."""
        return self._call("POST", path, body)

    def _call(self, verb: str, path: str, body: dict | None = None) -> dict | None:
        headers = {"Accept": "application/json"} | ({"Content-Type": "application/json"} if body is not None else {})
        method, url, headers, data, _ = self.api.param_serialize(verb, path, header_params=headers, body=body,
                                                                 auth_settings=["BearerToken"])
        try:
            response = self.api.call_api(method, url, header_params=headers, body=data, _request_timeout=TIMEOUT)
        except (ApiException, OSError, urllib3.exceptions.HTTPError) as error:
            raise Unreadable(f"{type(error).__name__}: {error}".splitlines()[0]) from None
        if response.status == 404:
            return None
        if response.status >= 400:
            raise Unreadable("forbidden" if response.status == 403 else f"HTTP {response.status} {response.reason}")
        return json.loads(response.read())


def contexts() -> list[str]:
    """The contexts of the merged kubeconfig (empty when there is none)."""
    try:
        found, _ = config.list_kube_config_contexts()
    except (ConfigException, OSError):
        return []
    return [entry["name"] for entry in found or []]


def connect(kube_context: str) -> Cluster:
    """A client for `kube_context` (or the in-cluster credentials); ConfigException when it cannot be made."""
    if in_cluster():
        configuration = client.Configuration()
        config.load_incluster_config(client_configuration=configuration)
        return Cluster(client.ApiClient(configuration))
    return Cluster(config.new_client_from_config(context=kube_context, persist_config=False))
