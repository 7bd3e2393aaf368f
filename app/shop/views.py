from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse

from shop.models import Component, Order


def index(request):
    """Reads the component names through the cache: a miss, then hits until the entry expires."""
    names = cache.get_or_set("component-names", lambda: list(Component.objects.values_list("name", flat=True)), 5)
    return JsonResponse({"app": "reference", "components": names})


def health(request):
    return HttpResponse("ok", content_type="text/plain")


def ready(request):
    """What serving needs: the database answers a query (the readiness probe; /health/ only says Django runs)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return HttpResponse(f"database unavailable: {type(error).__name__}", status=503, content_type="text/plain")
    return HttpResponse("ready", content_type="text/plain")


def fail(request):
    """Fails on demand, for error-rate and SLO tests: /fail/?status=503 answers 503 (default 500)."""
    status = int(request.GET.get("status", "500"))
    return HttpResponse(f"failing with {status}", status=status, content_type="text/plain")


def crash(request):
    """Raises, so that django-prometheus counts an exception by type and by view (Django answers 500)."""
    raise RuntimeError("crash on demand")


def database_error(request):
    """A query the database refuses, counted by django-prometheus' database backend as an error by type."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM shop_no_such_table")
    except DatabaseError as error:
        return HttpResponse(f"database error on demand: {type(error).__name__}", status=503, content_type="text/plain")
    return HttpResponse("the table exists after all", status=500, content_type="text/plain")


def order_round_trip(request):
    """Creates, updates and deletes an order: one insert, update and delete of django-prometheus' model metrics."""
    order = Order.objects.create(item=request.GET.get("item", "book"), quantity=1)
    order.quantity = 2
    order.save()
    order.delete()
    return JsonResponse({"item": order.item, "quantity": order.quantity})
