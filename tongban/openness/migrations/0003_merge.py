"""Joins the two roots of openness's migrations: the policies (0001_initial → 0002_keyarea) and
disclosure on request (0001_disclosure), built in parallel."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("openness", "0001_disclosure"),
        ("openness", "0002_keyarea"),
    ]

    operations = []
