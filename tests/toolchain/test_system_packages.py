"""Every entry point checks the Debian packages it runs before it does anything else, and tools/system-packages.txt
names each of them: what an entry point runs is read from its code (tests/toolchain/commands.py) and each
command's package from dpkg, never from the table, so a package dropped from the table is found without a fresh
machine. Then each entry point is run with those packages' commands hidden from PATH and installing off: it must
stop at once, with one line naming every one of them, having made nothing."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.toolchain import commands

pytestmark = pytest.mark.toolchain

INSTALLER = "tools/install-system-packages.sh"
INVOCATIONS = {
    "python -m localcluster deploy": ["dev"], "python -m localcluster destroy": ["dev"],
    "tools/stack.sh": ["dev", "preview"], "tools/images/build.sh": ["pause"], "tools/build-all.sh": ["image:pause"],
    "tools/swarm/stop-node": ["swarm-1"], "tools/swarm/node": ["swarm-1", "/nonexistent"],
    "tools/rehearse-fresh-machine.sh": ["--dry-run"], "make rehearse": ["ARGS=--dry-run"],
    "tests/images/try-in-containerd.sh": ["pause"],
}
"""The arguments each entry point is run with (none when not named): the ordinary ones, since it stops first."""


def table_entries(installer: Path = ROOT / INSTALLER) -> dict[str, set[str]]:
    """Each entry point of the table with its packages, as the installer itself reads them."""
    text = (installer.parent / "system-packages.txt").read_text()
    names = [line.split("|")[0].strip() for line in text.split("[entry points]", 1)[1].splitlines()
             if "|" in line and not line.lstrip().startswith("#")]
    return {name: set(subprocess.run([str(installer), "--packages", name], capture_output=True, text=True,
                                     check=True).stdout.split()) for name in names}


TABLE = table_entries()


def entry_points() -> set[str]:
    """Every entry point, found in the repository: each make goal, each executable script of tools/ and tests/
    (but the installer itself), each `python -m localcluster` command, the bench and the end-to-end demo."""
    database = subprocess.run(["make", "-pRrq", "-f", "Makefile", ":"], cwd=ROOT, capture_output=True,
                              text=True).stdout
    goals = next(line for line in database.splitlines() if line.startswith(".PHONY:")).split()[1:]
    scripts = [line.split("\t")[1] for line in subprocess.run(["git", "ls-files", "-s", "tools", "tests"], cwd=ROOT,
               capture_output=True, text=True, check=True).stdout.splitlines() if line.startswith("100755")]
    usage = subprocess.run([sys.executable, "-m", "localcluster", "--help"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout
    subcommands = re.search(r"\{([a-z,]+)\}", usage).group(1).split(",")
    return ({f"make {goal}" for goal in goals} | set(scripts) - {INSTALLER}
            | {f"python -m localcluster {command}" for command in subcommands}
            | {"python -m bench", "python -m tests.e2e.demo"})


def missing_from_table(entry: str, table: dict[str, set[str]]) -> list[str]:
    """The packages (and commands no installed package provides) that `entry` runs and the table does not name."""
    found = commands.needs(entry)
    named = table.get(entry, set())
    problems = [f"{package}: {', '.join(sorted(where))}" for package, where in sorted(found.packages.items())
                if package not in named]
    table_commands = {command for package in named for command in _table_commands(package)}
    problems += [f"{command} (no package on this machine provides it): {', '.join(sorted(where))}"
                 for command, where in sorted(found.uninstalled.items()) if command not in table_commands]
    return problems


def _table_commands(package: str) -> list[str]:
    text = (ROOT / "tools/system-packages.txt").read_text().split("[entry points]")[0]
    return [word for line in text.splitlines() if line.split()[1:2] == [package] for word in line.split()[2:]]


def test_every_entry_point_is_in_the_table():
    assert entry_points() - TABLE.keys() == set(), "add these entry points to tools/system-packages.txt"
    assert TABLE.keys() - entry_points() == set(), "these entry points of tools/system-packages.txt do not exist"


@pytest.mark.parametrize("entry", sorted(TABLE))
def test_the_table_names_every_package_an_entry_point_runs(entry):
    assert missing_from_table(entry, TABLE) == [], f"tools/system-packages.txt: {entry} runs packages it does not name"


def test_a_package_dropped_from_the_table_is_found(tmp_path):
    """Negative control: the table without debootstrap, read by the installer itself, misses it for `make up`
    (whose image build runs it), and so does every other entry point that builds the app's image."""
    (tmp_path / "tools").mkdir()
    shutil.copy2(ROOT / INSTALLER, tmp_path / INSTALLER)
    table = (ROOT / "tools/system-packages.txt").read_text()
    (tmp_path / "tools/system-packages.txt").write_text(re.sub(r"(?m)^images +debootstrap .*\n", "", table))
    dropped = table_entries(tmp_path / INSTALLER)
    assert "debootstrap" not in dropped["make up"]
    assert any(line.startswith("debootstrap: ") and "tools/images/build.sh" in line
               for line in missing_from_table("make up", dropped))


# ---------------------------------------------------------------- run with the packages hidden

@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A copy of the working tree (no venv, no state, no cache) and empty cache, cluster and Swarm folders: what an
    entry point would make shows up there."""
    base = tmp_path_factory.mktemp("entry-points")
    repo = base / "repo"
    for name in commands.tracked():
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    return base


def _hidden_path(folder: Path, hidden: set[str]) -> str:
    """A PATH of one folder that holds every command of the real PATH but `hidden`."""
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if name not in hidden and not (folder / name).exists() and os.access(target, os.X_OK):
                (folder / name).symlink_to(target)
    return str(folder)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


RUNTIME = sorted(entry for entry, packages in TABLE.items() if packages)


@pytest.mark.parametrize("entry", RUNTIME)
def test_an_entry_point_stops_at_once_naming_its_missing_packages(entry, sandbox, tmp_path):
    needed = set(commands.needs(entry).packages)
    hidden = {command for package in needed for command in commands.package_commands(package) | set(
        _table_commands(package))} | {"go"}  # nor may anything reach a Go build
    repo = sandbox / "repo"
    before = _files(repo)
    folders = {name: tmp_path / name for name in ("cache", "cluster", "swarm", "home", "gocache")}
    for folder in folders.values():
        folder.mkdir()
    env = {**os.environ, "PATH": _hidden_path(tmp_path / "bin", hidden), "DJANGO_OBSERVABILITY_SYSTEM_PACKAGES": "stop",
           "DJANGO_OBSERVABILITY_CACHE": str(folders["cache"]), "DJANGO_OBSERVABILITY_CLUSTER_DIR": str(folders["cluster"]),
           "DJANGO_OBSERVABILITY_SWARM_DIR": str(folders["swarm"]), "HOME": str(folders["home"]),
           "GOCACHE": str(folders["gocache"]), "PYTHONPATH": str(repo), "MAKEFLAGS": ""}
    if entry.startswith("make "):
        argv = ["make", "--no-print-directory", entry.split()[1]]
    elif entry.startswith("python -m "):
        argv = [sys.executable, *entry.split()[1:]]
    else:
        argv = [str(repo / entry)]
    argv += INVOCATIONS.get(entry, [])
    result = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("make: ***", "make["))]
    assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith(f"{entry}: "), (
        f"{entry} did not stop at its package check with one line of its own:\n{result.stdout}{result.stderr}")
    if needed:
        named = re.search(r"needs the Debian packages (.*?) \(", lines[0])
        assert named and needed <= set(named.group(1).split()), f"{entry}: {lines[0]}; it runs {sorted(needed)}"
    assert _files(repo) == before and all(not any(f.iterdir()) for name, f in folders.items() if name != "home"), (
        f"{entry} made files before its package check")
