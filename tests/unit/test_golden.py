"""The offline render of every stack equals its committed golden copy under tests/golden/<stack>/, byte for byte.

A change to what a stack produces shows in a pull request as a diff of these files; `make golden` refreshes them.
"""
import pytest

from django_observability import render
from tests.helpers import ROOT
from tests.helpers import STACKS

GOLDEN = ROOT / "tests/golden"


def _files(directory) -> dict[str, bytes]:
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("stack", STACKS)
def test_render_equals_the_golden_files(stack, tmp_path):
    render.render(stack, tmp_path)
    rendered, golden = _files(tmp_path / stack), _files(GOLDEN / stack)
    assert rendered.keys() == golden.keys(), "files differ; if intended, run: make golden"
    changed = [name for name in golden if rendered[name] != golden[name]]
    assert changed == [], f"{changed} differ from tests/golden/{stack}; if intended, run: make golden"


def test_golden_check_can_fail(tmp_path):
    """Negative control: one changed byte in a rendered file is a difference."""
    render.render("dev", tmp_path)
    path = tmp_path / "dev/deployment-app-app-django.yaml"
    path.write_bytes(path.read_bytes().replace(b"replicas: 1\n", b"replicas: 2\n"))
    assert _files(tmp_path / "dev") != _files(GOLDEN / "dev")
