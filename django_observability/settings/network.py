"""Egress allow-list entries: where a pod may connect besides cluster DNS; and where cluster DNS is served from."""
import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from django_observability.settings.model import KubernetesLabels, Model, Name, Port

METADATA_NETWORKS = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"))
"""The cloud metadata service (credentials of the node's cloud identity): never reachable through an allow entry.
A CIDR that contains it gets it as an `except`; a CIDR inside it is refused."""


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32, its host bits zero") from None
    inside = [str(metadata) for metadata in METADATA_NETWORKS
              if metadata.version == network.version and network.subnet_of(metadata)]
    if inside:
        raise ValueError(f"is the cloud metadata address {inside[0]}, which no pod may reach: it hands out the "
                         "node's cloud credentials")
    return str(network)


class EgressPort(Model):
    """A destination port of an egress allow entry."""

    port: Port
    """Destination port (1-65535)."""
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    """TCP, UDP or SCTP."""


class Destination(Model):
    """A CIDR, or pods (a namespace, pod labels, or both)."""

    cidr: Annotated[str, AfterValidator(_cidr)] | None = None
    """Addresses outside the cluster; the metadata address is excepted from any CIDR that contains it."""
    namespace: Name | None = None
    """Pods of this namespace."""
    pod_labels: KubernetesLabels | None = None
    """Pods with these labels (in `namespace`, or in the pod's own namespace)."""

    @model_validator(mode="after")
    def _one_kind_of_destination(self):
        pods = self.namespace is not None or self.pod_labels is not None
        if (self.cidr is not None) == pods:
            raise ValueError("must name either a cidr or pods (namespace, podLabels or both), not both and not neither")
        if self.pod_labels == {}:
            raise ValueError("podLabels must name at least one label: empty, it selects every pod")
        return self

    def excepted(self) -> list[str]:
        """The metadata networks inside this entry's CIDR, which the NetworkPolicy excepts."""
        network = ipaddress.ip_network(self.cidr)
        return [str(metadata) for metadata in METADATA_NETWORKS
                if metadata.version == network.version and metadata.subnet_of(network)]


class EgressRule(Destination):
    """A destination: a CIDR, or pods (a namespace, pod labels, or both), on the listed ports."""

    ports: Annotated[list[EgressPort], Field(min_length=1)]
    """The ports allowed, at least one."""


KUBE_DNS = Destination(namespace="kube-system", pod_labels={"k8s-app": "kube-dns"})
"""Cluster DNS as most clusters serve it: the CoreDNS (or kube-dns) pods of kube-system."""
NODE_LOCAL_DNS = "169.254.20.10/32"
"""NodeLocal DNSCache's link-local address (GKE and EKS offer it): with it, pods resolve there, on their node."""


HTTPS_ANYWHERE = EgressRule(cidr="0.0.0.0/0", ports=[EgressPort(port=443)])
