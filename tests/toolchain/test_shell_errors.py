"""The scripts of tools/ stop at the first failed step with its cause. `set -e` does not see a command
substitution that fails inside another command's arguments (`tar -xpf "$(debian_base)"` went on with an empty
name), nor, without `inherit_errexit`, a failure inside a substitution's own body: ShellCheck's optional check
SC2312 finds the first kind, and every script sets the option for the second."""
import json
import re
import subprocess

import pytest

from tests.helpers import ROOT
from tests.toolchain.commands import tracked

pytestmark = pytest.mark.toolchain

SCRIPTS = sorted(name for name in tracked() if name.startswith("tools/") and (ROOT / name).is_file()
                 and (ROOT / name).read_text().startswith("#!/usr/bin/env bash"))
CANNOT_FAIL = re.compile(r"(date|id -u|nproc)\b|node_(index|addr|netns|veth|dir|socket) ")
"""Substitutions whose failure cannot be masked because they cannot fail: the clock, the user's id, the core count,
and tools/swarm/lib.sh's name functions (each only echoes a name made from its argument)."""


def masked(paths: list[str]) -> list[str]:
    """Every command substitution whose exit status another command masks, as `file:line: substitution`."""
    result = subprocess.run(["shellcheck", "--external-sources", "--format=json1", "--include=SC2312",
                             "--enable=check-extra-masked-returns", *paths], cwd=ROOT, capture_output=True, text=True)
    found = []
    for comment in json.loads(result.stdout)["comments"]:
        line = (ROOT / comment["file"]).read_text().splitlines()[comment["line"] - 1]
        end = comment["endColumn"] - 1 if comment["endLine"] == comment["line"] else len(line)
        substitution = line[comment["column"] - 1:end]
        if not CANNOT_FAIL.match(substitution):
            found.append(f"{comment['file']}:{comment['line']}: $({substitution})")
    return found


def test_no_failed_substitution_is_masked():
    assert SCRIPTS and masked(SCRIPTS) == []


def test_every_script_stops_inside_substitutions_too():
    assert [name for name in SCRIPTS if "shopt -s inherit_errexit" not in (ROOT / name).read_text()] == []


def test_the_pattern_that_hid_a_failed_image_step_is_found(tmp_path):
    """Negative control: the image build's old line, a failed substitution inside tar's arguments."""
    script = tmp_path / "old.sh"
    script.write_text('#!/usr/bin/env bash\nset -euo pipefail\ndebian_base() { exit 1; }\n'
                      'tar --numeric-owner -xpf "$(debian_base)" -C /tmp\n')
    assert masked([str(script)]) == [f"{script}:4: $(debian_base)"]
