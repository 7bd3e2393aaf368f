"""django-observability: Django behind gunicorn, scraped by Prometheus one port per worker, with its SLO rules,
dashboard and an HA Alertmanager cluster."""
