"""kube-score checks ignored on one object: the `kube-score/ignore` list kube-score reads, and each check's reason
next to it, where a reviewer sees it."""

IGNORE_ANNOTATION = "kube-score/ignore"
REASON_ANNOTATION = "django-observability.io/kube-score-ignore-"


def ignore_annotations(ignores: dict[str, str]) -> dict[str, str]:
    """check id → reason, as annotations; none when nothing is ignored."""
    if not ignores:
        return {}
    return {IGNORE_ANNOTATION: ",".join(sorted(ignores))} | {
        f"{REASON_ANNOTATION}{check}": reason for check, reason in sorted(ignores.items())}
