"""A test program (the __main__.py of a project the test writes): one ConfigMap registered the way the program
registers every object, holding a secret Output when LEAK is set - what a real credential that reached a rendered
file looks like to the provider."""
import os

import pulumi
import pulumi_kubernetes as k8s

from django_observability.components.resources import register

value = "a-real-credential"
provider = k8s.Provider("kubernetes", render_yaml_to_directory=os.environ["DJANGO_OBSERVABILITY_RENDER_DIR"])
register({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leak", "namespace": "default"},
          "data": {"value": pulumi.Output.secret(value) if os.environ.get("LEAK") else value}},
         pulumi.ResourceOptions(provider=provider))
