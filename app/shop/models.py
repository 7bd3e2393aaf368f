from django.db import models
from django_prometheus.models import ExportModelOperationsMixin


class Component(models.Model):
    """A component with maintenance (service) windows, the source of the service-window gauges."""

    name = models.SlugField(unique=True)
    team = models.CharField(max_length=64)
    last_start = models.DateTimeField()
    last_end = models.DateTimeField()
    next_start = models.DateTimeField()
    next_end = models.DateTimeField()

    def in_window(self, moment) -> bool:
        return self.last_start <= moment < self.last_end or self.next_start <= moment < self.next_end


class Order(ExportModelOperationsMixin("order"), models.Model):
    """An order; its inserts, updates and deletes are counted by django-prometheus (`model="order"`)."""

    item = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
