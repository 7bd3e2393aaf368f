"""Engine cost: `pulumi preview` of each stack against a preview of an empty program with the same provider."""
import os
import statistics
import subprocess
import tempfile
import time

from stacks.loader import ROOT

REPEAT = 3


def _preview_seconds(argv: list[str], env: dict) -> float:
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT, timeout=600)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def preview_costs(stacks) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DJANGO_OBSERVABILITY_BACKEND_URL": f"file://{home}/state",
               "DJANGO_OBSERVABILITY_RENDER_DIR": f"{home}/rendered"}
        pulumi = str(ROOT / "tools/pulumi.sh")
        subprocess.run([pulumi, "--cwd", "bench/empty", "stack", "select", "--create", "bench", "--non-interactive"],
                       check=True, capture_output=True, env=env, timeout=600)
        floor = _preview_seconds([pulumi, "--cwd", "bench/empty", "preview", "--stack", "bench", "--non-interactive"],
                                 env)
        rows = [("preview of an empty program, same provider (floor)", floor, 1.0)]
        for stack in stacks:
            seconds = _preview_seconds([str(ROOT / "tools/stack.sh"), stack, "preview"], env)
            rows.append((f"`pulumi preview` {stack}", seconds, seconds / floor))
        return rows
