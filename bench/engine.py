"""Engine cost: `pulumi preview` of each stack against a preview of an empty program with the same provider."""
import os
import subprocess
import tempfile

from bench.timing import interleaved
from stacks.loader import ROOT

REPEAT = 3


def preview_costs(stacks) -> list[tuple[str, float, float]]:
    """Each preview run in turns with the others, REPEAT times; the median of each against the empty program's."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        subprocess.run([pulumi, "--cwd", "bench/empty", "stack", "select", "--create", "bench", "--non-interactive"],
                       check=True, capture_output=True, env=env, timeout=600)
        commands = {"floor": [pulumi, "--cwd", "bench/empty", "preview", "--stack", "bench", "--non-interactive"]}
        commands |= {stack: [str(ROOT / "tools/stack.sh"), stack, "preview"] for stack in stacks}
        seconds = interleaved(commands, REPEAT, env)
        floor = seconds.pop("floor")
        return [("preview of an empty program, same provider (floor)", floor, 1.0)] + [
            (f"`pulumi preview` {stack}", value, value / floor) for stack, value in seconds.items()]
