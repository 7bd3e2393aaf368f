from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_demo_component")]
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("item", models.CharField(max_length=64)),
                ("quantity", models.PositiveIntegerField()),
            ],
        ),
    ]
