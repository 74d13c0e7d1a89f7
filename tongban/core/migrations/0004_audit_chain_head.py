"""The audit chain's head in one round trip on PostgreSQL: `core_audit_chain_head(key)` takes
the chain's advisory transaction lock, then reads the last event's hash. A VOLATILE PL/pgSQL
function runs each statement with a fresh snapshot in READ COMMITTED, so the head is read after
the lock is granted and sees the event the previous holder committed (a plain
`SELECT pg_advisory_xact_lock(..), (SELECT hash ...)` would read with the snapshot taken before
the wait, and fork the chain). SQLite has no functions: the IMMEDIATE write lock serialises it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_audit_chain_head(lock_key bigint) RETURNS varchar
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM core_auditevent ORDER BY seq DESC LIMIT 1);
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS core_audit_chain_head(bigint)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_idempotent_requests")]

    operations = [migrations.RunPython(create, drop)]
