"""The usage log's writer (用证记录). Every use appends through `append`.

Measured over HTTP (bench/licenses.py): a usage row inserted and committed on its own cost more
than half the verification rate — the commit's WAL flush (fsync, about 3.5 ms on the bench
machine's disk), and the round trips of BEGIN, INSERT and COMMIT, not the insert itself. So on
PostgreSQL, outside a caller's transaction, the rows go in one round trip as one prepared
statement, `WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true)) INSERT ... SELECT
... FROM cfg RETURNING id` (the setting is local to the statement's own transaction and read
when it commits), and commit without waiting for the flush: the rows are committed when `append`
returns — before the response is sent — and on disk within the WAL writer's delay (≤ 3 × 200 ms
by default). Killing a web worker loses nothing; only a crash of the PostgreSQL server (or its
machine) can lose the last fraction of a second of usage rows — never a licence, a grant or an
audit event, whose transactions keep synchronous commits. Several rows go as several EXECUTEs in
one message: PostgreSQL runs them as one implicit transaction, all or none. A use inside the
caller's transaction (the cases app) is inserted and commits with it.

Why not a buffer flushed every N rows or T ms: a granian worker serves one request at a time, so
a buffer could only batch across requests by holding each response until the flush — the rate
would not rise, and rows answered for but not yet written would die with the worker.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from .models import LicenceUsage
from .verification import ensure_prepared

_FIELDS = [f for f in LicenceUsage._meta.concrete_fields if not f.primary_key]


@cache
def _append_definition() -> str:
    """`PREPARE tongban_usage_append` without its name: one row, committed asynchronously."""
    types = ", ".join(f.db_type(connection) for f in _FIELDS)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
    values = ", ".join(f"${i}" for i in range(1, len(_FIELDS) + 1))
    table = connection.ops.quote_name(LicenceUsage._meta.db_table)
    return (
        f"({types}) AS WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true)) "  # noqa: S608
        f"INSERT INTO {table} ({columns}) SELECT {values} FROM cfg RETURNING id"
    )


def append(rows: list[LicenceUsage]) -> list[LicenceUsage]:
    """Insert the rows now, in the caller's connection; sets their ids."""
    if not rows:
        return rows
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return LicenceUsage.objects.bulk_create(rows)
    one = "EXECUTE tongban_usage_append(" + ", ".join(["%s"] * len(_FIELDS)) + ")"
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows for f in _FIELDS]
    with connection.cursor() as cursor:
        ensure_prepared(cursor, "tongban_usage_append", _append_definition)
        cursor.execute("; ".join([one] * len(rows)), params)
        raw = cursor.cursor
        ids: list[int] = []
        while True:
            if raw.description is not None:
                ids.extend(r[0] for r in raw.fetchall())
            if not raw.nextset():
                break
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
    return rows
