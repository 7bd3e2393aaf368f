"""The program through the real Pulumi engine (CLI, Python language host, Kubernetes provider), in render mode,
on a temporary local backend: what users run with `make up` / `make preview`."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from django_observability.settings.loader import read_stack_file
from django_observability.settings.stack_file import encrypted
from tests.helpers import ROOT
from tests.engine.renders import engine_objects, offline_objects
from tests.helpers import STACKS

pytestmark = pytest.mark.engine


def _state_files(home: Path) -> dict[str, str]:
    return {str(path.relative_to(home)): path.read_text() for path in (home / "state").rglob("*.json")
            if ".history" not in path.parts and "backups" not in path.parts}


def _policy(stack: str) -> tuple[str, ...]:
    return ("--policy-pack", str(ROOT / "policy/run-policy-pack"),
            "--policy-pack-config", str(ROOT / f"policy/config/{stack}.json"))


@pytest.mark.parametrize("stack", STACKS)
def test_preview_each_stack_with_the_policy_pack(engine, stack):
    result = engine(stack, "preview", "--diff", *_policy(stack))
    assert "kubernetes:apps/v1:Deployment" in result.stdout and "to create" in result.stdout, result.stdout[-2000:]
    assert "plaintext" not in result.stdout + result.stderr  # no credential, not even a placeholder, is rendered
    assert "Policy Packs run:" in result.stdout and "django-observability|local|" in result.stdout
    assert "mandatory" not in result.stdout


def test_policy_pack_stops_a_prod_preview(engine, tmp_path):
    """One Alertmanager peer is a valid setting (odd), but prod's policy wants three."""
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack_file["config"]["django-observability:alertmanager"]["replicas"] = 1
    bad = tmp_path / "Pulumi.prod.yaml"
    bad.write_text(yaml.safe_dump(stack_file))
    result = engine("prod", "preview", "--config-file", str(bad), *_policy("prod"), check=False)
    assert result.returncode != 0
    assert "[mandatory]  prod-alertmanager-replicas" in result.stdout, result.stdout[-3000:]
    assert "Alertmanager django-observability-prod runs 1 replica(s); prod needs at least 3" in result.stdout


def test_up_twice_second_changes_nothing(engine):
    first = engine("dev", "up", "--yes", "--skip-preview")
    created = re.search(r"\+ (\d+) created", first.stdout)
    assert created and int(created[1]) >= 10, first.stdout[-2000:]
    assert "plaintext" not in first.stdout + first.stderr
    second = engine("dev", "up", "--yes", "--skip-preview", "--expect-no-changes")
    assert f"{created[1]} unchanged" in second.stdout, second.stdout[-2000:]


@pytest.mark.parametrize("leak", [False, True])
def test_a_secret_in_a_rendered_file_still_warns(engine, tmp_path, leak):
    """Render mode leaves credentials out (the previews above print no plaintext warning), so the provider's warning
    keeps its meaning: a secret value registered the program's way into a rendered object is still reported."""
    program, rendered = tmp_path / "program", tmp_path / "rendered"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "leak", "runtime": {
        "name": "python", "options": {"virtualenv": str(ROOT / ".venv")}}}))
    shutil.copy(ROOT / "tests/engine/leak_program.py", program / "__main__.py")
    stack = f"leak-{leak:d}"
    env = engine.environment(stack, rendered, {"LEAK": "1" if leak else "", "PYTHONPATH": str(ROOT)})
    pulumi = str(ROOT / "tools/pulumi.sh")
    subprocess.run([pulumi, "--cwd", str(program), "stack", "select", "--create", stack, "--non-interactive"],
                   check=True, capture_output=True, env=env, timeout=300)
    result = subprocess.run([pulumi, "--cwd", str(program), "up", "--yes", "--skip-preview", "--stack", stack,
                             "--non-interactive"], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ("contains a secret value in plaintext" in result.stdout) == leak, result.stdout[-3000:]
    assert "a-real-credential" in (rendered / "1-manifest/v1-configmap-default-leak.yaml").read_text()


def test_engine_render_equals_offline_render(engine, tmp_path):
    """The two differences allowed (the config Secret's data, which render mode leaves out, and the patchForce
    annotation) are undone by offline_objects and engine_objects."""
    engine_dir = tmp_path / "engine"
    engine("acceptance", "up", "--yes", "--skip-preview", render_dir=engine_dir)
    from_engine = engine_objects(engine_dir)
    offline = offline_objects("acceptance", tmp_path / "offline")
    assert from_engine.keys() == offline.keys()
    for key, obj in from_engine.items():
        assert obj == offline[key], key


def test_render_mode_ignores_an_ambient_cluster(engine, tmp_path):
    """A KUBECONFIG and in-cluster variables in the environment reach neither the provider nor a cluster (with this
    provider version, an ambient KUBECONFIG would even make render mode refuse to start)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "ambient",
        "clusters": [{"name": "ambient", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "ambient", "context": {"cluster": "ambient", "user": "ambient"}}],
        "users": [{"name": "ambient", "user": {"token": "not-a-token"}}]}))
    result = engine("dev", "preview", env={"KUBECONFIG": str(kubeconfig), "KUBERNETES_SERVICE_HOST": "127.0.0.1",
                                          "KUBERNETES_SERVICE_PORT": "1"})
    assert "Resources:" in result.stdout  # the preview ran to the end (engine() checked its exit code)
    assert "127.0.0.1:1" not in result.stdout + result.stderr and "not compatible" not in result.stdout


def test_bad_setting_fails_preview_and_changes_nothing(engine, tmp_path):
    engine("dev", "up", "--yes", "--skip-preview")
    before = _state_files(engine.home)
    stack_file = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack_file["config"]["django-observability:webConcurrency"] = 0
    stack_file["config"]["django-observability:scrapeInterval"] = "often"
    bad = tmp_path / "Pulumi.dev.yaml"
    bad.write_text(yaml.safe_dump(stack_file))
    result = engine("dev", "preview", "--config-file", str(bad), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "django-observability:webConcurrency: 0 — Input should be greater than or equal to 1" in output, output
    assert 'django-observability:scrapeInterval: "often" — must be a Prometheus duration' in output, output
    assert "Traceback" not in output
    assert _state_files(engine.home) == before


def test_secrets_stay_encrypted(engine):
    engine("prod", "up", "--yes", "--skip-preview")
    plaintexts = []
    for stack in STACKS:
        shown = engine(stack, "config", "--show-secrets", "--json")
        plaintexts += [item["value"] for item in json.loads(shown.stdout).values() if item.get("secret")]
    assert len(plaintexts) == 3
    stack_files = "".join((ROOT / f"Pulumi.{stack}.yaml").read_text() for stack in STACKS)
    state = "".join(_state_files(engine.home).values())
    exported = engine("prod", "stack", "export").stdout + engine("prod", "stack", "output", "--json", "--show-secrets").stdout
    rendered = "".join(path.read_text() for path in (engine.home / "rendered").rglob("*.yaml"))
    for value in plaintexts:
        assert value not in stack_files and value not in state and value not in exported and value not in rendered
    # Each credential is in its stack file as ciphertext only, as `pulumi config set --secret` wrote it.
    in_files = [(stack, key, value) for stack in STACKS for key, value in read_stack_file(stack).items()
                if key.rpartition(":")[2] in ("slackWebhookUrl", "pagerdutyRoutingKey")]
    assert len(in_files) == len(plaintexts) and all(encrypted(value) for _, _, value in in_files), in_files


FORMER_COMPONENTS = {"django-observability:service_monitor:ServiceMonitor", "django-observability:slo:SloRules",
                     "django-observability:dashboard:Dashboard"}


def _state_before_components(path: Path, offline: dict) -> None:
    """prod's state as the program before the components wrote it in render mode: tests/engine/data holds each
    resource's URN, parent, provider and field manager as that program registered them; each Kubernetes object is
    filled in from `offline` (an offline render, as that program registered it: with patchForce)."""
    from django_observability.components.resources import PATCH_FORCE, resource_name, type_token

    state = json.loads((ROOT / "tests/engine/data/prod-before-components.json").read_text())
    objects = {(type_token(obj), resource_name(obj)): obj for obj in offline.values()}
    for resource in state["deployment"]["resources"]:
        if resource["type"].startswith("kubernetes:"):
            obj = objects[(resource["type"], resource["urn"].rsplit("::", 1)[1])]
            metadata = {**obj["metadata"], "annotations": {**obj["metadata"].get("annotations", {}), PATCH_FORCE: "true"}}
            obj = {**obj, "metadata": metadata}
            resource["inputs"] = obj
            resource["outputs"] |= {"__initialApiVersion": obj["apiVersion"], "__inputs": obj, **obj}
    path.write_text(json.dumps(state))


def test_a_stack_deployed_before_the_components_updates_in_place(engine, tmp_path):
    """The components' aliases find every Kubernetes object of a stack the former program deployed, so a preview
    deletes or replaces none of them (each gets the stack's mark) and creates only what that program did not have
    (the Alertmanager's own Service); only the three components that held one object each go. The stack keeps its
    Alertmanager's former name, `main`, as an upgrading stack sets it."""
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack_file["config"]["django-observability:alertmanager"]["name"] = "main"
    kept = tmp_path / "Pulumi.prod.yaml"
    kept.write_text(yaml.safe_dump(stack_file))
    (tmp_path / "project").mkdir()
    shutil.copy(kept, tmp_path / "project" / "Pulumi.prod.yaml")
    from django_observability import render

    render.render("prod", tmp_path / "offline", tmp_path / "project")
    offline = {path.name: yaml.safe_load(path.read_text()) for path in (tmp_path / "offline/prod").glob("*.yaml")}
    for obj in offline.values():
        obj.pop("stringData", None)  # render mode registers the config Secret without its data
    _state_before_components(tmp_path / "before.json", offline)
    engine("prod", "stack", "import", "--file", str(tmp_path / "before.json"))
    preview = engine("prod", "preview", "--json", "--config-file", str(kept), render_dir=Path("rendered-by-engine/prod"))
    steps = json.loads(preview.stdout)["steps"]
    moved = {(step["op"], step["urn"].split("::")[-2]) for step in steps if step["op"] != "same"}
    new = {("create", "django-observability:index:AlertmanagerCluster$kubernetes:core/v1:Service")}
    assert {(op, kind) for op, kind in moved if op != "update"} == new | {("delete", kind) for kind in FORMER_COMPONENTS}, moved
