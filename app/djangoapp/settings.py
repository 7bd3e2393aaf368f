"""Settings of the reference app. The deployment contract is in the env vars read here:

- WEB_CONCURRENCY: gunicorn's worker count (gunicorn reads it itself; never set `workers` anywhere else).
- METRICS_START_PORT: the first metrics port. In per-worker-ports mode worker i exports /metrics on a port of
  range(METRICS_START_PORT, METRICS_START_PORT + WEB_CONCURRENCY); in multiprocess mode the gunicorn master
  serves the aggregate of all workers on METRICS_START_PORT.
- PROMETHEUS_MULTIPROC_DIR: set only in multiprocess mode.
- HTTP_PORT, BIND_HOST: where gunicorn and the metrics exporters listen.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "reference-app-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "djangoapp.urls"
WSGI_APPLICATION = "djangoapp.wsgi.application"
USE_TZ = True

# shop before django_prometheus: shop's ready() listens for the first database connection (which registers the
# service-window collector), and django_prometheus' ready() opens it, to count applied and unapplied migrations.
INSTALLED_APPS = ["django.contrib.contenttypes", "shop", "django_prometheus"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
DATABASES = {"default": {"ENGINE": "django_prometheus.db.backends.sqlite3",
                         "NAME": os.environ.get("DJANGO_DB_PATH", "/tmp/reference-app.sqlite3")}}
CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"}}
PROMETHEUS_EXPORT_MIGRATIONS = True

BIND_HOST = os.environ.get("BIND_HOST", "0.0.0.0")
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "1"))
METRICS_START_PORT = int(os.environ.get("METRICS_START_PORT", "5001"))
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

# Export only inside a gunicorn worker (gunicorn.conf.py marks them after the fork). `migrate`, `shell` and
# `runserver` load the same apps but must not take a port from the range, or a worker would find it taken.
if os.environ.get("GUNICORN_WORKER") == "1" and not MULTIPROCESS:
    PROMETHEUS_METRICS_EXPORT_PORT_RANGE = range(METRICS_START_PORT, METRICS_START_PORT + WEB_CONCURRENCY)
    PROMETHEUS_METRICS_EXPORT_ADDRESS = BIND_HOST

LOGGING = {"version": 1, "disable_existing_loggers": False}
