"""The `engine` fixture: tools/stack.sh (what `make up` / `make preview` run) on a temporary local backend."""
import os
import subprocess
from pathlib import Path

import pytest

from localcluster import build
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """Builds the engine and its plugins on first use (cached outside the repository), then runs tools/stack.sh.
    `engine.environment(...)` is the environment of such a run, for a test that starts the CLI itself."""
    build.ensure(build.ENGINE)
    home = tmp_path_factory.mktemp("engine")

    def environment(stack: str, render_dir: Path | None = None, env: dict | None = None) -> dict:
        return {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home / 'state'}",
                "DJANGO_OBSERVABILITY_RENDER_DIR": str(render_dir or home / "rendered" / stack), **(env or {})}

    def run(stack: str, *args: str, render_dir: Path | None = None, check: bool = True,
            env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run([str(ROOT / "tools/stack.sh"), stack, *args], capture_output=True, text=True,
                                env=environment(stack, render_dir, env), timeout=600, cwd=ROOT)
        if check:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        return result

    run.home = home
    run.environment = environment
    return run
