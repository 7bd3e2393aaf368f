"""Program cost: rendering a stack against the floor of starting Python with pydantic and PyYAML, against
`helm template` of the source article's chart, and as workers (1-128) and apps (1-50) grow."""
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.timing import interleaved
from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_objects
from django_observability.settings.loader import load_offline, validate
from localcluster.layout import ROOT

REPEAT = 5


def _median_seconds(run, repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


FLOOR = "from pydantic import BaseModel; import yaml"


def render_against_floor(stacks) -> list[tuple[str, float, float]]:
    """(what, seconds, ratio to the floor) for whole processes, as a user runs them."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as out:
        commands = {"floor": [python, "-c", FLOOR]} | {
            stack: [python, "-m", "django_observability.render", "--stack", stack, "--out", out] for stack in stacks}
        seconds = interleaved(commands, 2 * REPEAT)
    floor = seconds.pop("floor")
    return [(f"python -c '{FLOOR}' (floor)", floor, 1.0)] + [
        (f"render {stack} (`make render`)", value, value / floor) for stack, value in seconds.items()]


def helm_against_render(helm: str, workers: int) -> tuple[float, float]:
    """Seconds of `helm template` of the article's chart and of our render of a stack with as many workers."""
    with tempfile.TemporaryDirectory() as project:
        document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
        document["config"]["django-observability:webConcurrency"] = workers
        # Requests follow the worker count; the CPU limit must stay above them (one CPU per worker is plenty).
        document["config"]["django-observability:resources"] = {"limits": {"cpu": str(workers)}}
        Path(project, "Pulumi.bench.yaml").write_text(yaml.safe_dump(document))
        seconds = interleaved({
            "helm": [helm, "template", "app-django", str(ROOT / "bench/chart"),
                     "--set", f"env.config.WEB_CONCURRENCY={workers}"],
            "ours": [sys.executable, "-m", "django_observability.render", "--stack", "bench", "--stacks-dir", project,
                     "--out", str(Path(project, "out"))]}, REPEAT)
    return seconds["helm"], seconds["ours"]


def scaling(stack: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """Builder time (in process) as workers and as apps grow, each relative to the smallest case."""
    loaded = load_offline(stack)
    [app] = loaded.settings.apps

    def build_workers(workers: int) -> None:
        # model_copy skips validation on purpose: 128 workers is past the documented maximum of 64.
        settings = loaded.settings.model_copy(update={"apps": [app.model_copy(update={"web_concurrency": workers})]})
        stack_objects(stack_params(loaded.stack, settings, loaded.secrets))

    def build_apps(apps: int) -> None:
        """A stack of `apps` apps, validated from its settings as a stack file's are."""
        plain = (loaded.settings.model_dump(by_alias=True, exclude_defaults=True, exclude={"apps"})
                 | {"apps": [app.model_dump(by_alias=True, exclude_defaults=True)
                             | {"appName": f"app-{index}", "namespace": f"app-{index}"} for index in range(apps)]})
        settings = validate(loaded.stack, plain, set(loaded.secrets))
        stack_objects(stack_params(loaded.stack, settings, loaded.secrets))

    build_workers(1)  # warm up: lazy imports and caches would otherwise land on the first case
    build_apps(1)
    workers_seconds = [(workers, _median_seconds(lambda: build_workers(workers), 20))
                       for workers in (1, 4, 16, 64, 128)]
    apps_seconds = [(apps, _median_seconds(lambda: build_apps(apps), 5)) for apps in (1, 10, 50)]
    return ([(workers, seconds / workers_seconds[0][1]) for workers, seconds in workers_seconds],
            [(apps, seconds / apps_seconds[0][1]) for apps, seconds in apps_seconds])
