"""Shared test helpers: stack config as the engine passes it, and a Pulumi mock that records every resource."""
import json
import runpy
from pathlib import Path

import pulumi

from django_observability.settings.loader import PROJECT, read_stack_file
from django_observability.settings.stack_file import encrypted

STACKS = ("dev", "acceptance", "prod")
TEST_SECRETS = {
    "slackWebhookUrl": "https://hooks.example.test/T000/B000/test-slack-credential",
    "pagerdutyRoutingKey": "test-pagerduty-routing-key-0123456789",
}
ROOT = Path(__file__).resolve().parent.parent
"""The repository: its stack files, tools and program."""
SECRET_SENTINEL = "4dabf18193072939515e22adb298388d"


def pinned_versions() -> dict[str, str]:
    """tools/versions.env, the one file of pinned tool versions: KEY=value lines, comments left out."""
    lines = (ROOT / "tools/versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#"))


def package_pins() -> dict[str, str]:
    """package → version of every dependency pyproject.toml pins (the package's own and its extras')."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {name.strip().lower(): version for name, _, version in (r.partition("==") for r in requirements)}


def engine_config(stack: str, root: Path = ROOT) -> tuple[dict[str, str], list[str]]:
    """The stack file's config the way the engine hands it to the program: strings, JSON for structures,
    secure values decrypted (to the test secrets) and listed as secret keys."""
    config, secret_keys = {}, []
    for key, value in read_stack_file(stack, root).items():
        if encrypted(value):
            config[key] = TEST_SECRETS[key.partition(":")[2]]
            secret_keys.append(key)
        elif isinstance(value, (dict, list)):
            config[key] = json.dumps(value)
        elif isinstance(value, bool):
            config[key] = "true" if value else "false"
        else:
            config[key] = str(value)
    return config, secret_keys


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args):
        self.resources.append(args)
        return [f"{args.name}-id", args.inputs]

    def call(self, args):
        return {}

    def of_type(self, typ: str) -> list:
        return [resource for resource in self.resources if resource.typ == typ]


def run_program(stack: str, config: dict[str, str], secret_keys: list[str],
                mocks: RecordingMocks | None = None) -> RecordingMocks:
    """Run __main__.py under mocks and return once every registration has resolved. Mocks have no cluster and no
    Docker engine to reach, so the program's checks of its targets (django_observability/components/kube_target.py, docker_target.py;
    tests/cluster and tests/swarm run them for real) see reachable ones that select everything."""
    from unittest import mock

    from django_observability.components import docker_target, kube_target

    with mock.patch.object(docker_target, "problem", lambda docker_host: None), \
            mock.patch.object(kube_target, "before_deploying", lambda *args: []):
        return _run_program(stack, config, secret_keys, mocks)


def _run_program(stack: str, config: dict[str, str], secret_keys: list[str],
                 mocks: RecordingMocks | None) -> RecordingMocks:
    mocks = mocks or RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, organization="organization")
    pulumi.runtime.set_all_config(config, secret_keys)

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    program()
    return mocks


def run_components(build, stack: str = "dev", project: str = "platform",
                   mocks: RecordingMocks | None = None) -> tuple[RecordingMocks, dict]:
    """Run `build` (a user's program: it constructs components and returns a mapping of Outputs) under mocks, in a
    project of its own; returns what was registered and the mapping's values once resolved."""
    mocks, resolved = mocks or RecordingMocks(), {}
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config({}, [])

    @pulumi.runtime.test
    def program():
        outputs = build()
        return pulumi.Output.all(**outputs).apply(resolved.update)

    program()
    return mocks, resolved


def is_secret(value) -> bool:
    return isinstance(value, dict) and SECRET_SENTINEL in value


def reveal(value):
    """Inputs as plain data: secrets unwrapped, floats that are whole numbers back to ints (protobuf has no int)."""
    if is_secret(value):
        return reveal(value["value"])
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def without_patch_force(obj: dict) -> dict:
    """A registered object as its builder made it: asserts the provider's patchForce annotation and the stack's mark
    that the Pulumi layer adds to every resource (django_observability/components/resources.py) and takes them
    off."""
    from django_observability.components.resources import MARK, PATCH_FORCE

    metadata = dict(obj["metadata"])
    annotations = dict(metadata.pop("annotations"))
    assert annotations.pop(PATCH_FORCE) == "true", metadata
    mark = annotations.pop(MARK)
    assert mark.startswith(f"organization/{PROJECT}/") and mark.count("/") == 2, mark
    if annotations:
        metadata["annotations"] = annotations
    return {**obj, "metadata": metadata}
