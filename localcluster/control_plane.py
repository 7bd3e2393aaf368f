"""etcd and the control plane (kube-apiserver, kube-controller-manager, kube-scheduler) in the root namespace.

The API server binds the bridge address (pods reach it as the `kubernetes` Service, 10.96.0.1), authorises with
Node and RBAC, and admits with NodeRestriction besides the defaults (Pod Security among them).
"""
from pathlib import Path

from localcluster import processes
from localcluster.layout import (API_PORT, CONTROL_PLANE_IP, ETCD_CLIENT_PORT, ETCD_PEER_PORT, POD_CIDR,
                                 SERVICE_CIDR, STATE)
from localcluster.pki import PKI


def start_api_server(binaries: dict[str, Path]) -> None:
    etcd_dir = STATE / "etcd"
    etcd_dir.mkdir(parents=True, exist_ok=True)
    etcd_dir.chmod(0o700)
    processes.start("etcd", [
        "etcd", "--name", "local", "--data-dir", str(etcd_dir),
        "--listen-client-urls", f"http://127.0.0.1:{ETCD_CLIENT_PORT}",
        "--advertise-client-urls", f"http://127.0.0.1:{ETCD_CLIENT_PORT}",
        "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER_PORT}",
        "--initial-advertise-peer-urls", f"http://127.0.0.1:{ETCD_PEER_PORT}",
        "--initial-cluster", f"local=http://127.0.0.1:{ETCD_PEER_PORT}",
        "--listen-metrics-urls", "", "--log-level", "warn",
    ])
    processes.start("kube-apiserver", [
        str(binaries["kube-apiserver"]),
        f"--etcd-servers=http://127.0.0.1:{ETCD_CLIENT_PORT}",
        f"--bind-address={CONTROL_PLANE_IP}", f"--advertise-address={CONTROL_PLANE_IP}",
        f"--secure-port={API_PORT}",
        f"--tls-cert-file={PKI / 'apiserver.crt'}", f"--tls-private-key-file={PKI / 'apiserver.key'}",
        f"--client-ca-file={PKI / 'ca.crt'}", f"--token-auth-file={PKI / 'tokens.csv'}",
        f"--kubelet-client-certificate={PKI / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={PKI / 'apiserver-kubelet-client.key'}",
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
        "--allow-privileged=true", "--anonymous-auth=false",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--service-account-key-file={PKI / 'sa.pub'}",
        f"--service-account-signing-key-file={PKI / 'sa.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--profiling=false", "--v=1",
    ])


def start_controllers(binaries: dict[str, Path]) -> None:
    """kube-controller-manager and kube-scheduler, once the API server is ready: started earlier, they can find the
    RBAC bootstrap roles missing and exit."""
    for name, user in (("kube-controller-manager", "controller-manager"), ("kube-scheduler", "scheduler")):
        kubeconfig = STATE / f"kubeconfigs/{user}.yaml"
        extra = [
            "--controllers=*,-nodeipam", f"--cluster-cidr={POD_CIDR}",
            f"--service-account-private-key-file={PKI / 'sa.key'}", f"--root-ca-file={PKI / 'ca.crt'}",
            "--use-service-account-credentials=true", f"--service-cluster-ip-range={SERVICE_CIDR}",
        ] if name == "kube-controller-manager" else []
        processes.start(name, [
            str(binaries[name]), f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}", "--leader-elect=false", "--bind-address=127.0.0.1",
            "--profiling=false", *extra,
        ])


def stop() -> None:
    for name in ("kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"):
        processes.stop(name)
