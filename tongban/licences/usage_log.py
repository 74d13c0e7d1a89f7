"""The usage log's writer (用证记录). Every use appends through `append`.

Measured over HTTP (bench/licenses.py): a usage row inserted and committed on its own cost more
than half the verification rate — the commit's WAL flush (fsync), and the round trips of BEGIN,
INSERT and COMMIT, not the insert itself. So on PostgreSQL, outside a caller's transaction, the
rows go in one round trip — `BEGIN; SET LOCAL synchronous_commit TO OFF; INSERT ... RETURNING id;
COMMIT` sent as one simple query (Django's psycopg 3 cursors bind parameters client-side, which
allows several statements) — and commit without waiting for the flush: the rows are committed when
`append` returns and on disk within the WAL writer's delay (≤ 3 × 200 ms by default). Killing a web
worker loses nothing; only a crash of the PostgreSQL server can lose the last fraction of a second
of usage rows — never a licence, a grant or an audit event, whose transactions keep synchronous
commits. A use inside the caller's transaction (the cases app) is inserted and commits with it.
"""

from __future__ import annotations

from django.db import connection

from .models import LicenceUsage

_FIELDS = [f for f in LicenceUsage._meta.concrete_fields if not f.primary_key]


def append(rows: list[LicenceUsage]) -> list[LicenceUsage]:
    """Insert the rows now, in the caller's connection; sets their ids."""
    if not rows:
        return rows
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return LicenceUsage.objects.bulk_create(rows)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
    one = "(" + ", ".join(["%s"] * len(_FIELDS)) + ")"
    values = ", ".join([one] * len(rows))
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows for f in _FIELDS]
    table = connection.ops.quote_name(LicenceUsage._meta.db_table)
    sql = (
        "BEGIN; SET LOCAL synchronous_commit TO OFF; "  # noqa: S608 - names from the model, values bound
        f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING id; COMMIT"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.cursor
        ids: list[int] = []
        while True:
            if raw.description is not None:
                ids = [r[0] for r in raw.fetchall()]
            if not raw.nextset():
                break
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
    return rows
