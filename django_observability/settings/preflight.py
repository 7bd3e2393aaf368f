"""The stack's settings, checked before `pulumi up` or `preview` starts the engine (tools/pulumi.sh runs this
with the CLI's arguments): a bad value gives its one line and the run stops there, so the engine records nothing
and prints no summary of a run that never began. The program checks them again under the engine.

    python -m django_observability.settings.preflight <pulumi arguments>
"""
import sys
from pathlib import Path

from django_observability.settings.loader import PROJECT_DIR, SettingsError, load_offline

COMMANDS = {"up", "update", "preview"}


def _option(argv: list[str], *names: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg in names and index + 1 < len(argv):
            return argv[index + 1]
        for name in names:
            if arg.startswith(f"{name}="):
                return arg.partition("=")[2]
    return None


def stack_file(argv: list[str]) -> tuple[str, Path] | None:
    """(stack, folder of its stack file) for a command that runs the program on a named stack, else None. A
    `--config-file` named like a stack file stands for it."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    stack = _option(argv, "--stack", "-s")
    if command not in COMMANDS or not stack:
        return None
    stack = stack.rsplit("/", 1)[-1]
    path = Path(_option(argv, "--config-file") or PROJECT_DIR / f"Pulumi.{stack}.yaml")
    if path.name != f"Pulumi.{stack}.yaml" or not path.exists():
        return None
    return stack, path.parent


def main(argv: list[str]) -> int:
    found = stack_file(argv)
    if found is None:
        return 0
    try:
        load_offline(*found)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
