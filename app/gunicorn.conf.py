"""gunicorn settings of the reference app.

`workers` is deliberately absent: gunicorn reads WEB_CONCURRENCY itself, and the port range, the container ports
and the ServiceMonitor endpoints are all derived from that same number. The app is never preloaded: every worker
must load Django itself, so that each binds its own metrics port (per-worker-ports) or writes its own files
(multiprocess).
"""
import os
import shutil
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import structlog

import access_log

bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('HTTP_PORT', '5000')}"
preload_app = False
accesslog = "-"
errorlog = "-"
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")
# The Deployment sets it from the stack's shutdown.gracefulTimeoutSeconds, below its termination grace period.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
control_socket_disable = True  # no runtime control socket: the root filesystem is read-only and nothing uses it

_pre_chain = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso"),
    access_log.combined_logformat,
]
# gunicorn logs through two handlers, `console` and `error_console`; overriding both makes every line JSON.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": structlog.stdlib.ProcessorFormatter, "processor": structlog.processors.JSONRenderer(),
                 "foreign_pre_chain": _pre_chain},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if MULTIPROC_DIR:
        # prometheus_client requires the directory to be empty when gunicorn starts.
        directory = Path(MULTIPROC_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for entry in directory.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def post_fork(server, worker):
    # Runs in the new worker before it loads Django: the settings export metrics only where this is set.
    os.environ["GUNICORN_WORKER"] = "1"


def post_worker_init(worker):
    # Django is loaded now; opening the database connection registers the service-window collector (shop.apps).
    from django.db import connection

    connection.ensure_connection()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _aggregate_metrics(environ, start_response):
    """The sum of every worker's metrics, from a new registry at each scrape (files of dead workers included)."""
    from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return make_wsgi_app(registry)(environ, start_response)


def when_ready(server):
    if MULTIPROC_DIR:
        httpd = make_server(os.environ.get("BIND_HOST", "0.0.0.0"), int(os.environ["METRICS_START_PORT"]),
                            _aggregate_metrics, handler_class=_QuietHandler)
        threading.Thread(target=httpd.serve_forever, name="multiprocess-metrics", daemon=True).start()
        server.log.info("serving aggregated metrics on port %s", os.environ["METRICS_START_PORT"])


def child_exit(server, worker):
    if MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
