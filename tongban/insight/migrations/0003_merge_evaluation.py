# insight-core's 0002_rollup_db_defaults and the evaluation's merge (0002_merge_evaluation) joined.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0002_merge_evaluation"),
        ("insight", "0002_rollup_db_defaults"),
    ]

    operations = []
