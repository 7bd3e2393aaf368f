from pathlib import Path

import pytest

from django_observability import render
from tests.helpers import STACKS


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Every stack rendered once into a temporary directory, as `make render` writes it."""
    out = tmp_path_factory.mktemp("rendered")
    for stack in STACKS:
        render.render(stack, out)
    return {stack: out / stack for stack in STACKS}

