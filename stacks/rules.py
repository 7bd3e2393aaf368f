"""Kubernetes and Prometheus naming rules shared by the settings models."""
import re

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
"""A Prometheus label name."""
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def dns1123_label(value: str, max_length: int = 63) -> str:
    if len(value) > max_length or not DNS1123_LABEL.match(value):
        raise ValueError(
            f"must be a DNS-1123 label: at most {max_length} characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def kubernetes_label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix))) or len(name) > 63 or not _LABEL_NAME_PART.match(name):
        raise ValueError(f"label key {key!r} must be [prefix/]name with a name of at most 63 characters of A-Z a-z 0-9 - _ .")
    return key


def kubernetes_label_value(value: str) -> str:
    if value and (len(value) > 63 or not _LABEL_NAME_PART.match(value)):
        raise ValueError(f"label value {value!r} must be at most 63 characters of A-Z a-z 0-9 - _ . starting and ending alphanumeric")
    return value
