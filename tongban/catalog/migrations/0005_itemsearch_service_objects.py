from django.db import migrations, models


def fill(apps, schema_editor):
    """Copy each current item's 服务对象 onto its search row (one digit per code)."""
    Item = apps.get_model("catalog", "ImplementationItem")
    Row = apps.get_model("catalog", "ItemSearch")
    batch = []
    for item_id, objects in Item.objects.filter(is_current=True).values_list("id", "service_objects").iterator():
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
        migrations.AddField(
            model_name="itemsearch",
            name="service_objects",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
