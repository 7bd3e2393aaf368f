"""A stack file that lists several apps: each validated with problems that name the app's entry, the apps sharing
one Alertmanager cluster, and the program registering exactly what the offline render builds. Other config
namespaces are left to whoever reads them."""
import json

import pytest
import yaml

from django_observability.builders.params import stack_params
from django_observability.builders.stack import stack_objects
from django_observability.components.resources import resource_name, type_token
from django_observability.settings.loader import SettingsError, load_offline, validate
from tests.helpers import reveal, run_program, without_patch_force

BASE = {"kubeContext": "dev"}
SHOP = {"appName": "shop", "namespace": "shop", "image": "registry.example/shop:1.4.2", "webConcurrency": 4}
BLOG = {"appName": "blog", "namespace": "blog", "image": "registry.example/blog:2.0.1"}


def _problems(plain: dict) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        validate("dev", plain, set())
    return [str(problem) for problem in raised.value.problems]


def test_each_app_is_validated_under_its_entry():
    assert _problems(BASE | {"apps": [SHOP, BLOG | {"webConcurrency": 0, "metricsMode": "shared"}]}) == [
        "django-observability:apps[1].webConcurrency: 0 — Input should be greater than or equal to 1",
        "django-observability:apps[1].metricsMode: \"shared\" — Input should be 'per-worker-ports' or 'multiprocess'"]
    assert _problems(BASE | {"apps": [SHOP, BLOG | {"namespace": "monitoring"}]}) == [
        'django-observability:apps[1].namespace: "monitoring" — must be the app\'s own namespace, not '
        "prometheusNamespace (monitoring), where Prometheus runs"]


def test_names_are_unique_and_one_app_creates_a_shared_namespace():
    assert _problems(BASE | {"apps": [SHOP, SHOP | {"namespace": "other"}]}) == [
        'django-observability:apps[1].appName: "shop" — is the name of apps[0] too; each app of a stack needs its own']
    assert _problems(BASE | {"apps": [SHOP, BLOG | {"namespace": "shop"}]}) == [
        "django-observability:apps[1].createNamespace: true — apps[0] creates namespace 'shop' already; set "
        "createNamespace: false on the other apps in it"]
    settings = validate("dev", BASE | {"apps": [SHOP, BLOG | {"namespace": "shop", "createNamespace": False}]}, set())
    assert [app.namespace for app in settings.apps] == ["shop", "shop"]


def test_an_app_setting_beside_the_apps_list_is_refused():
    assert _problems(BASE | {"apps": [SHOP], "webConcurrency": 3}) == [
        "django-observability:webConcurrency: 3 — is a setting of one app, and this stack lists its apps under apps: "
        "set it in each entry of apps that needs it"]


def test_a_one_app_stack_names_its_settings_at_the_top_level():
    assert _problems(BASE | {"image": "shop:1", "webConcurrency": 0}) == [
        "django-observability:webConcurrency: 0 — Input should be greater than or equal to 1"]


def test_other_namespaces_are_left_to_their_readers_and_a_typo_of_ours_is_still_refused(tmp_path):
    document = {"config": {"django-observability:kubeContext": "dev", "django-observability:image": "shop:1",
                           "aws:region": "eu-west-1", "gcp:project": "platform", "kubernetes:context": "dev"}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    assert load_offline("dev", tmp_path).settings.apps[0].image == "shop:1"
    document["config"]["django-observability:webConcurency"] = 3
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(SettingsError) as raised:
        load_offline("dev", tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        "django-observability:webConcurency: 3 — is not a setting of this program (see docs/settings.md); a "
        "credential must be set with --secret"]


def _multi_app_config() -> dict[str, str]:
    return {"django-observability:kubeContext": "dev",
            "django-observability:apps": json.dumps([SHOP | {"replicas": 2}, BLOG]),
            "django-observability:alertmanager": json.dumps({"replicas": 2})}


def test_the_program_registers_every_app_as_the_render_builds_it():
    mocks = run_program("dev", _multi_app_config(), [])
    registered = {(r.typ, r.name): reveal(r.inputs) for r in mocks.resources
                  if r.typ.startswith("kubernetes:") and r.typ != "pulumi:providers:kubernetes"}
    plain = {key.partition(":")[2]: json.loads(value) if value.startswith(("[", "{")) else value
             for key, value in _multi_app_config().items()}
    expected = {(type_token(obj), resource_name(obj)): obj
                for obj in stack_objects(stack_params("dev", validate("dev", plain, set())))}
    assert registered.keys() == expected.keys()
    assert all(without_patch_force(registered[key]) == obj for key, obj in expected.items())
    assert sum(r.typ == "django-observability:index:DjangoApp" for r in mocks.resources) == 2
    assert sum(r.typ == "kubernetes:monitoring.coreos.com/v1:Alertmanager" for r in mocks.resources) == 1
