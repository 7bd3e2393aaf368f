from django.urls import path

from shop import views

# Named routes: the name is the `view` label of django-prometheus' metrics ("health" and "ready", the probes' views,
# are excluded from every SLI).
urlpatterns = [
    path("", views.index, name="index"),
    path("health/", views.health, name="health"),
    path("ready/", views.ready, name="ready"),
    path("fail/", views.fail, name="fail"),
    path("crash/", views.crash, name="crash"),
    path("db-error/", views.database_error, name="db-error"),
    path("orders/", views.order_round_trip, name="orders"),
]
