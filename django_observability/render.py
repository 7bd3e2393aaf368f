"""Offline render: every object of a stack as YAML, one file per object, with no Pulumi CLI and no cluster.

    python -m django_observability.render --stack dev [--out rendered] [--stacks-dir .]

Writes rendered/<stack>/<kind>-<namespace>-<name>.yaml from the parts the program registers (django_observability/builders/parts.py),
plus the Alertmanager config (credentials as placeholders) and, for a Swarm stack, the Swarm plan. Output is
deterministic. Imports no Pulumi SDK.
"""
import gc

if __name__ == "__main__":
    # A render is one short process whose imports build some 36,000 long-lived objects (pydantic's schemas and
    # validators). The cyclic collector would scan them again and again while they are imported, and all of them
    # once more at exit, finding nothing: a fifth of the run. So it collects nothing while importing; then what was
    # imported is frozen out of its sight (gc.freeze) and it collects normally from there.
    gc.disable()

import argparse
import shutil
import sys
from pathlib import Path

import yaml

from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_files, stack_objects
from django_observability.settings.loader import PROJECT_DIR, SettingsError, load_offline


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


def render(stack: str, out: Path, root: Path = PROJECT_DIR) -> list[Path]:
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
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "rendered")
    parser.add_argument("--stacks-dir", type=Path, default=PROJECT_DIR,
                        help="the directory holding Pulumi.<stack>.yaml (default: this project)")
    args = parser.parse_args(argv)
    try:
        written = render(args.stack, args.out, args.stacks_dir)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    for path in written:
        print(path.relative_to(args.out.parent) if path.is_relative_to(args.out.parent) else path)
    return 0


if __name__ == "__main__":
    gc.freeze()
    gc.enable()
    sys.exit(main())
