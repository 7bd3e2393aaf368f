"""The Docker provider's pins agree: tools/versions.env, its go.mod, and the pulumi_docker SDK in pyproject.toml."""
from tests.helpers import ROOT, package_pins, pinned_versions


def test_docker_provider_pins_agree():
    versions = pinned_versions()
    go_mod = (ROOT / "tools/docker-provider/go.mod").read_text()
    assert f"github.com/pulumi/pulumi-terraform-bridge/v3 {versions['PULUMI_TERRAFORM_BRIDGE_VERSION']}\n" in go_mod
    assert (f"=> github.com/kreuzwerker/terraform-provider-docker {versions['TERRAFORM_PROVIDER_DOCKER_PSEUDO']}\n"
            in go_mod)
    assert package_pins()["pulumi-docker"] == versions["PULUMI_DOCKER_VERSION"]
