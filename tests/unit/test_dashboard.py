"""The dashboard's shape: the SDK's current schema, the variables, every query scoped by them, and a budget panel
that shows overspend."""
import pytest
from grafana_foundation_sdk.models.dashboard import Dashboard

from django_observability.builders.dashboard import build_dashboard, panels
from django_observability.builders.params import stack_params
from django_observability.settings.loader import load_offline
from tests.helpers import STACKS


def _params(stack: str):
    return stack_params(stack, load_offline(stack).settings).apps[0].slo


@pytest.mark.parametrize("stack", STACKS)
def test_schema_variables_and_datasource(stack):
    board = build_dashboard(_params(stack))
    assert board["schemaVersion"] == Dashboard().schema_version >= 41
    assert [variable["name"] for variable in board["templating"]["list"]] == [
        "datasource", "namespace", "service", "view", "method"]
    queries = [panel for panel in board["panels"] if panel["type"] != "row"]
    assert queries and all(panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"} for panel in queries)


@pytest.mark.parametrize("stack", STACKS)
def test_every_query_selects_the_chosen_app(stack):
    for panel in panels(_params(stack)):
        for target in panel.targets:
            assert 'namespace="$namespace", service="$service"' in target.expr, (panel.title, target.expr)


def test_budget_panel_shows_overspend():
    """Remaining budget goes below 0 when it is overspent: no floor at 0 and no ceiling, and red below 0."""
    board = build_dashboard(_params("prod"))
    budgets = [panel for panel in board["panels"] if "error budget remaining" in panel.get("title", "")]
    assert len(budgets) == 2
    for panel in budgets:
        defaults = panel["fieldConfig"]["defaults"]
        assert "min" not in defaults and "max" not in defaults, defaults
        steps = defaults["thresholds"]["steps"]
        assert steps[0] == {"value": None, "color": "red"} and steps[1]["value"] == 0, steps


def test_burn_rate_panels_draw_the_alert_thresholds():
    params = _params("prod")
    burns = [panel for panel in panels(params) if panel.title.endswith("burn rate per window (lines: alert thresholds)")]
    assert [[value for value, _ in panel.thresholds[1:]] for panel in burns] == [[1, 3, 6, 14.4]] * 2
