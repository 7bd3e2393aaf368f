"""SLO rules under real promtool: `check rules` on every rendered PrometheusRule and on every dashboard query, and
`test rules` with synthetic series for every burn-rate tier, the error budget, two apps on one Prometheus and probe
traffic."""
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic.alias_generators import to_camel

from django_observability.builders.dashboard import panels
from django_observability.builders.params import stack_params
from django_observability.builders.slo import burn_rate_alerts, rule_groups
from localrun.tools import go_tool
from django_observability.settings.loader import load_offline, validate
from django_observability.settings.slo import TIERS
from tests.helpers import STACKS

RESPONSES = "django_http_responses_total_by_status_view_method_total"
WORKER = ('namespace="app", service="app-django", pod="app-django-0", instance="10.0.0.1:5001", endpoint="metrics-1", '
          'view="index", method="GET"')
PER_MINUTE = 1000
MARGIN = 10


def _promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([go_tool("promtool"), *args], capture_output=True, text=True, timeout=600)


@pytest.mark.tools
@pytest.mark.parametrize("stack", STACKS)
def test_rendered_rules_pass_promtool_check(rendered, stack, tmp_path):
    [path] = rendered[stack].glob("prometheusrule-*.yaml")
    rule = yaml.safe_load(path.read_text())
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    result = _promtool("check", "rules", str(rules_file))
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.tools
@pytest.mark.parametrize("stack", STACKS)
def test_dashboard_queries_are_valid_promql(stack, tmp_path):
    """Each panel's query as a recording rule, so that promtool parses it."""
    settings = load_offline(stack).settings
    exprs = [target.expr for panel in panels(stack_params(stack, settings).apps[0].slo) for target in panel.targets]
    rules = [{"record": f"dashboard:panel{index}", "expr": expr} for index, expr in enumerate(exprs)]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def _settings(tier: str | None, period: str = "30d", **stack):
    """The SLO part's slice of settings with one availability SLO of 99.9% and only `tier` alerting; `stack` adds
    settings (camelCase keys), and `slo` fields of the SLO."""
    alerts = {to_camel(each.name): each.name == tier for each in TIERS}
    slo = {"name": "availability", "objective": 99.9, "period": period, "alerts": alerts, **stack.pop("slo", {})}
    plain = {"kubeContext": "dev", "image": "example/app:1", "slos": [slo], **stack}
    return stack_params("dev", validate("dev", plain, set())).apps[0].slo


def _series(errors_per_minute: str, minutes: int) -> list[dict]:
    return _app_series("app", "app-django", errors_per_minute, minutes)


def _spike_series(errors_per_minute: str, quiet: int, spike: int) -> list[dict]:
    return [{"series": f'{RESPONSES}{{{WORKER}, status="200"}}', "values": f"0+{PER_MINUTE}x{quiet + spike}"},
            {"series": f'{RESPONSES}{{{WORKER}, status="500"}}',
             "values": f"0+0x{quiet} 0+{errors_per_minute}x{spike}"}]


def _minutes(duration: str) -> int:
    from django_observability.settings.durations import parse_duration

    return int(parse_duration(duration) // 60)


def _run_tests(tmp_path: Path, settings, tests: list[dict], *more_apps) -> subprocess.CompletedProcess:
    """promtool test rules with the rule file of each app (`settings`, then `more_apps`) loaded together."""
    rule_files = []
    for index, each in enumerate((settings, *more_apps)):
        rules = tmp_path / f"rules-{index}.yml"
        rules.write_text(yaml.safe_dump({"groups": rule_groups(each)}))
        rule_files.append(str(rules))
    spec = tmp_path / "tests.yml"
    # fuzzy_compare: floats equal to within their last few bits (Prometheus 3 sums rates in another order).
    spec.write_text(yaml.safe_dump({"rule_files": rule_files, "evaluation_interval": "1m", "fuzzy_compare": True,
                                    "tests": tests}))
    return _promtool("test", "rules", str(spec))


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS, ids=[tier.name for tier in TIERS])
def test_burn_rate_alert_fires_only_when_both_windows_burn(tier, tmp_path):
    settings = _settings(tier.name)
    [slo] = settings.slos
    [alert] = burn_rate_alerts(settings, slo)
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


@pytest.mark.tools
@pytest.mark.slow
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


@pytest.mark.tools
@pytest.mark.slow
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
        {"eval_time": "120m", "expr": "sum(app:django_http_responses_total_by_status_view_method:rate5m)",
         "exp_samples": [{"labels": "{}", "value": PER_MINUTE / 60}]},
    ]}]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("period, factors", [("30d", ["14.4", "6", "3", "1"]), ("28d", ["13.44", "5.6", "2.8", "0.9333"])])
def test_workbook_factors(period, factors):
    assert [str(tier.factor(period)) for tier in TIERS] == factors


def test_no_alerts_when_every_tier_is_off():
    settings = _settings(None)
    assert burn_rate_alerts(settings, settings.slos[0]) == []
    assert json.dumps(rule_groups(settings)).count('"alert"') == 0


@pytest.mark.tools
@pytest.mark.slow
def test_overspent_budget_goes_negative(tmp_path):
    """0.2% errors against a 0.1% budget: the budget is spent twice over, -1 remains (the dashboard shows it)."""
    settings = _settings(None)
    tests = [{"interval": "1m", "input_series": _series("2", 120), "promql_expr_test": [
        {"eval_time": "120m", "expr": 'slo:error_budget_remaining:ratio{slo="availability"}',
         "exp_samples": [{"labels": 'slo:error_budget_remaining:ratio{namespace="app", service="app-django", '
                                    'slo="availability"}', "value": -1}]}]}]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _app_series(namespace: str, service: str, errors_per_minute: str, minutes: int) -> list[dict]:
    worker = WORKER.replace('namespace="app", service="app-django"', f'namespace="{namespace}", service="{service}"')
    good = PER_MINUTE - Decimal(errors_per_minute)
    return [{"series": f'{RESPONSES}{{{worker}, status="200"}}', "values": f"0+{good}x{minutes}"},
            {"series": f'{RESPONSES}{{{worker}, status="500"}}', "values": f"0+{errors_per_minute}x{minutes}"}]


@pytest.mark.tools
@pytest.mark.slow
def test_two_apps_on_one_prometheus_page_only_for_the_failing_app(tmp_path):
    """Two apps' rule files loaded together, the same SLO name in both: only the failing app pages, with its own
    labels and summary, and each app records its own objective and budget."""
    tier = TIERS[0]
    shop = _settings(tier.name, appName="shop", namespace="shop", slo={"labels": {"team": "shop"}})
    billing = _settings(tier.name, appName="billing", namespace="billing", slo={"labels": {"team": "billing"}})
    [slo] = shop.slos
    [alert] = burn_rate_alerts(shop, slo)
    minutes = _minutes(tier.long) + MARGIN
    above = str(tier.factor("30d") * slo.error_budget * 2 * PER_MINUTE)
    identity = {"shop": 'namespace="shop", service="shop", slo="availability"',
                "billing": 'namespace="billing", service="billing", slo="availability"'}
    tests = [{"interval": "1m",
              "input_series": _app_series("shop", "shop", above, minutes) + _app_series("billing", "billing", "0", minutes),
              "alert_rule_test": [{"eval_time": f"{minutes}m", "alertname": "ErrorBudgetBurn", "exp_alerts": [
                  {"exp_labels": alert["labels"], "exp_annotations": alert["annotations"]}]}],
              "promql_expr_test": [
                  {"eval_time": f"{minutes}m", "expr": "slo:objective:ratio", "exp_samples": [
                      {"labels": f"slo:objective:ratio{{{identity[app]}}}", "value": 0.999}
                      for app in ("billing", "shop")]},
                  {"eval_time": f"{minutes}m", "expr": "slo:error_budget_remaining:ratio > 0", "exp_samples": [
                      {"labels": f"slo:error_budget_remaining:ratio{{{identity['billing']}}}", "value": 1}]}]}]
    assert alert["labels"]["team"] == "shop" and alert["labels"]["namespace"] == "shop", alert["labels"]
    result = _run_tests(tmp_path, shop, tests, billing)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _view_series(view: str, status: str, per_minute: str, minutes: int) -> dict:
    worker = WORKER.replace('view="index"', f'view="{view}"')
    return {"series": f'{RESPONSES}{{{worker}, status="{status}"}}', "values": f"0+{per_minute}x{minutes}"}


@pytest.mark.tools
@pytest.mark.slow
def test_probe_and_scrape_traffic_do_not_dilute_availability(tmp_path):
    """The same users' traffic with 1% 5xx gives the same error ratio with and without probes (health, ready), hits on
    django-prometheus' metrics view and a view the stack excludes (sloExcludedViews)."""
    settings = _settings(None, sloExcludedViews=["ping"])
    minutes = 70
    users = [_view_series("index", "200", "990", minutes), _view_series("index", "500", "10", minutes)]
    probes = [_view_series("health", "200", "500", minutes), _view_series("ready", "503", "400", minutes),
              _view_series("prometheus-django-metrics", "200", "60", minutes), _view_series("ping", "200", "300", minutes)]
    expected = [{"labels": '{namespace="app", service="app-django", slo="availability"}', "value": 0.01}]
    tests = [{"interval": "1m", "input_series": series, "promql_expr_test": [
        {"eval_time": f"{minutes}m", "expr": "round(slo:sli_error:ratio_rate1h, 0.000001)", "exp_samples": expected}]}
        for series in (users, users + probes)]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.tools
@pytest.mark.slow
def test_sloth_labels_on_every_slo_rule_and_alert(tmp_path):
    """slothLabels: Sloth's labels on every SLO record and alert, and the alert still fires with them."""
    tier = TIERS[0]
    settings = _settings(tier.name, slothLabels=True)
    sloth = {"sloth_service": "app-django", "sloth_slo": "availability", "sloth_id": "app-django-availability"}
    slo_rules = [rule for group in rule_groups(settings) if "-slo-" in group["name"] for rule in group["rules"]]
    assert slo_rules and all(sloth.items() <= rule["labels"].items() for rule in slo_rules)
    [slo] = settings.slos
    [alert] = burn_rate_alerts(settings, slo)
    minutes = _minutes(tier.long) + MARGIN
    above = str(tier.factor("30d") * slo.error_budget * 2 * PER_MINUTE)
    tests = [{"interval": "1m", "input_series": _series(above, minutes), "alert_rule_test": [
        {"eval_time": f"{minutes}m", "alertname": "ErrorBudgetBurn",
         "exp_alerts": [{"exp_labels": alert["labels"], "exp_annotations": alert["annotations"]}]}]}]
    result = _run_tests(tmp_path, settings, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
