"""The app's namespace, when the stack creates it: labelled to enforce the restricted Pod Security Standard."""


def build_namespace(name: str, labels: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels | {"pod-security.kubernetes.io/enforce": "restricted"}}}
