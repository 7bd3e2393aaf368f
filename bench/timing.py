"""Timing whole processes: each command run in turns with the others, so that a load that comes and goes on a
shared machine weighs on all of them alike; the median of each is what the ratios compare."""
import statistics
import subprocess
import time

from stacks.loader import ROOT


def interleaved(commands: dict[str, list[str]], repeat: int, env: dict | None = None) -> dict[str, float]:
    samples = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=env, timeout=600)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}
