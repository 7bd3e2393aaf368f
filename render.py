"""Offline render: every object of a stack as YAML, one file per object, with no Pulumi CLI and no cluster.

    python render.py --stack dev [--out rendered]

Writes rendered/<stack>/<kind>-<namespace>-<name>.yaml from the parts the program registers (builders/parts.py),
plus the Alertmanager config (credentials as placeholders) and, for a Swarm stack, the Swarm plan. Output is
deterministic. Imports no Pulumi SDK.
"""
import argparse
import shutil
import sys
from pathlib import Path

import yaml

from builders.params import stack_params
from builders.parts import stack_files, stack_objects
from stacks.loader import ROOT, SettingsError, load_offline


def object_filename(obj: dict) -> str:
    metadata = obj["metadata"]
    return f"{obj['kind'].lower()}-{metadata.get('namespace', 'cluster')}-{metadata['name']}.yaml"


class _PlainDumper(yaml.CSafeDumper):
    """libyaml's emitter (PyYAML's own is most of a render's time). No `&id001` anchors: builders may share a dict
    (labels, relabelings) between places; files spell it out. A multi-line string (a dashboard's JSON, Alertmanager's
    config) is a literal block, so that a pull request's diff of tests/golden shows the line that changed."""

    def ignore_aliases(self, data):
        return True

    def represent_str(self, data):
        return self.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_PlainDumper.add_representer(str, _PlainDumper.represent_str)


def dump(document) -> str:
    return yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def render(stack: str, out: Path, root: Path = ROOT) -> list[Path]:
    loaded = load_offline(stack, root)
    params = stack_params(loaded.stack, loaded.settings, loaded.secrets)
    target = out / stack
    if target.exists():
        shutil.rmtree(target)
    files = {object_filename(obj): dump(obj) for obj in stack_objects(params)}
    files |= {name: document if isinstance(document, str) else dump(document)
              for name, document in stack_files(params).items()}
    written = []
    for name, text in sorted(files.items()):
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--out", type=Path, default=ROOT / "rendered")
    args = parser.parse_args(argv)
    try:
        written = render(args.stack, args.out)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    for path in written:
        print(path.relative_to(args.out.parent) if path.is_relative_to(args.out.parent) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
