"""The usage log's writer (用证记录). Every use appends through `append`.

Measured over HTTP (bench/licenses.py): a usage row inserted and committed on its own cost more
than half the verification rate, the time going to the commit's WAL flush (fsync), not to the
insert. So on PostgreSQL a use's own log transaction commits with `synchronous_commit = off`:
the row is in the WAL buffer when `append` returns and on disk within the WAL writer's delay
(200 ms by default, at most three times that). Killing a web worker loses nothing (the commit
has happened); only a crash of the PostgreSQL server itself can lose the last fraction of a
second of usage rows — never a licence, a grant or an audit event, whose transactions keep the
synchronous commit. A use inside the caller's transaction (the cases app) commits with it.
"""

from __future__ import annotations

from django.db import connection, transaction

from .models import LicenceUsage


def append(rows: list[LicenceUsage]) -> list[LicenceUsage]:
    """Insert the rows now, in the caller's connection (one multi-row INSERT)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return LicenceUsage.objects.bulk_create(rows)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return LicenceUsage.objects.bulk_create(rows)
