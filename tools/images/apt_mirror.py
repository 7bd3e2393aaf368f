"""Print the Debian mirror this machine's apt uses for a suite, read from its sources at run time.

    python3 tools/images/apt_mirror.py bookworm

Both formats count: one-line entries (`deb [options] URI SUITE COMPONENT...` in sources.list and *.list) and deb822
stanzas (`Types:`, `URIs:`, `Suites:` in *.sources). The first `deb` entry that serves exactly SUITE wins, so the
image builds fetch from wherever the machine's own packages come from, and no mirror is written into the project.
"""
import sys
from pathlib import Path

SOURCES = Path("/etc/apt")


def _one_line_entries(text: str):
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words[:1] != ["deb"]:
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # options such as [signed-by=...] up to the closing bracket
            while words and not words[0].endswith("]"):
                words.pop(0)
            words = words[1:]
        if len(words) >= 2:
            yield words[0], [words[1]]


def _deb822_entries(text: str):
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line and not line.startswith(("#", " ", "\t")) and ":" in line:
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.split()
        if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"]) != ["no"]:
            for uri in fields.get("uris", []):
                yield uri, fields.get("suites", [])


def mirror(suite: str, sources: Path = SOURCES) -> str:
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*.list"))]
    for path in files:
        if path.is_file():
            for uri, suites in _one_line_entries(path.read_text()):
                if suite in suites:
                    return uri
    for path in sorted((sources / "sources.list.d").glob("*.sources")):
        for uri, suites in _deb822_entries(path.read_text()):
            if suite in suites:
                return uri
    raise SystemExit(f"apt_mirror: no apt source of this machine serves the suite {suite!r}")


if __name__ == "__main__":
    print(mirror(sys.argv[1]))
