"""The time partitions of the readings table (PostgreSQL only; SQLite keeps one plain table).

Migration 0002_iot creates `supervision_reading` partitioned by range of `taken_at` and the SQL
function `supervision_reading_partition(day)`, which creates the month's partition (UTC) unless
it exists (under an advisory lock, so two workers may race). The worker ensures the months of
each batch before inserting; `manage.py supervision iot-maintain` creates the coming months and
drops the months older than the retention.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

PREFIX = "supervision_reading_"


def ensure_months(months) -> list[str]:
    """Create the partitions of these (year, month)s; returns their names ([] on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    names = []
    with connection.cursor() as cursor:
        for year, month in sorted(months):
            cursor.execute("SELECT supervision_reading_partition(%s::date)", [dt.date(year, month, 1)])
            names.append(cursor.fetchone()[0])
    return names


def month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def ensure_ahead(today: dt.date, *, ahead: int = 2) -> list[str]:
    return ensure_months({month_add(today.year, today.month, n) for n in range(-1, ahead + 1)})


def partitions() -> list[str]:
    """The partitions' names, oldest first."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'supervision_reading' ORDER BY c.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def drop_before(year: int, month: int) -> list[str]:
    """Drop the partitions of the months before (year, month): the retention of raw readings."""
    keep_from = f"{PREFIX}{year:04d}{month:02d}"
    dropped = []
    with connection.cursor() as cursor:
        for name in partitions():
            if name < keep_from and name[len(PREFIX) :].isdigit():
                cursor.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
    return dropped
