"""Engine cost: `pulumi preview` of each stack against a preview of an empty program with the same provider and as
many secrets (none or some) in its stack's config."""
import os
import subprocess
import tempfile
from pathlib import Path

from bench.timing import interleaved
from django_observability.settings.loader import read_stack_file
from localcluster.layout import ROOT
from django_observability.settings.stack_file import encrypted

REPEAT = 5


FLOORS = {False: "bench", True: "bench-secret"}
"""The empty program's stacks: without a secret, and with one. The passphrase secrets provider derives its key
(a deliberately slow KDF, about a third of a second) only when a stack's config holds a secret, so each stack is
held to the floor with the same: prod's credentials against `bench-secret`."""


def _has_secrets(stack: str) -> bool:
    return any(encrypted(value) for value in read_stack_file(stack).values())


def preview_costs(stacks) -> list[tuple[str, float, float]]:
    """Each preview run in turns with the others, REPEAT times; the median of each against the empty program's
    with as many secrets (none or some). Every stack is created beforehand, so each timed run is one
    `pulumi preview` and nothing else."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        projects = {floor: "bench/empty" for floor in FLOORS.values()} | {stack: "." for stack in stacks}
        for stack, project in projects.items():
            subprocess.run([pulumi, "--cwd", project, "stack", "select", "--create", stack, "--non-interactive"],
                           check=True, capture_output=True, env=env, timeout=600)
        commands = {stack: [pulumi, "--cwd", project, "preview", "--stack", stack, "--non-interactive"]
                    for stack, project in projects.items()}
        seconds = interleaved(commands, REPEAT, env)
        rows = [(f"preview of an empty program, same provider, {'a secret' if secret else 'no secret'} in its config "
                 "(floor)", seconds[floor], 1.0) for secret, floor in FLOORS.items()]
        for stack in stacks:
            secret = _has_secrets(stack)
            rows.append((f"`pulumi preview` {stack} ({'secrets' if secret else 'no secret'})", seconds[stack],
                         seconds[stack] / seconds[FLOORS[secret]]))
        return rows


def preview_by_apps(stack: str) -> list[tuple[int, float, float]]:
    """(apps, seconds, × one app) of `pulumi preview` of a stack listing 1, 10 and 50 apps (bench/program.py's
    stack files, passed with --config-file), in render mode, median of REPEAT run in turns."""
    from bench.program import APP_COUNTS, stack_of_apps

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        names = {apps: stack_of_apps(stack, apps, Path(home)) for apps in APP_COUNTS}
        for name in names.values():
            subprocess.run([pulumi, "stack", "select", "--create", name, "--non-interactive"], check=True,
                           capture_output=True, env=env, timeout=600)
        seconds = interleaved({apps: [pulumi, "preview", "--stack", name, "--non-interactive", "--config-file",
                                      f"{home}/Pulumi.{name}.yaml"] for apps, name in names.items()}, REPEAT, env)
    return [(apps, seconds[apps], seconds[apps] / seconds[1]) for apps in APP_COUNTS]
