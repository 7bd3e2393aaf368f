"""Pulumi.yaml's config block and the README's settings table agree with the settings model."""
from stacks import reference
from stacks.loader import ROOT
from stacks.settings import StackSettings


def test_pulumi_yaml_declares_every_setting_with_the_model_default():
    assert (ROOT / "Pulumi.yaml").read_text() == reference.project_file(), "run: python -m stacks.reference --write"
    block = reference.config_block()
    assert set(block) == {field.alias for field in StackSettings.model_fields.values()}
    assert block["webConcurrency"] == {"type": "integer", "description": block["webConcurrency"]["description"],
                                       "default": 2}
    assert "default" not in block["kubeContext"] and "default" not in block["image"]


def test_readme_settings_table_is_current():
    assert (ROOT / "README.md").read_text() == reference.readme(), "run: python -m stacks.reference --readme"
