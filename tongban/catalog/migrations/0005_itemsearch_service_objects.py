from django.db import migrations, models

from tongban.core.search import CreateSearchIndex


class _State:
    """What CreateSearchIndex needs of a migration state: its apps."""

    def __init__(self, apps):
        self.apps = apps


def drop_sqlite_fts(apps, schema_editor):
    """SQLite adds this column by rebuilding the table, which drops the FTS triggers: take the
    FTS index down first (PostgreSQL adds a column in place and keeps its index)."""
    if schema_editor.connection.vendor == "sqlite":
        CreateSearchIndex("itemsearch").database_backwards("catalog", schema_editor, _State(apps), None)


def create_sqlite_fts(apps, schema_editor):
    """The FTS index again, rebuilt from the rows the table holds."""
    if schema_editor.connection.vendor == "sqlite":
        CreateSearchIndex("itemsearch").database_forwards("catalog", schema_editor, None, _State(apps))
        schema_editor.execute("INSERT INTO catalog_itemsearch_fts(catalog_itemsearch_fts) VALUES ('rebuild')")


def fill(apps, schema_editor):
    """Copy each current item's 服务对象 onto its search row (one digit per code)."""
    Item = apps.get_model("catalog", "ImplementationItem")
    Row = apps.get_model("catalog", "ItemSearch")
    batch = []
    for item_id, objects in (
        Item.objects.filter(is_current=True).values_list("id", "service_objects").iterator()
    ):
        value = "".join(sorted({str(c) for c in (objects or []) if str(c).isdigit() and len(str(c)) == 1}))
        if value:
            batch.append(Row(item_id=item_id, service_objects=value))
        if len(batch) >= 2000:
            Row.objects.bulk_update(batch, ["service_objects"])
            batch = []
    if batch:
        Row.objects.bulk_update(batch, ["service_objects"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_result_license_type_code")]

    operations = [
        migrations.RunPython(drop_sqlite_fts, create_sqlite_fts),
        migrations.AddField(
            model_name="itemsearch",
            name="service_objects",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_sqlite_fts, drop_sqlite_fts),
    ]
