"""Credentials made fresh for each cluster (never committed): a CA, the API server's serving certificate, its
kubelet-client certificate, the service-account key pair, one bearer token per identity, and the kubeconfigs."""
import secrets
import subprocess
from pathlib import Path

import yaml

from localcluster.layout import API_PORT, CONTROL_PLANE_IP, KUBECONFIG, KUBERNETES_SERVICE_IP, STATE, Node

PKI = STATE / "pki"
CLUSTER_NAME = "django-observability-local"
# Identities with the RBAC bindings Kubernetes' bootstrap policy already has (or the cluster's addons create).
SYSTEM_USERS = {
    "admin": ("admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", ""),
    "scheduler": ("system:kube-scheduler", ""),
    "kube-proxy": ("system:kube-proxy", ""),
    "kube-router": ("django-observability:kube-router", ""),
    "prometheus-operator": ("django-observability:prometheus-operator", ""),
}


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _key(path: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", str(path))
    path.chmod(0o600)


def _signed(name: str, subject: str, extensions: str) -> None:
    key, csr, ext = PKI / f"{name}.key", PKI / f"{name}.csr", PKI / f"{name}.ext"
    _key(key)
    _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
    ext.write_text(extensions)
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(PKI / "ca.crt"), "-CAkey", str(PKI / "ca.key"),
             "-CAcreateserial", "-days", "30", "-extfile", str(ext), "-out", str(PKI / f"{name}.crt"))
    csr.unlink()
    ext.unlink()


def ensure(nodes: list[Node]) -> None:
    """Create whatever credentials are missing (a running cluster keeps its own)."""
    PKI.mkdir(parents=True, exist_ok=True)
    PKI.chmod(0o700)
    if not (PKI / "ca.crt").exists():
        _key(PKI / "ca.key")
        _openssl("req", "-x509", "-new", "-key", str(PKI / "ca.key"), "-subj", f"/CN={CLUSTER_NAME}-ca",
                 "-days", "30", "-out", str(PKI / "ca.crt"))
    if not (PKI / "apiserver.crt").exists():
        names = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]
        sans = ",".join([f"IP:{CONTROL_PLANE_IP}", f"IP:{KUBERNETES_SERVICE_IP}", "IP:127.0.0.1",
                         *(f"DNS:{n}" for n in names)])
        _signed("apiserver", "/CN=kube-apiserver",
                f"subjectAltName={sans}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n")
    if not (PKI / "apiserver-kubelet-client.crt").exists():
        _signed("apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client",
                "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n")
    if not (PKI / "sa.key").exists():
        _openssl("genrsa", "-out", str(PKI / "sa.key"), "2048")
        _openssl("rsa", "-in", str(PKI / "sa.key"), "-pubout", "-out", str(PKI / "sa.pub"))
        (PKI / "sa.key").chmod(0o600)
    tokens = PKI / "tokens.csv"
    identities = dict(SYSTEM_USERS) | {n.name: (f"system:node:{n.name}", "system:nodes") for n in nodes}
    known = {line.split(",")[2]: line for line in tokens.read_text().splitlines()} if tokens.exists() else {}
    lines = [known.get(name) or f'{secrets.token_hex(24)},{user},{name},"{group}"'
             for name, (user, group) in identities.items()]
    tokens.write_text("\n".join(lines) + "\n")
    tokens.chmod(0o600)
    for name in identities:
        _write_kubeconfig(STATE / "kubeconfigs" / f"{name}.yaml", {"local": token(name)})


def token(identity: str) -> str:
    for line in (PKI / "tokens.csv").read_text().splitlines():
        value, _, uid, _ = line.split(",", 3)
        if uid == identity:
            return value
    raise KeyError(identity)


def _write_kubeconfig(path: Path, contexts_to_tokens: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": CLUSTER_NAME, "cluster": {"server": f"https://{CONTROL_PLANE_IP}:{API_PORT}",
                                                        "certificate-authority": str(PKI / "ca.crt")}}],
        "users": [{"name": f"{context}-user", "user": {"token": value}} for context, value in contexts_to_tokens.items()],
        "contexts": [{"name": context, "context": {"cluster": CLUSTER_NAME, "user": f"{context}-user"}}
                     for context in contexts_to_tokens],
        "current-context": next(iter(contexts_to_tokens)),
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)


def write_user_kubeconfig(contexts: list[str]) -> Path:
    """The kubeconfig `pulumi up` and kubectl use: one context per stack's kubeContext, all on this cluster."""
    admin = token("admin")
    _write_kubeconfig(KUBECONFIG, {context: admin for context in contexts})
    return KUBECONFIG
