"""The offline render of every stack equals its committed golden copy under tests/golden/<stack>/, byte for byte.

A change to what a stack produces shows in a pull request as a diff of these files; `make golden` refreshes them.
"""
import difflib

import pytest

from django_observability import render
from django_observability.builders import django_app
from tests.helpers import ROOT
from tests.helpers import STACKS

GOLDEN = ROOT / "tests/golden"


def _files(directory) -> dict[str, str]:
    return {path.relative_to(directory).as_posix(): path.read_text()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def golden_differences(stack: str, out) -> list[str]:
    """The stack rendered into `out`, against its golden files: one unified diff per file that differs, is missing
    or is new (empty when the render is the golden one)."""
    render.render(stack, out)
    rendered, golden = _files(out / stack), _files(GOLDEN / stack)
    return ["".join(difflib.unified_diff(golden.get(name, "").splitlines(keepends=True),
                                         rendered.get(name, "").splitlines(keepends=True),
                                         f"tests/golden/{stack}/{name}", f"rendered/{stack}/{name}"))
            for name in sorted(rendered.keys() | golden.keys()) if rendered.get(name) != golden.get(name)]


@pytest.mark.parametrize("stack", STACKS)
def test_render_equals_the_golden_files(stack, tmp_path):
    differences = golden_differences(stack, tmp_path)
    assert differences == [], "if intended, run: make golden\n" + "\n".join(differences)


def test_a_one_field_change_in_a_builder_is_a_golden_difference(tmp_path, monkeypatch):
    """A broken build, a Deployment builder whose grace period is one second short, fails the check above with the
    one changed line of the one file it changed."""
    built = django_app.build_deployment

    def one_second_short(params):
        deployment = built(params)
        deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] -= 1
        return deployment

    monkeypatch.setattr(django_app, "build_deployment", one_second_short)
    [difference] = golden_differences("dev", tmp_path)
    changed = [line for line in difference.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert difference.startswith("--- tests/golden/dev/deployment-app-app-django.yaml\n"), difference
    assert changed == ["-      terminationGracePeriodSeconds: 40", "+      terminationGracePeriodSeconds: 39"], changed
