from django.db import migrations


class Migration(migrations.Migration):
    """The app's root: each part's first migration depends on this one."""

    initial = True
    dependencies: list = []
    operations: list = []
