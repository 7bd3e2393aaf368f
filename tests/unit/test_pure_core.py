"""The layers import only downward (settings ← builders ← the Pulumi layer and the local runtime); the pure core
(django_observability/settings/, django_observability/builders/), the offline render, the local runtime and the policy pack's checks load no Pulumi SDK; and
the program loads pulumi_docker only for a Swarm stack. Loading is checked in a fresh interpreter, where
sys.modules shows everything that was imported."""
import ast
import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

PURE = """
import importlib, json, pkgutil, sys, tempfile, pathlib
sys.path.insert(0, str(pathlib.Path("policy").resolve()))
import localrun
import django_observability.builders as builders, django_observability.settings as settings
for package in (settings, builders, localrun):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
import rules
from django_observability import render
with tempfile.TemporaryDirectory() as out:
    for stack in ("dev", "acceptance", "prod"):
        render.render(stack, pathlib.Path(out))
print(json.dumps(sorted(name for name in sys.modules if name.startswith("pulumi"))))
"""

PROGRAM = """
import json, sys
from tests.helpers import engine_config, run_program

def loaded():
    return sorted(name for name in sys.modules if name.startswith("pulumi"))

config, secret_keys = engine_config("prod")
run_program("prod", config, secret_keys)
kubernetes = loaded()
am = json.loads(config["django-observability:alertmanager"])
am |= {"backend": "swarm", "swarm": {"nodes": ["node-a", "node-b", "node-c"],
                                     "advertiseAddresses": ["198.51.100.1", "198.51.100.2", "198.51.100.3"]}}
config["django-observability:alertmanager"] = json.dumps(am)
run_program("prod", config, secret_keys)
print(json.dumps([kubernetes, loaded()]))
"""
"""prod under mocks, with its Kubernetes Alertmanager and then in one process with a Swarm one: the modules loaded
after each (one interpreter, so that starting it and importing the SDKs is paid once)."""


SETTINGS, BUILDERS, COMPONENTS, RENDER = (f"django_observability.{name}"
                                          for name in ("settings", "builders", "components", "render"))
PROJECT_MODULES = {SETTINGS, BUILDERS, COMPONENTS, RENDER, "localrun", "localcluster", "bench", "tests", "policy",
                   "rules"}
MAY_IMPORT = {
    SETTINGS: {SETTINGS},
    BUILDERS: {SETTINGS, BUILDERS},
    COMPONENTS: {SETTINGS, BUILDERS, COMPONENTS},
    RENDER: {SETTINGS, BUILDERS},
    "localcluster": {SETTINGS, "localcluster"},
    "localrun": {SETTINGS, BUILDERS, "localrun", "localcluster"},
}


def _project_module(name: str) -> str:
    """The project module a dotted import name belongs to: a layer of the package, or a top-level folder."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "django_observability" else parts[0]


def _imports(path) -> set[str]:
    """The project module of every import in a file, lazy ones inside functions included."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {_project_module(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "django_observability":
                names |= {_project_module(f"django_observability.{alias.name}") for alias in node.names}
            else:
                names.add(_project_module(node.module))
    return names


def _layer_files(layer: str) -> list:
    path = ROOT / layer.replace(".", "/")
    return [path.with_suffix(".py")] if path.with_suffix(".py").exists() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_layers_import_only_downward(layer):
    upward = {str(path.relative_to(ROOT)): sorted((_imports(path) & PROJECT_MODULES) - MAY_IMPORT[layer])
              for path in _layer_files(layer)}
    assert {path: names for path, names in upward.items() if names} == {}


def test_upward_import_is_found(tmp_path):
    """Negative control: a settings module importing a builder, directly and through the package."""
    module = tmp_path / "settings.py"
    module.write_text("def f():\n    from django_observability.builders.params import stack_params\n"
                      "    from django_observability import components\n")
    assert (_imports(module) & PROJECT_MODULES) - MAY_IMPORT[SETTINGS] == {BUILDERS, COMPONENTS}


def _loaded(code: str, *args: str) -> list:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pure_core_and_render_load_no_pulumi_module():
    assert _loaded(PURE) == []


def test_pulumi_docker_only_for_a_swarm_stack():
    kubernetes, swarm = _loaded(PROGRAM)
    assert "pulumi" in kubernetes and "pulumi_kubernetes" in kubernetes  # the check sees what was loaded
    assert not any(name.startswith("pulumi_docker") for name in kubernetes), kubernetes
    assert "pulumi_docker" in swarm
