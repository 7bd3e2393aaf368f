"""tools/versions.env, the one file of pinned tool versions, agrees with the Python SDK pins of pyproject.toml and
with every version the README names."""
import re

from tests.helpers import ROOT, package_pins

README = (ROOT / "README.md").read_text()
_VERSION = re.compile(r"(?<![\w.:/-])v?\d+\.\d+\.\d+(?:-[0-9a-f]+)*(?![\w.])")
README_MENTIONS = (
    "pins `pulumi=={PULUMI_VERSION}` and `pulumi-kubernetes=={PULUMI_KUBERNETES_VERSION}`",
    "| `pulumi` {PULUMI_VERSION} | `pulumi/pkg/v3@v{PULUMI_VERSION}` with `sdk/v3@v{PULUMI_VERSION}` beside it",
    "| `pulumi-language-python` | `sdk/v3@v{PULUMI_LANGHOST_SDK_VERSION}`",
    "| `pulumi-resource-kubernetes` {PULUMI_KUBERNETES_VERSION} | `provider/v4@{PULUMI_KUBERNETES_PROVIDER_PSEUDO}` "
    "(the v{PULUMI_KUBERNETES_VERSION} release commit)",
)
"""Where the README names a version of the engine, spelt with the versions.env keys it must equal."""


def _versions() -> dict[str, str]:
    lines = (ROOT / "tools/versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _pins(*files: str) -> dict[str, str]:
    pins = {}
    for name in files:
        for line in (ROOT / name).read_text().splitlines():
            package, separator, version = line.partition("==")
            if separator and not package.startswith("#"):
                pins[package.strip().lower()] = version.strip()
    return pins


def _unpinned(text: str) -> list[str]:
    """Versions in `text` that are neither in versions.env nor pinned by a requirements file."""
    known = (set(_versions().values()) | set(package_pins().values())
             | set(_pins("requirements-dev.txt", "requirements-scan.txt").values()))
    known |= {version.removeprefix("v") for version in known}
    return [version for version in _VERSION.findall(text) if version.removeprefix("v") not in known]


def test_versions_file_is_key_value_lines():
    versions = _versions()
    assert {"PULUMI_VERSION", "PULUMI_KUBERNETES_VERSION", "PULUMI_LANGHOST_SDK_VERSION"} <= versions.keys()
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", key) and value and " " not in value for key, value in versions.items())


def test_python_sdks_match_the_engine():
    versions, pins = _versions(), package_pins()
    assert pins["pulumi"] == versions["PULUMI_VERSION"]
    assert pins["pulumi-kubernetes"] == versions["PULUMI_KUBERNETES_VERSION"]


def test_readme_names_the_pinned_versions():
    versions = _versions()
    for mention in README_MENTIONS:
        assert mention.format(**versions) in README, mention


def test_every_version_the_readme_names_is_pinned():
    """Image tags (`prom/alertmanager:v0.28.1`) are settings with their own defaults, not tool pins; every other
    version the README names is one of versions.env or a requirements pin."""
    assert _unpinned(README) == []


def test_an_unpinned_version_is_found():
    """Negative control: a version that nothing pins, and one that differs from its pin."""
    assert _unpinned("built from `pulumi/pkg/v3@v3.258.0`, checkov 9.9.9, on 127.0.0.1") == ["v3.258.0", "9.9.9"]
