"""`make bench`: every measurement side by side in one run, reported as ratios, written as Markdown to
bench/results/latest.md (and printed). Numbers are of this machine and this run; the ratios are what compare."""
import argparse
import signal
import sys

from bench import alerting, cluster, engine, monitoring, program
from localcluster import build
from localcluster.layout import ROOT
from localrun.alertmanager_cluster import PEER_TIMEOUT
from localrun.tools import go_tool

STACKS = ("dev", "acceptance", "prod")


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


TARGETS = {"render": 2.0, "helm": 6.0, "preview": 1.3}
"""Upper bounds of the three ratios: render of prod ÷ the floor, render ÷ `helm template` (5 workers, as prod),
`pulumi preview` of prod ÷ the empty program's preview with a secret in its config, as prod has."""


def program_section(helm: str, achieved: dict[str, float]) -> list[str]:
    lines = ["### Program cost", "", "Whole processes, median of 10 run in turns, against starting Python and "
             "importing what any pydantic program with YAML files imports:", ""]
    rows = program.render_against_floor(STACKS)
    achieved["render"] = rows[-1][2]
    lines += _table(["what", "seconds", "× floor"],
                    [[what, f"{seconds:.2f}", f"{ratio:.2f}"] for what, seconds, ratio in rows])
    lines += ["", "Against `helm template` of the source article's chart (`bench/chart`, its range loops), "
                  "same worker count, median of 5 run in turns:", ""]
    rows = []
    for workers in (5, 64):
        helm_seconds, ours = program.helm_against_render(helm, workers)
        achieved.setdefault("helm", ours / helm_seconds)
        rows.append([workers, f"{helm_seconds:.2f}", f"{ours:.2f}", f"{ours / helm_seconds:.2f}"])
    lines += _table(["workers", "helm template s", "render s (all objects, validated)", "render ÷ helm"], rows)
    lines += ["", "Building prod's objects in process, relative to one worker:", ""]
    lines += _table(["workers", "× 1 worker"], [[workers, f"{ratio:.2f}"] for workers, ratio in program.scaling("prod")])
    lines += ["", "`make render` of prod's stack file listing its app 1, 10 and 50 times (`apps:`), whole processes, "
                  "median of 5 run in turns:", ""]
    lines += _table(["apps", "seconds", "× 1 app"],
                    [[apps, f"{seconds:.2f}", f"{ratio:.2f}"] for apps, seconds, ratio in program.render_by_apps("prod")])
    return lines


def engine_section(achieved: dict[str, float]) -> list[str]:
    rows = engine.preview_costs(STACKS)
    achieved["preview"] = rows[-1][2]
    return ["### Engine cost", "", "`pulumi preview` in render mode, each stack created beforehand so that a timed run "
            "is one `pulumi preview`, median of 5 run in turns:", ""] + _table(
        ["what", "seconds", "× floor"], [[what, f"{seconds:.2f}", f"{ratio:.2f}"] for what, seconds, ratio in rows]) + [
        "", "`pulumi preview` of prod's stack file listing its app 1, 10 and 50 times, the same way:", ""] + _table(
        ["apps", "seconds", "× 1 app"],
        [[apps, f"{seconds:.2f}", f"{ratio:.2f}"] for apps, seconds, ratio in engine.preview_by_apps("prod")])


def monitoring_section(stack: str) -> list[str]:
    rows = []
    for workers, per_worker, multi in monitoring.compare(stack):
        rows.append([workers, per_worker["targets"], f"{per_worker['samples_per_scrape']:.0f}",
                     f"{multi['samples_per_scrape']:.0f}",
                     f"{per_worker['samples_per_scrape'] / multi['samples_per_scrape']:.2f}",
                     f"{per_worker['scrape_seconds'] * 1000:.1f}", f"{multi['scrape_seconds'] * 1000:.1f}",
                     f"{per_worker['raw_series']:.0f}", f"{per_worker['aggregated_series']:.0f}",
                     f"{multi['aggregated_series']:.0f}"])
    return ["### Monitoring cost", "", f"The reference app ({stack}) under gunicorn, scraped every second by Prometheus "
            "with the stack's ServiceMonitor, after 90 requests; scrape time summed over targets:", ""] + _table(
        ["workers", "targets", "samples/scrape per-worker", "samples/scrape multiprocess", "per-worker ÷ multiprocess",
         "scrape ms per-worker", "scrape ms multiprocess", "django_http series per-worker",
         "series after aggregation per-worker", "series after aggregation multiprocess"], rows)


def alerting_section() -> list[str]:
    rows = []
    for replicas, result in alerting.compare():
        count, latency = result["all_up"]
        killed = result.get("one_killed")
        rows.append([replicas, count, f"{latency:.2f}",
                     killed[0] if killed else "n/a", f"{killed[1]:.2f}" if killed else "n/a"])
    return ["### Alert path", "", "One alert posted to every peer (as Prometheus does); webhook on 127.0.0.1; "
            f"--cluster.peer-timeout={PEER_TIMEOUT:g}s:", ""] + _table(
        ["peers", "notifications, all up", "seconds to webhook, all up", "notifications, one killed",
         "seconds to webhook, one killed"], rows)


def cluster_section() -> list[str]:
    ours, theirs = cluster.up_against_apply("dev")
    to_scraped = {stack: cluster.make_up_to_scraped(stack) for stack in ("dev", "prod")}
    builds = cluster.cold_build_seconds()
    recorded = [seconds for _, seconds, _ in builds if seconds is not None]
    return ["### Local cluster", "", "dev on the local cluster (three nodes), median of 3 run in turns, each until the "
            "Deployment is available:", ""] + _table(
        ["what", "seconds", "× kubectl"],
        [["`kubectl apply --server-side` of the offline render (floor)", f"{theirs:.1f}", "1.00"],
         ["`pulumi up --stack dev`", f"{ours:.1f}", f"{ours / theirs:.2f}"]]) + [
        "", "From a stopped cluster to every worker scraped by the operator's Prometheus (`make up`, the toolchain "
        "built): " + ", ".join(f"{stack} {seconds:.0f} s" for stack, seconds in to_scraped.items()) + ".", "",
        "Cold build of each part, as measured when it was built into the cache on this machine (builds ran side by "
        "side, so each took longer than alone; blank: built before its time was recorded), beside the committed "
        "estimate (tools/build-seconds.txt):", ""] + _table(
        ["part", "seconds", "tools/build-seconds.txt"],
        [[part, "" if seconds is None else seconds, "" if committed is None else committed]
         for part, seconds, committed in builds]) + [
        "", f"Sum of the recorded parts: {sum(recorded)} s of build time."]


def targets_table(achieved: dict[str, float]) -> list[str]:
    names = {"render": "render prod ÷ floor", "helm": "render ÷ `helm template` (5 workers)",
             "preview": "`pulumi preview` prod ÷ empty program's preview (a secret in both)"}
    return _table(["ratio", "target", "achieved", "met"],
                  [[names[key], f"≤ {bound:g}", f"{achieved[key]:.2f}", "yes" if achieved[key] <= bound else "no"]
                   for key, bound in TARGETS.items()])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="prod", help="the stack whose app the monitoring cost runs")
    args = parser.parse_args(argv)
    build.require_packages("python -m bench")
    build.ensure(())  # every part: the bench runs all of them
    # Started in the background, this process inherits SIGINT ignored, and so would every child. The Pulumi CLI
    # stops its plugins with SIGINT and waits 5 s for one that ignores it: each preview would take 5 s longer.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    helm = go_tool("helm")
    achieved: dict[str, float] = {}
    sections = []
    for section in (lambda: program_section(helm, achieved), lambda: engine_section(achieved),
                    lambda: monitoring_section(args.stack), alerting_section, cluster_section):
        sections += section() + [""]
    lines = ["## Benchmarks", "", "### Targets", ""] + targets_table(achieved) + [""] + sections
    report = "\n".join(lines)
    out = ROOT / "bench/results/latest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
