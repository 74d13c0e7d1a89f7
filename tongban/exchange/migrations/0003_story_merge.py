# Merge node for the story branch only (wt/story merges wt/catalogue, wt/gateway and wt/use, whose
# migrations each follow 0001_initial). The coordinator re-chains them at merge into main and can
# drop this file then.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_catalogue"),
        ("exchange", "0002_gateway"),
        ("exchange", "0002_use"),
    ]

    operations = []
