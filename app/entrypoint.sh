#!/bin/sh
# Container start: migrate (which binds no metrics port), then gunicorn with WEB_CONCURRENCY workers.
set -eu
python manage.py migrate --noinput
exec gunicorn djangoapp.wsgi:application
