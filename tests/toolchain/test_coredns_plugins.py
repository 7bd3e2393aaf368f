"""The local cluster's CoreDNS is built with only the plugins its Corefile uses (tools/go-tool.sh's
COREDNS_PLUGINS, through upstream's plugin.cfg and generator): the list equals the Corefile's directives, and the
built binary has those and the few they import (a default build has 70)."""
import re
import subprocess

import pytest

import yaml

from tests.helpers import ROOT

pytestmark = pytest.mark.toolchain


def corefile_directives() -> set[str]:
    """The directives of every server block of the Corefile that localcluster/manifests/coredns.yaml deploys."""
    [config] = [doc for doc in yaml.safe_load_all((ROOT / "localcluster/manifests/coredns.yaml").read_text())
                if doc and doc.get("kind") == "ConfigMap"]
    directives, depth = set(), 0
    for line in config["data"]["Corefile"].splitlines():
        words = line.split()
        if words and depth == 1 and words[0] != "}":
            directives.add(words[0])
        depth += line.count("{") - line.count("}")
    return directives


def built_with() -> set[str]:
    return set(re.search(r'^COREDNS_PLUGINS="([^"]*)"', (ROOT / "tools/go-tool.sh").read_text(), re.M).group(1).split())


def test_coredns_is_built_with_the_corefiles_plugins():
    assert corefile_directives() == built_with() == {"errors", "health", "ready", "kubernetes", "cache", "loadbalance"}


IMPORTED = {"metadata", "prometheus", "transfer"}
"""Plugins that the kept ones import themselves (kubernetes imports metadata and transfer; cache and others the
metrics plugin, `prometheus`), so they are compiled in too, but nothing configures them."""


def test_the_built_coredns_has_only_those_plugins():
    binary = subprocess.run([str(ROOT / "tools/go-tool.sh"), "--built", "coredns"], capture_output=True, text=True)
    assert binary.returncode == 0, binary.stderr  # make test builds it first (make tools)
    listed = set(subprocess.run([binary.stdout.strip(), "-plugins"], capture_output=True, text=True,
                                check=True).stdout.split())
    assert corefile_directives() <= listed and listed - corefile_directives() == IMPORTED
