# The insight app's two root migrations (insight-core's rollups, the evaluation's models) joined.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_evaluation"),
        ("insight", "0001_initial"),
    ]

    operations = []
