"""The package as a platform team installs it: a wheel built from the repository, installed with pip into a fresh
virtual environment, imported from there (the repository on no path), registering under Pulumi mocks exactly the
objects the committed golden renders hold, and rendering them too."""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, SECRET_SENTINEL, STACKS

pytestmark = pytest.mark.package

PROGRAM = r'''
import json, pathlib, sys
import pulumi
import django_observability
assert "{root}" not in django_observability.__file__, django_observability.__file__
assert not any(p and pathlib.Path(p).resolve() == pathlib.Path("{root}") for p in sys.path)

def revealed(value):
    if isinstance(value, dict):
        if "{sentinel}" in value:
            return revealed(value["value"])
        return {{key: revealed(item) for key, item in value.items()}}
    return [revealed(item) for item in value] if isinstance(value, list) else value

class Mocks(pulumi.runtime.Mocks):
    objects = []
    def new_resource(self, args):
        if args.typ.startswith("kubernetes:") and not args.typ.startswith("pulumi:"):
            self.objects.append(revealed(args.inputs))
        return [f"{{args.name}}-id", args.inputs]
    def call(self, args):
        return {{}}

from django_observability.settings.loader import load_offline
from django_observability.settings.shared import PlatformSettings, SharedSettings
stack = sys.argv[1]
loaded = load_offline(stack)
settings = loaded.settings
pulumi.runtime.set_mocks(Mocks(), project="django-observability", stack=stack, preview=False)

@pulumi.runtime.test
def program():
    from django_observability import AlertmanagerCluster, DjangoApp
    shared = lambda model: settings.model_dump(include=set(model.model_fields), exclude_unset=True)
    AlertmanagerCluster(settings.alertmanager.name, {{**shared(PlatformSettings),
        **settings.alertmanager.model_dump(exclude_unset=True), "credentials": loaded.secrets}})
    for app in settings.apps:
        DjangoApp(app.app_name, {{**shared(SharedSettings), **app.model_dump(exclude_unset=True)}})

program()
print(json.dumps(Mocks.objects))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh virtual environment with the wheel built from the repository installed."""
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = (work / "dist").glob("django_observability-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv/bin/python"
    result = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return python


def _project(tmp_path: Path) -> Path:
    """A folder holding only the stack files, as a user's project does: no code of the repository."""
    for stack in STACKS:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return tmp_path


def _golden(stack: str) -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in sorted((ROOT / "tests/golden" / stack).glob("*.yaml"))]


@pytest.mark.parametrize("stack", STACKS)
def test_the_installed_components_register_the_golden_objects(installed, tmp_path, stack):
    project = _project(tmp_path)
    run = subprocess.run([installed, "-c", PROGRAM.format(root=ROOT, sentinel=SECRET_SENTINEL), stack], cwd=project, capture_output=True,
                         text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr[-3000:]
    registered = json.loads(run.stdout.splitlines()[-1])
    for obj in registered:  # as the golden files hold them: without the provider's patchForce and the stack's mark
        annotations = obj["metadata"].get("annotations", {})
        assert annotations.pop("pulumi.com/patchForce") == "true"
        assert annotations.pop("django-observability.io/stack") == f"organization/django-observability/{stack}"
        if not annotations:
            obj["metadata"].pop("annotations")
    key = lambda obj: (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
    golden = {key(obj): obj for obj in _golden(stack)}
    # The config Secret is registered with the credentials (placeholders here, as in the render).
    assert {key(obj): _numbers(obj) for obj in registered} == {k: _numbers(v) for k, v in golden.items()}


def _numbers(value):
    """Whole floats as ints: the mocks hand numbers over as protobuf doubles."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def test_the_installed_render_writes_the_golden_files(installed, tmp_path):
    (tmp_path / "project").mkdir()
    project = _project(tmp_path / "project")
    for stack in STACKS:
        run = subprocess.run([installed, "-m", "django_observability.render", "--stack", stack, "--out",
                              str(tmp_path / "out")], cwd=project, capture_output=True, text=True, timeout=300,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert run.returncode == 0, run.stderr[-3000:]
        written = {p.relative_to(tmp_path / "out" / stack): p.read_text()
                   for p in (tmp_path / "out" / stack).rglob("*") if p.is_file()}
        golden = {p.relative_to(ROOT / "tests/golden" / stack): p.read_text()
                  for p in (ROOT / "tests/golden" / stack).rglob("*") if p.is_file()}
        assert written == golden, stack
