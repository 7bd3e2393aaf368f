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
from django_observability.settings.loader import APP_KEYS, load_offline
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


def scaling(stack: str) -> list[tuple[int, float]]:
    """Builder time (in process) as the worker count grows, relative to one worker."""
    loaded = load_offline(stack)
    [app] = loaded.settings.apps

    def build(workers: int) -> None:
        # model_copy skips validation on purpose: 128 workers is past the documented maximum of 64.
        settings = loaded.settings.model_copy(update={"apps": [app.model_copy(update={"web_concurrency": workers})]})
        stack_objects(stack_params(loaded.stack, settings, loaded.secrets))

    build(1)  # warm up: lazy imports and caches would otherwise land on the first case
    seconds = [(workers, _median_seconds(lambda: build(workers), 20)) for workers in (1, 4, 16, 64, 128)]
    return [(workers, value / seconds[0][1]) for workers, value in seconds]


APP_COUNTS = (1, 10, 50)


def stack_of_apps(stack: str, apps: int, folder: Path) -> str:
    """`Pulumi.<stack>-apps-<n>.yaml` in `folder`: the stack's file with its one app listed `apps` times under
    `apps:`, each in a namespace of its own, read and validated as any stack file is. Returns the stack's name."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    config = document["config"]
    app_keys = {key for key in config if key.partition(":")[2] in APP_KEYS}
    app = {key.partition(":")[2]: config.pop(key) for key in sorted(app_keys)}
    config["django-observability:apps"] = [app | {"appName": f"app-{index}", "namespace": f"app-{index}"}
                                           for index in range(apps)]
    name = f"{stack}-apps-{apps}"
    (folder / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return name


def render_by_apps(stack: str) -> list[tuple[int, float, float]]:
    """(apps, seconds, × one app) of `make render` of a stack listing 1, 10 and 50 apps, whole processes."""
    with tempfile.TemporaryDirectory() as folder:
        names = {apps: stack_of_apps(stack, apps, Path(folder)) for apps in APP_COUNTS}
        seconds = interleaved({apps: [sys.executable, "-m", "django_observability.render", "--stack", name,
                                      "--stacks-dir", folder, "--out", str(Path(folder, "out"))]
                               for apps, name in names.items()}, REPEAT)
    return [(apps, seconds[apps], seconds[apps] / seconds[1]) for apps in APP_COUNTS]
