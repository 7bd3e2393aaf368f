"""Settings checked with the grammar of the tool that reads them later, proven against that tool: each value is
judged by the settings model and by the tool itself (amtool and the Alertmanager binary of the image's version,
promtool), and both must give the expected verdict."""
import json
import subprocess

import pytest
import yaml

from localrun.tools import go_tool
from django_observability.settings.loader import SettingsError, validate

BASE = {"kubeContext": "dev", "image": "example/django-app:0.1.0"}


@pytest.fixture(scope="module")
def amtool() -> str:
    return go_tool("amtool")


@pytest.fixture(scope="module")
def alertmanager() -> str:
    return go_tool("alertmanager")


def _accepted_by_settings(settings: dict) -> bool:
    try:
        validate("dev", BASE | settings, set())
    except SettingsError:
        return False
    return True


def _accepted_by(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, text=True, timeout=60).returncode == 0


def _amtool_accepts(amtool, tmp_path, route: dict, inhibit_rules: list | None = None, *flags: str) -> bool:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump({"route": {"receiver": "a", **route}, "receivers": [{"name": "a"}],
                                    "inhibit_rules": inhibit_rules or []}))
    return _accepted_by([amtool, *flags, "check-config", str(path)])


def _routing(route: dict, inhibit_rules: list | None = None) -> dict:
    return {"alertmanager": {"routing": {"receivers": [{"name": "a"}], "route": {"receiver": "a", **route},
                                         "inhibit_rules": inhibit_rules or []}}}


MATCHERS = [
    ('severity="critical"', True), ('team=~"a|b"', True), ("team=~a|b", True), ('team!~"x.*"', True),
    ('team != "b"', True), (r'team="a\"b"', True),
    ('team=~"("', False), ("team=~(", False), ('team=~"[z-a]"', False), ("severity critical", False),
    ('severity=="x"', False), ('severity="critical', False),
]


@pytest.mark.tools
@pytest.mark.parametrize("matcher, valid", MATCHERS, ids=[matcher for matcher, _ in MATCHERS])
def test_matchers_as_amtool_reads_them(amtool, tmp_path, matcher, valid):
    child = {"routes": [{"receiver": "a", "matchers": [matcher]}]}
    assert _amtool_accepts(amtool, tmp_path, child) is valid
    assert _accepted_by_settings(_routing(child)) is valid


@pytest.mark.tools
def test_the_root_route_has_no_matchers(amtool, tmp_path):
    assert not _amtool_accepts(amtool, tmp_path, {"matchers": ['a="b"']})
    assert not _accepted_by_settings(_routing({"matchers": ['a="b"']}))


LABEL_LISTS = [(["alertname", "namespace"], True), (["..."], True), (["a-b"], False), (["bad label"], False),
               (["9lives"], False)]


@pytest.mark.tools
@pytest.mark.parametrize("labels, valid", LABEL_LISTS, ids=[json.dumps(labels) for labels, _ in LABEL_LISTS])
def test_group_by_and_equal_label_names_as_amtool_reads_them(tmp_path, labels, valid):
    """Label names in the classic grammar, as Alertmanager 0.28's amtool checks them in its classic mode: the alerts
    come from this project's Prometheus rules, whose label names all follow it, so a name outside it (which its
    default UTF-8 fallback would take) can never group or inhibit anything."""
    amtool, classic = go_tool("amtool"), "--enable-feature=classic-mode"
    assert _amtool_accepts(amtool, tmp_path, {"group_by": labels}, None, classic) is valid
    assert _accepted_by_settings(_routing({"group_by": labels})) is valid
    if labels != ["..."]:
        rule = [{"source_matchers": ["a=b"], "target_matchers": ["c=d"], "equal": labels}]
        assert _amtool_accepts(amtool, tmp_path, {}, rule, classic) is valid
        assert _accepted_by_settings(_routing({}, rule)) is valid


INTERVALS = [("group_interval", "0s", False), ("repeat_interval", "0s", False), ("group_interval", "1s", True),
             ("group_wait", "0s", True), ("repeat_interval", "292y", True), ("repeat_interval", "293y", False)]


@pytest.mark.tools
@pytest.mark.parametrize("field, value, valid", INTERVALS, ids=[f"{field}={value}" for field, value, _ in INTERVALS])
def test_route_intervals_as_amtool_reads_them(amtool, tmp_path, field, value, valid):
    assert _amtool_accepts(amtool, tmp_path, {field: value}) is valid
    assert _accepted_by_settings(_routing({field: value})) is valid


RETENTIONS = [("120h", True), ("2562047h", True), ("2562048h", False), ("3000000h", False), ("90m30s", True)]


@pytest.mark.tools
@pytest.mark.parametrize("retention, valid", RETENTIONS, ids=[retention for retention, _ in RETENTIONS])
def test_retention_within_the_alertmanager_flags_range(alertmanager, retention, valid):
    """The Alertmanager CRD hands retention to the binary's --data.retention flag. An invalid --log.level makes the
    binary stop right after parsing its flags: with a valid retention it complains about the log level only."""
    result = subprocess.run([alertmanager, f"--data.retention={retention}", "--log.level=invalid"],
                            capture_output=True, text=True, timeout=60)
    assert ("invalid duration" not in result.stderr) is valid, result.stderr
    assert _accepted_by_settings({"alertmanager": {"retention": retention}}) is valid


DURATIONS = [("15s", True), ("1m30s", True), ("292y", True), ("293y", False), ("1000y", False), ("1m1h", False),
             ("１５s", False), ("15", False)]


@pytest.mark.tools
@pytest.mark.parametrize("duration, valid", DURATIONS, ids=[duration for duration, _ in DURATIONS])
def test_durations_as_promtool_reads_them(tmp_path, duration, valid):
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump({"global": {"scrape_interval": duration, "scrape_timeout": duration,
                                               "evaluation_interval": duration}}, allow_unicode=True))
    assert _accepted_by([go_tool("promtool"), "check", "config", str(path)]) is valid
    assert _accepted_by_settings({"scrapeInterval": duration, "scrapeTimeout": duration}) is valid


SLO_LABELS = [({"team": "platform"}, True), ({"team-name": "x"}, False), ({"9team": "x"}, False)]


@pytest.mark.tools
@pytest.mark.parametrize("labels, valid", SLO_LABELS, ids=[json.dumps(labels) for labels, _ in SLO_LABELS])
def test_slo_label_names_as_promtool_reads_them(tmp_path, labels, valid):
    """Label names in the classic grammar, as Prometheus 3.10's promtool reads them under the legacy name validation
    (`metric_name_validation_scheme: legacy`; its default UTF-8 mode takes any name): the settings refuse the rest,
    so every label of our rules works on a Prometheus in either mode."""
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "A", "expr": "vector(1)", "labels": labels}]}]}))
    assert _accepted_by([go_tool("promtool"), "check", "rules", str(path)])
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"metric_name_validation_scheme": "legacy"}, "scrape_configs": [
        {"job_name": "j", "static_configs": [{"targets": ["a:1"]}],
         "relabel_configs": [{"target_label": name, "replacement": value} for name, value in labels.items()]}]}))
    assert _accepted_by([go_tool("promtool"), "check", "config", str(config)]) is valid
    assert _accepted_by_settings({"slos": [{"name": "availability", "objective": 99, "labels": labels}]}) is valid

