"""What is generated from the settings models agrees with them: Pulumi.yaml's config block, the components'
argument types and the settings tables of docs/settings.md."""
import typing

import pulumi

from django_observability.components import args
from django_observability.settings import args_source, reference
from django_observability.settings.app import AppSettings, AppSpec
from django_observability.settings.stack import StackSettings
from tests.helpers import ROOT

REGENERATE = "run: python -m django_observability.settings.reference --write"


def test_pulumi_yaml_declares_the_stacks_optional_settings_with_the_model_default_and_no_type():
    """Pulumi checks a declared type, and requires a declared key without a default, before the program runs, with
    its own message; so nothing is declared that Pulumi would check, and the required keys are named in a comment.
    An app's settings are not declared: the CLI would hand their defaults to a stack that lists its apps."""
    assert (ROOT / "Pulumi.yaml").read_text() == reference.project_file(), REGENERATE
    block = reference.config_block()
    assert set(block) == {field.alias for field in StackSettings.model_fields.values() if not field.is_required()}
    assert not set(block) & {field.alias for field in AppSettings.model_fields.values()}
    assert block["prometheusNamespace"] == {"default": "monitoring", "description": (
        "Namespace Prometheus runs in; the NetworkPolicies admit only its pods to metrics ports and Alertmanager.")}
    assert all(set(entry) == {"description", "default"} for entry in block.values())
    assert "neither is what every stack file sets: kubeContext, image." in (ROOT / "Pulumi.yaml").read_text()


def test_component_arguments_are_generated_from_the_models():
    assert args_source.ARGS_FILE.read_text() == args_source.args_module(), REGENERATE
    declared = typing.get_type_hints(args.DjangoAppArgs)
    assert set(declared) == set(AppSpec.model_fields)
    assert args.DjangoAppArgs.__required_keys__ == {"image"}
    assert declared["slos"] == list[args.SloSpecArgs] and declared["web_concurrency"] is int
    assert args.AlertmanagerClusterArgs.__annotations__["credentials"] == dict[str, pulumi.Input[str]]


def test_settings_page_tables_are_current():
    assert (ROOT / "docs/settings.md").read_text() == reference.settings_page(), (
        "run: python -m django_observability.settings.reference --docs")


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
