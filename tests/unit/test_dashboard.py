"""The dashboard's shape: what Grafana's sidecar loads is a dashboard of Grafana's schema, the variables, every
query scoped by them, and a budget panel that shows overspend."""
import json

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from django_observability.builders.dashboard import build_dashboard, build_dashboard_config_map, panels
from django_observability.builders.params import stack_params
from django_observability.settings.loader import load_offline
from tests.helpers import STACKS


def _params(stack: str):
    return stack_params(stack, load_offline(stack).settings).apps[0].slo


def _through_grafanas_schema(board: dict) -> dict:
    """The dashboard read into the SDK's model of Grafana's dashboard schema and written out again: a field the
    schema does not know is lost, and a missing schemaVersion comes back as the SDK's."""
    return json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))


@pytest.mark.parametrize("stack", STACKS)
def test_the_shipped_dashboard_is_one_of_grafanas_schema(stack):
    """The JSON in the ConfigMap, as the sidecar hands it to Grafana, survives Grafana's schema unchanged, and names
    its schema version, so Grafana loads the panels as written instead of migrating them from an older schema."""
    [text] = build_dashboard_config_map(_params(stack))["data"].values()
    board = json.loads(text)
    assert board["schemaVersion"] >= 41 and _through_grafanas_schema(board) == board


def test_the_schema_check_fails_on_a_field_grafana_does_not_know_and_on_a_missing_version():
    board = build_dashboard(_params("prod"))
    misspelt = json.loads(json.dumps(board))
    misspelt["panels"][1]["feildConfig"] = misspelt["panels"][1].pop("fieldConfig")
    unversioned = {key: value for key, value in board.items() if key != "schemaVersion"}
    lost = _through_grafanas_schema(misspelt)["panels"][1]
    assert "feildConfig" not in lost and "fieldConfig" not in lost  # so the comparison above fails
    assert "schemaVersion" in _through_grafanas_schema(unversioned)  # filled in: the comparison above fails


@pytest.mark.parametrize("stack", STACKS)
def test_variables_and_datasource(stack):
    board = build_dashboard(_params(stack))
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
