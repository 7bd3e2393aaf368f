"""django-observability: Django behind gunicorn, scraped by Prometheus one port per worker, with its SLO rules,
dashboard and an HA Alertmanager cluster, as Pulumi components.

    from django_observability import AlertmanagerCluster, DjangoApp

    alerts = AlertmanagerCluster("alerts", {"replicas": 3})
    shop = DjangoApp("shop", {"image": "registry.example/shop:1.4.2", "web_concurrency": 4})

The components (and their argument types) are loaded on first use, so that the offline render and the settings,
which import this package too, load no Pulumi SDK.
"""
import importlib

_EXPORTS = {"DjangoApp": "django_app", "AlertmanagerCluster": "alertmanager",
            "DjangoAppArgs": "args", "AlertmanagerClusterArgs": "args"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"django_observability.components.{_EXPORTS[name]}"), name)
