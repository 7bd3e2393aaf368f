"""The app's namespace, when the stack creates it: labelled to enforce the restricted Pod Security Standard."""
from django_observability.builders.params import NamespaceParams


def build_namespace(namespace: NamespaceParams) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace.name, "labels": {"app.kubernetes.io/part-of": namespace.part_of,
                                                            "pod-security.kubernetes.io/enforce": "restricted"}}}
