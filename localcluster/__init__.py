"""A local Kubernetes cluster on this machine: etcd, the control plane, N real nodes (containerd, kubelet,
kube-proxy and kube-router's NetworkPolicy firewall, each node in its own network namespace), CoreDNS,
prometheus-operator and a Prometheus set up the way kube-prometheus-stack sets it up.

Everything is built from Go modules (tools/go-tool.sh) and Debian packages; images come from tools/images/.
`python -m localcluster up|down|status` starts, stops and describes it; its state (credentials, data, logs, PIDs)
lives in `.local-cluster/` of the checkout, which git ignores. Nothing listens beyond loopback and the addresses of
the bridge and the network namespaces the cluster makes.
"""
