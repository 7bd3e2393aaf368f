"""Registers the service-window collector with the default registry exactly once, after the database is ready.

Registering in `ready()` would query the database before it exists (and during `migrate`); so it happens on the
first database connection of a gunicorn worker, never for an in-memory test database, and never twice.
"""
import os
import threading

from django.apps import AppConfig
from django.db.backends.signals import connection_created

_lock = threading.Lock()
_registered = False


def _is_memory_database(connection) -> bool:
    name = str(connection.settings_dict.get("NAME", ""))
    return name == ":memory:" or "mode=memory" in name


def register_collector(sender=None, connection=None, **kwargs):
    global _registered
    if _is_memory_database(connection) or os.environ.get("GUNICORN_WORKER") != "1":
        return
    with _lock:
        if _registered:
            return
        from prometheus_client import REGISTRY

        from shop.collectors import ServiceWindowCollector

        REGISTRY.register(ServiceWindowCollector())
        _registered = True


class ShopConfig(AppConfig):
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        connection_created.connect(register_collector, dispatch_uid="shop.register_collector")
