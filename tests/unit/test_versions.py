"""tools/versions.env, the one file of pinned tool versions, agrees with the Python SDK pins of pyproject.toml and
with every version the documentation (README.md and docs/) names."""
import re

from tests.helpers import ROOT, package_pins, pinned_versions

DOCUMENTATION = {path.relative_to(ROOT).as_posix(): path.read_text()
                 for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
_VERSION = re.compile(r"(?<![\w.:/-])v?\d+\.\d+\.\d+(?:-[0-9a-f]+)*(?![\w.])")
README_MENTIONS = (
    "pins `pulumi=={PULUMI_VERSION}` and `pulumi-kubernetes=={PULUMI_KUBERNETES_VERSION}`",
)
"""Where the README names a version of the engine, spelt with the versions.env keys it must equal."""


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
    known = (set(pinned_versions().values()) | set(package_pins().values())
             | set(_pins("requirements-dev.txt", "requirements-scan.txt").values()))
    known |= {version.removeprefix("v") for version in known}
    return [version for version in _VERSION.findall(text) if version.removeprefix("v") not in known]


def test_versions_file_is_key_value_lines():
    versions = pinned_versions()
    assert {"PULUMI_VERSION", "PULUMI_KUBERNETES_VERSION", "PULUMI_LANGHOST_SDK_VERSION"} <= versions.keys()
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", key) and value and " " not in value for key, value in versions.items())


def test_python_sdks_match_the_engine():
    versions, pins = pinned_versions(), package_pins()
    assert pins["pulumi"] == versions["PULUMI_VERSION"]
    assert pins["pulumi-kubernetes"] == versions["PULUMI_KUBERNETES_VERSION"]


def test_readme_names_the_pinned_versions():
    versions = pinned_versions()
    for mention in README_MENTIONS:
        assert mention.format(**versions) in DOCUMENTATION["README.md"], mention


def test_every_version_the_documentation_names_is_pinned():
    """Every version a page names is one of versions.env or a requirements pin (the Alertmanager image's tag,
    `prom/alertmanager:v0.28.1`, is the one versions.env pins as ALERTMANAGER_VERSION)."""
    unpinned = {page: _unpinned(text) for page, text in DOCUMENTATION.items()}
    assert {page: versions for page, versions in unpinned.items() if versions} == {}


def test_an_unpinned_version_is_found():
    """Negative control: a version that nothing pins, and one that differs from its pin."""
    assert _unpinned("built from `pulumi/pkg/v3@v3.258.0`, checkov 9.9.9, on 127.0.0.1") == ["v3.258.0", "9.9.9"]
