"""checkov on every stack's rendered Kubernetes objects: prod has no failed check, every skip carries its reason
on the object, and docs/hardening.md records the counts."""
import json
import subprocess

import pytest

from tests.helpers import ROOT
from tests.helpers import STACKS

pytestmark = pytest.mark.slow
CHECKOV = ROOT / ".venv-scan/bin/checkov"


def scan(directory) -> dict:
    if not CHECKOV.exists():
        pytest.fail("checkov is not installed: run `make setup` (it creates .venv-scan)")
    # --skip-download: no request leaves the machine (no guidelines, no platform mapping).
    result = subprocess.run([str(CHECKOV), "-d", str(directory), "--framework", "kubernetes", "--quiet",
                             "--skip-download", "-o", "json"], capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    return report


@pytest.fixture(scope="module")
def reports(rendered):
    return {stack: scan(rendered[stack]) for stack in STACKS}


def test_prod_has_no_failed_check(reports):
    summary = reports["prod"]["summary"]
    assert summary["failed"] == 0 and summary["passed"] > 80, summary


@pytest.mark.parametrize("stack", STACKS)
def test_every_skip_has_its_reason_on_the_object(reports, stack):
    for check in reports[stack]["results"].get("skipped_checks", []):
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) >= 10, check["check_id"]
    failed = reports[stack]["results"].get("failed_checks", [])
    assert failed == [], [(c["check_id"], c["resource"]) for c in failed]


def test_scanner_can_fail(rendered, tmp_path):
    """Negative control: a privileged container fails checkov."""
    text = next(rendered["prod"].glob("deployment-*.yaml")).read_text()
    (tmp_path / "deployment.yaml").write_text(text.replace("allowPrivilegeEscalation: false",
                                                           "allowPrivilegeEscalation: true"))
    assert scan(tmp_path)["summary"]["failed"] >= 1


def test_the_docs_record_the_counts(reports):
    page = (ROOT / "docs/hardening.md").read_text()
    for stack in STACKS:
        summary = reports[stack]["summary"]
        row = f"| {stack} | {summary['passed']} | {summary['failed']} | {summary['skipped']} |"
        assert row in page, f"docs/hardening.md's scanner table should read: {row}"
