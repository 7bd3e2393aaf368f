"""django_observability/settings/preflight.py: which runs it checks, and a bad setting stopping `up` / `preview` with its one line."""
import yaml

from django_observability.settings import preflight
from django_observability.settings.loader import PROJECT_DIR
from tests.helpers import ROOT


def test_only_runs_that_start_the_program_on_a_named_stack_are_checked(tmp_path):
    assert preflight.stack_file(["up", "--yes", "--stack", "dev"]) == ("dev", PROJECT_DIR)
    assert preflight.stack_file(["preview", "--stack=organization/prod"]) == ("prod", PROJECT_DIR)
    assert preflight.stack_file(["destroy", "--stack", "dev"]) is None
    assert preflight.stack_file(["up", "--yes"]) is None
    assert preflight.stack_file(["up", "--stack", "nosuch"]) is None
    generated = tmp_path / "Pulumi.dev.yaml"
    generated.write_text((ROOT / "Pulumi.dev.yaml").read_text())
    assert preflight.stack_file(["up", "--stack", "dev", "--config-file", str(generated)]) == ("dev", tmp_path)


def test_a_bad_setting_gives_one_line_and_a_failing_exit(tmp_path, capsys):
    stack_file = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack_file["config"]["django-observability:webConcurrency"] = 0
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack_file))
    assert preflight.main(["up", "--stack", "dev", "--config-file", str(tmp_path / "Pulumi.dev.yaml")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].strip() == "django-observability:webConcurrency: 0 — Input should be greater than or equal to 1"
    assert preflight.main(["up", "--stack", "dev"]) == 0
