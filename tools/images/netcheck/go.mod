module django-observability/netcheck

go 1.24
