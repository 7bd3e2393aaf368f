"""kube-score checks ignored on one object: the `kube-score/ignore` list kube-score reads, and each check's reason
next to it, where a reviewer sees it. Some ignores follow from an object's shape, and hold only while it has it."""

IGNORE_ANNOTATION = "kube-score/ignore"
REASON_ANNOTATION = "django-observability.io/kube-score-ignore-"
CPU_BURST = ("its CPU limit is above the request on purpose: CPU is compressible, and the container bursts at "
             "start-up and under spikes instead of being throttled at the request")
DIGEST_PINNED = ("the image is pinned by digest, so every pull yields the same content: IfNotPresent spares the "
                 "registry and pod starts while a registry is down")


def shape_ignores(resources: dict, image: str, pull_policy: str) -> dict[str, str]:
    """The ignores that a container's resources ({requests, limits}) and image make right."""
    ignores = {}
    if resources["requests"]["cpu"] != resources["limits"]["cpu"]:
        ignores |= {"container-cpu-requests-equal-limits": CPU_BURST, "container-resource-requests-equal-limits": CPU_BURST}
    if "@sha256:" in image and pull_policy != "Always":
        ignores["container-image-pull-policy"] = DIGEST_PINNED
    return ignores


def ignore_annotations(ignores: dict[str, str]) -> dict[str, str]:
    """check id → reason, as annotations; none when nothing is ignored."""
    if not ignores:
        return {}
    return {IGNORE_ANNOTATION: ",".join(sorted(ignores))} | {
        f"{REASON_ANNOTATION}{check}": reason for check, reason in sorted(ignores.items())}
