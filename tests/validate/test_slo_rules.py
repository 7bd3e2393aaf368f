"""SLO rules under real promtool: `check rules` on every rendered PrometheusRule, and `test rules` with synthetic
series for every burn-rate tier and for the error budget."""
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic.alias_generators import to_camel

from builders.dashboard import panel_queries
from builders.params import stack_params
from builders.slo import burn_rate_alerts, rule_groups
from localrun.tools import require_binary
from stacks.loader import load_offline, validate
from stacks.slo import TIERS
from tests.helpers import STACKS

RESPONSES = "django_http_responses_total_by_status_total"
WORKER = 'namespace="app", service="app-django", pod="app-django-0", instance="10.0.0.1:5001", endpoint="metrics-1"'
PER_MINUTE = 1000
MARGIN = 10


def _promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([require_binary("promtool"), *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_rules_pass_promtool_check(rendered, stack, tmp_path):
    [path] = rendered[stack].glob("prometheusrule-*.yaml")
    rule = yaml.safe_load(path.read_text())
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    result = _promtool("check", "rules", str(rules_file))
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("stack", STACKS)
def test_dashboard_queries_are_valid_promql(stack, tmp_path):
    """Each panel's query as a recording rule, so that promtool parses it."""
    settings = load_offline(stack).settings
    rules = [{"record": f"dashboard:panel{index}", "expr": expr}
             for index, (_, _, expr, _) in enumerate(panel_queries(stack_params(stack, settings).slo))]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def _settings(tier: str | None, period: str = "30d"):
    """The SLO part's slice of settings with one availability SLO of 99.9% and only `tier` alerting."""
    alerts = {to_camel(each.name): each.name == tier for each in TIERS}
    slo = {"name": "availability", "objective": 99.9, "period": period, "alerts": alerts}
    return stack_params("dev", validate("dev", {"kubeContext": "dev", "image": "example/app:1", "slos": [slo]}, set())).slo


def _series(errors_per_minute: str, minutes: int) -> list[dict]:
    good = PER_MINUTE - Decimal(errors_per_minute)
    return [{"series": f'{RESPONSES}{{{WORKER}, status="200"}}', "values": f"0+{good}x{minutes}"},
            {"series": f'{RESPONSES}{{{WORKER}, status="500"}}', "values": f"0+{errors_per_minute}x{minutes}"}]


def _spike_series(errors_per_minute: str, quiet: int, spike: int) -> list[dict]:
    return [{"series": f'{RESPONSES}{{{WORKER}, status="200"}}', "values": f"0+{PER_MINUTE}x{quiet + spike}"},
            {"series": f'{RESPONSES}{{{WORKER}, status="500"}}',
             "values": f"0+0x{quiet} 0+{errors_per_minute}x{spike}"}]


def _minutes(duration: str) -> int:
    from stacks.durations import parse_duration

    return int(parse_duration(duration) // 60)


def _run_tests(tmp_path: Path, settings, tests: list[dict]) -> subprocess.CompletedProcess:
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": rule_groups(settings)}))
    spec = tmp_path / "tests.yml"
    spec.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": tests}))
    return _promtool("test", "rules", str(spec))


@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
def test_burn_rate_alert_fires_only_when_both_windows_burn(tier, tmp_path):
    settings = _settings(tier.name)
    [slo] = settings.slos
    [alert] = burn_rate_alerts(settings.identity, slo)
    threshold = tier.factor("30d") * slo.error_budget  # an error ratio
    long, short = _minutes(tier.long), _minutes(tier.short)
    minutes = long + MARGIN
    expected = [{"exp_labels": {"namespace": "app", "service": "app-django", **alert["labels"]},
                 "exp_annotations": alert["annotations"]}]

    def case(series, exp_alerts, eval_minutes):
        return {"interval": "1m", "input_series": series, "alert_rule_test": [
            {"eval_time": f"{eval_minutes}m", "alertname": "ErrorBudgetBurn", "exp_alerts": exp_alerts}]}

    above = str(threshold * Decimal("1.25") * PER_MINUTE)   # errors per minute out of PER_MINUTE
    below = str(threshold * Decimal("0.9") * PER_MINUTE)
    # Six times the threshold for just over the short window: the long window sees half the threshold.
    spike = str(threshold * 6 * PER_MINUTE)
    tests = [case(_series(above, minutes), expected, minutes),
             case(_series(below, minutes), [], minutes),
             case(_spike_series(spike, minutes - short - 1, short + 1), [], minutes)]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "SUCCESS" in result.stdout


def test_rules_tests_can_fail(tmp_path):
    """Negative control: expecting the alert below the threshold makes promtool fail."""
    tier = TIERS[0]
    settings = _settings(tier.name)
    [slo] = settings.slos
    below = str(tier.factor("30d") * slo.error_budget * Decimal("0.9") * PER_MINUTE)
    minutes = _minutes(tier.long) + MARGIN
    tests = [{"interval": "1m", "input_series": _series(below, minutes), "alert_rule_test": [
        {"eval_time": f"{minutes}m", "alertname": "ErrorBudgetBurn",
         "exp_alerts": [{"exp_labels": {"severity": "critical"}}]}]}]
    assert _run_tests(tmp_path, settings, tests).returncode != 0


def test_error_budget_remaining_for_a_known_history(tmp_path):
    """0.05% errors against a 0.1% budget for two hours: half the budget remains."""
    settings = _settings(None)
    tests = [{"interval": "1m", "input_series": _series("0.5", 120), "promql_expr_test": [
        {"eval_time": "120m", "expr": 'slo:error_budget_remaining:ratio{slo="availability"}',
         "exp_samples": [{"labels": 'slo:error_budget_remaining:ratio{namespace="app", service="app-django", '
                                    'slo="availability"}', "value": 0.5}]},
        {"eval_time": "120m", "expr": "slo:sli_error:ratio_rate1h",
         "exp_samples": [{"labels": 'slo:sli_error:ratio_rate1h{namespace="app", service="app-django", '
                                    'slo="availability"}', "value": 0.0005}]},
        {"eval_time": "120m", "expr": "sum(app:django_http_responses_total_by_status:rate5m)",
         "exp_samples": [{"labels": "{}", "value": PER_MINUTE / 60}]},
    ]}]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("period, factors", [("30d", ["14.4", "6", "3", "1"]), ("28d", ["13.44", "5.6", "2.8", "0.9333"])])
def test_workbook_factors(period, factors):
    assert [str(tier.factor(period)) for tier in TIERS] == factors


def test_no_alerts_when_every_tier_is_off():
    settings = _settings(None)
    assert burn_rate_alerts(settings.identity, settings.slos[0]) == []
    assert json.dumps(rule_groups(settings)).count('"alert"') == 0
