"""Timing whole processes: each command run in turns with the others, so that a load that comes and goes on a
shared machine weighs on all of them alike; the median of each is what the ratios compare."""
import os
import statistics
import subprocess
import time

from localcluster.layout import ROOT


def _as_users_run(env: dict | None) -> dict:
    """The environment a user's commands get: Python writes bytecode. A sandbox may set PYTHONDONTWRITEBYTECODE,
    which makes every run compile each of the project's modules from source again."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def interleaved(commands: dict[str, list[str]], repeat: int, env: dict | None = None) -> dict[str, float]:
    """Median seconds of each command; each runs once untimed first (bytecode written, files in the page cache)."""
    env = _as_users_run(env)
    samples = {name: [] for name in commands}
    for timed in [False] + [True] * repeat:
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=env, timeout=600)
            if timed:
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}
