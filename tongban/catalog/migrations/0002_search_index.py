from django.db import migrations

from tongban.core.search import CreateSearchIndex


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [CreateSearchIndex("implementationitem", "search_text", condition="is_current")]
