"""The generated tables of docs/toolchain.md, from tools/system-packages.txt and tools/build-seconds.txt:

    python3 tools/toolchain_doc.py --write     refresh them
    python3 tools/toolchain_doc.py --check     exit 1 when they differ from the two files (tests/toolchain runs it)

Each table sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->`. Standard library only."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs/toolchain.md"
PACKAGES = ROOT / "tools/system-packages.txt"
SECONDS = ROOT / "tools/build-seconds.txt"


def _section(name: str) -> list[str]:
    text = PACKAGES.read_text().split(f"[{name}]", 1)[1].split("\n[", 1)[0]
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def packages_table() -> list[str]:
    rows = ["| part | Debian package | shown installed by |", "|---|---|---|"]
    for line in _section("packages"):
        part, package, *commands = line.split()
        rows.append(f"| {part} | `{package}` | " + ", ".join(f"`command -v {c}`" for c in commands) + " |")
    return rows


def entry_points_table() -> list[str]:
    rows = ["| entry point | parts | Debian packages it checks first |", "|---|---|---|"]
    for line in _section("entry points"):
        entry, parts = (field.strip() for field in line.split("|"))
        packages = subprocess.run([str(ROOT / "tools/install-system-packages.sh"), "--packages", entry],
                                  capture_output=True, text=True, check=True).stdout.split()
        rows.append(f"| `{entry}` | {parts or '—'} | {' '.join(packages) or '—'} |")
    return rows


def seconds_table() -> list[str]:
    rows = ["| part | cold seconds |", "|---|---|"]
    total = 0
    for line in SECONDS.read_text().splitlines():
        words = line.split()
        if len(words) == 2 and not words[0].startswith("#"):
            rows.append(f"| {words[0]} | {words[1]} |")
            total += int(words[1])
    return rows + [f"| all parts, one after another | {total} |"]


TABLES = {"packages": packages_table, "entry-points": entry_points_table, "build-seconds": seconds_table}


def render(text: str) -> str:
    for name, table in TABLES.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(<!-- end: {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC.relative_to(ROOT)}: no <!-- generated: {name} --> … <!-- end: {name} --> block")
        text = pattern.sub(lambda m: m.group(1) + "\n".join(table()) + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    if argv not in (["--write"], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    text = DOC.read_text()
    current = render(text)
    if argv == ["--write"]:
        DOC.write_text(current)
        return 0
    if current != text:
        print(f"{DOC.relative_to(ROOT)}: its tables differ from tools/system-packages.txt or tools/build-seconds.txt: "
              "python3 tools/toolchain_doc.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
