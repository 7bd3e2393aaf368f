"""The relabel model: Prometheus' defaults, per-action rules, and both renderings."""
import pytest
from pydantic import ValidationError

from django_observability.builders.relabel import static_label, to_operator, to_prometheus
from django_observability.settings.relabel import RelabelConfig


def test_defaults_are_prometheus_defaults():
    config = RelabelConfig(target_label="x")
    assert (config.action, config.regex, config.separator, config.replacement) == ("replace", "(.*)", ";", "$1")


def test_static_label_recipe_in_both_shapes():
    config = static_label("my_new_label", "my-new-label-value")
    assert to_prometheus(config) == {"source_labels": ["__address__"], "separator": ";", "target_label": "my_new_label",
                                      "regex": "(.*)", "replacement": "my-new-label-value", "action": "replace"}
    assert to_operator(config) == {"sourceLabels": ["__address__"], "separator": ";", "targetLabel": "my_new_label",
                                    "regex": "(.*)", "replacement": "my-new-label-value", "action": "replace"}


def test_static_label_escapes_dollar():
    assert static_label("cost", "$5").replacement == "$$5"


@pytest.mark.parametrize("action", ["keep", "drop", "labelmap", "labeldrop", "labelkeep"])
def test_actions_without_target_label(action):
    assert to_prometheus(RelabelConfig(action=action, regex="foo.*"))["action"] == action


def test_action_is_lowercased_like_prometheus():
    assert RelabelConfig(action="LabelDrop", regex="tmp_.*").action == "labeldrop"


def test_hashmod_renders_modulus():
    config = RelabelConfig(action="hashmod", source_labels=["__address__"], target_label="shard", modulus=4)
    assert to_operator(config) == {"sourceLabels": ["__address__"], "separator": ";", "targetLabel": "shard",
                                    "modulus": 4, "action": "hashmod"}


def test_keepequal_renders_only_its_fields():
    config = RelabelConfig(action="keepequal", source_labels=["a"], target_label="b")
    assert to_prometheus(config) == {"source_labels": ["a"], "separator": ";", "target_label": "b", "action": "keepequal"}


@pytest.mark.parametrize("fields, rule", [
    ({"action": "replace"}, "requires target_label"),
    ({"action": "hashmod", "target_label": "x"}, "modulus greater than 0"),
    ({"action": "lowercase", "target_label": "x", "replacement": "y"}, "does not use replacement"),
    ({"action": "labeldrop", "regex": "a", "source_labels": ["b"]}, "does not use source_labels"),
    ({"action": "keepequal", "target_label": "x"}, "requires source_labels"),
    ({"action": "keep", "modulus": 3}, "does not use modulus"),
    ({"action": "replace", "target_label": "1bad"}, "not a valid label name"),
    ({"action": "drop", "regex": "(?=lookahead)"}, "RE2"),
    ({"action": "drop", "regex": "[unclosed"}, "RE2"),
    ({"action": "keep", "source_labels": ["bad-name"]}, "not a Prometheus label name"),
    ({"action": "rename"}, "Input should be"),
])
def test_invalid_configs_are_rejected(fields, rule):
    with pytest.raises(ValidationError, match=rule.replace("(", r"\(").replace("?", r"\?")):
        RelabelConfig(**fields)


def test_replace_allows_templated_target_label():
    assert RelabelConfig(source_labels=["__name__"], regex="(.*)_seconds", target_label="${1}_unit").target_label == "${1}_unit"


def test_scrape_configs_have_one_job_per_worker_port_with_the_stacks_relabelings():
    """The prometheus.yml jobs the render writes for a Prometheus without the operator: one per metrics port, each
    keeping that port alone, and ending with the stack's relabel configs in prometheus.yml's snake_case."""
    from django_observability.builders.params import stack_params
    from django_observability.builders.service_monitor import build_scrape_jobs
    from django_observability.settings.loader import load_offline

    [app] = stack_params("prod", load_offline("prod").settings).apps
    jobs = build_scrape_jobs(app.monitoring)
    assert [job["job_name"] for job in jobs] == [f"app/app-django/metrics-{i}" for i in range(1, 6)]
    for index, job in enumerate(jobs, start=1):
        [port_filter] = [step for step in job["relabel_configs"]
                         if step.get("source_labels") == ["__meta_kubernetes_endpoint_port_name"]]
        assert port_filter == {"action": "keep", "source_labels": ["__meta_kubernetes_endpoint_port_name"],
                               "regex": f"metrics-{index}"}
        assert job["kubernetes_sd_configs"] == [{"role": "endpoints", "namespaces": {"names": ["app"]}}]
        assert job["relabel_configs"][-2:] == [to_prometheus(static_label("environment", "prod")),
                                               to_prometheus(static_label("team", "platform"))]
        assert (job["scrape_interval"], job["scrape_timeout"], job["metrics_path"]) == ("15s", "10s", "/metrics")
