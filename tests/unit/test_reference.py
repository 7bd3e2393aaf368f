"""Pulumi.yaml's config block and the README's settings table agree with the settings model."""
from django_observability.settings import reference
from tests.helpers import ROOT
from django_observability.settings.stack import StackSettings


def test_pulumi_yaml_declares_every_optional_setting_with_the_model_default_and_no_type():
    """Pulumi checks a declared type, and requires a declared key without a default, before the program runs, with
    its own message; so nothing is declared that Pulumi would check, and the required keys are named in a comment."""
    assert (ROOT / "Pulumi.yaml").read_text() == reference.project_file(), "run: python -m django_observability.settings.reference --write"
    block = reference.config_block()
    fields = StackSettings.model_fields.values()
    assert set(block) == {field.alias for field in fields if not field.is_required()}
    assert block["webConcurrency"] == {"description": block["webConcurrency"]["description"], "default": 2}
    assert all(set(entry) == {"description", "default"} for entry in block.values())
    assert "not declared here: kubeContext, image." in (ROOT / "Pulumi.yaml").read_text()


def test_readme_settings_table_is_current():
    assert (ROOT / "README.md").read_text() == reference.readme(), "run: python -m django_observability.settings.reference --readme"


def test_every_declared_default_validates_as_the_engine_hands_it_over():
    """The engine passes each declared default as a string, an unset one (null) as "": every one must be accepted
    as meaning the model's default, or a stack that leaves it out would be refused under the engine."""
    import json

    from django_observability.settings.loader import validate

    passed = {}
    for key, entry in reference.config_block().items():
        default = entry["default"]
        passed[key] = "" if default is None else default if isinstance(default, str) else json.dumps(default)
    base = {"kubeContext": "dev", "image": "example/django-app:0.1.0"}
    plain = {key: json.loads(value) if value and value[0] in "[{" else value for key, value in passed.items()}
    settings = validate("dev", plain | base, set())
    assert settings.prometheus_service_account is None and settings.render_yaml_to_directory is None
