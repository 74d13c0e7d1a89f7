"""The public library's per-issuer order: a word search of one issuing body walks that body's
public policies newest first and stops at the candidate cap, instead of testing every policy of
the body (bench/README.md, policy_search.py)."""

from django.db import migrations

ISSUER_DATE_INDEX = (
    "CREATE INDEX openness_policy_issuer_date ON openness_policy (issuer_id, published_on DESC, id DESC) "
    "WHERE state IN ('published', 'repealed')"
)


class Migration(migrations.Migration):
    dependencies = [("openness", "0002_keyarea")]

    operations = [
        migrations.RunSQL(ISSUER_DATE_INDEX, "DROP INDEX IF EXISTS openness_policy_issuer_date"),
    ]
