"""The components as a Pulumi component provider: a program in any Pulumi language adds this folder with
`pulumi package add <this folder>` and constructs `django-observability:index:DjangoApp` and
`django-observability:index:AlertmanagerCluster` with typed arguments. Pulumi's component-provider hosting infers
the schema from the components' Args TypedDicts (django_observability/components/args.py) and their docstrings.

It runs on the Python found on PATH, which must have django_observability installed (tools/pulumi.sh puts the
repository's .venv first)."""
import sys

from pulumi.provider import main

from django_observability import AlertmanagerCluster, DjangoApp
from hosting import ComponentsProvider

NAME = "django-observability"
"""The package name: the prefix of the components' type tokens."""

if __name__ == "__main__":
    main(ComponentsProvider([DjangoApp, AlertmanagerCluster], NAME), sys.argv[1:])
