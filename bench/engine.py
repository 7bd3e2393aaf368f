"""Engine cost: `pulumi preview` of each stack against a preview of an empty program with the same provider and as
many secrets (none or some) in its stack's config."""
import os
import subprocess
import tempfile

from bench.timing import interleaved
from stacks.loader import ROOT, read_stack_file

REPEAT = 5


FLOORS = {False: "bench", True: "bench-secret"}
"""The empty program's stacks: without a secret, and with one. The passphrase secrets provider derives its key
(a deliberately slow KDF, about a third of a second) only when a stack's config holds a secret, so each stack is
held to the floor with the same: prod's credentials against `bench-secret`."""


def _has_secrets(stack: str) -> bool:
    return any(isinstance(value, dict) and set(value) == {"secure"} for value in read_stack_file(stack).values())


def preview_costs(stacks) -> list[tuple[str, float, float]]:
    """Each preview run in turns with the others, REPEAT times; the median of each against the empty program's
    with as many secrets (none or some). Every stack is created beforehand, so each timed run is one
    `pulumi preview` and nothing else."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        floors = {secret: f"floor, {name}" for secret, name in FLOORS.items()}
        projects = {floors[secret]: ("bench/empty", name) for secret, name in FLOORS.items()} | {
            stack: (".", stack) for stack in stacks}
        for project, stack in projects.values():
            subprocess.run([pulumi, "--cwd", project, "stack", "select", "--create", stack, "--non-interactive"],
                           check=True, capture_output=True, env=env, timeout=600)
        commands = {name: [pulumi, "--cwd", project, "preview", "--stack", stack, "--non-interactive"]
                    for name, (project, stack) in projects.items()}
        seconds = interleaved(commands, REPEAT, env)
        rows = [(f"preview of an empty program, same provider, {'a secret' if secret else 'no secret'} in its config "
                 "(floor)", seconds[floors[secret]], 1.0) for secret in FLOORS]
        return rows + [(f"`pulumi preview` {stack} ({'secrets' if _has_secrets(stack) else 'no secret'})",
                        seconds[stack], seconds[stack] / seconds[floors[_has_secrets(stack)]]) for stack in stacks]
