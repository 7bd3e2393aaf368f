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
