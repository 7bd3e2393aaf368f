module django-observability/pause

go 1.24
