from django.db import models


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
