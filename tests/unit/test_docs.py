"""What the README shows is what the code does: its stack file is the committed one, and its example of bad
settings is what the program prints for them."""
import re

import pytest

from django_observability.settings.loader import SettingsError, validate
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_stack_file_is_the_committed_one():
    [(name, shown)] = re.findall(r"<!-- stack-file:begin (\S+) -->\n```yaml\n(.*?)```\n<!-- stack-file:end -->",
                                 README, re.S)
    assert shown == (ROOT / name).read_text()


def test_the_readme_error_example_is_what_the_program_prints():
    [example] = re.findall(r"^```\n(stack '.*?)^```$", README, re.M | re.S)
    values = dict(re.findall(r"django-observability:(\w+): (\S+) — ", example))
    plain = {key: value.strip('"') for key, value in values.items()}
    with pytest.raises(SettingsError) as raised:
        validate("dev", {"kubeContext": "dev", "image": "example/django-app:0.1.0",
                         "webConcurrency": int(plain.pop("webConcurrency")), **plain}, set())
    assert str(raised.value) == example.rstrip("\n")
