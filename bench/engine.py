"""Engine cost: `pulumi preview` of each stack against a preview of an empty program with the same provider."""
import os
import subprocess
import tempfile

from bench.timing import interleaved
from stacks.loader import ROOT

REPEAT = 5


def preview_costs(stacks) -> list[tuple[str, float, float]]:
    """Each preview run in turns with the others, REPEAT times; the median of each against the empty program's.
    Every stack is created beforehand, so each timed run is one `pulumi preview` and nothing else."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        projects = {"floor": ("bench/empty", "bench")} | {stack: (".", stack) for stack in stacks}
        for project, stack in projects.values():
            subprocess.run([pulumi, "--cwd", project, "stack", "select", "--create", stack, "--non-interactive"],
                           check=True, capture_output=True, env=env, timeout=600)
        commands = {name: [pulumi, "--cwd", project, "preview", "--stack", stack, "--non-interactive"]
                    for name, (project, stack) in projects.items()}
        seconds = interleaved(commands, REPEAT, env)
        floor = seconds.pop("floor")
        return [("preview of an empty program, same provider (floor)", floor, 1.0)] + [
            (f"`pulumi preview` {stack}", value, value / floor) for stack, value in seconds.items()]
