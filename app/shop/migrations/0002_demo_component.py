from datetime import datetime, timedelta, timezone

from django.db import migrations


def add_demo_component(apps, schema_editor):
    Component = apps.get_model("shop", "Component")
    start = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)
    Component.objects.get_or_create(name="payments", defaults={
        "team": "platform", "last_start": start, "last_end": start + timedelta(hours=2),
        "next_start": start + timedelta(days=7), "next_end": start + timedelta(days=7, hours=2)})


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(add_demo_component, migrations.RunPython.noop)]
