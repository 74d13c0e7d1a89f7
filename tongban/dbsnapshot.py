"""Snapshots of the test database's whole content, so that a slow, deterministic set-up (the
demo: `seed demo`, about half a minute) runs once per test process and every later test that
needs it gets the same rows back in a second or two.

- SQLite: the `sqlite3` online-backup API copies every page (tables, FTS indexes,
  `sqlite_sequence`) into an in-memory database, and back.
- PostgreSQL: `COPY ... TO STDOUT` of every table of the schema into memory; a restore truncates
  them all, copies the rows back with triggers and foreign-key checks off
  (`session_replication_role = replica`: the rows were consistent when taken, and trigger-kept
  columns are copied as they were), then moves each owned sequence past its column's maximum
  and each sequence no column owns to the value it had when taken (or on, never back).

A restore replaces everything in the database, so take and restore only outside a transaction
(`transactional_db` tests; `available()` says whether the connection is in one) and before the
test writes anything of its own.

`save(snapshot, path)` and `load(path)` keep a snapshot in a file, so that the test processes of
one run (pytest-xdist's workers, each with its own test database of the same migrations) share
one seed: an SQLite database file, or the tables' binary COPY data in one pickle.
"""

from __future__ import annotations

import io
import pickle
import sqlite3
from dataclasses import dataclass

from django.db import connections
from psycopg import sql


@dataclass
class Snapshot:
    vendor: str
    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] | None = None
    # PostgreSQL sequences no column owns (e.g. the hotline's ticket numbers): their last values.
    sequences: dict[str, int] | None = None


def available(using: str = "default") -> bool:
    connection = connections[using]
    return connection.vendor in ("sqlite", "postgresql") and not connection.in_atomic_block


def take(using: str = "default") -> Snapshot:
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return Snapshot("sqlite", sqlite=copy)
    tables = {}
    with connection.connection.cursor() as cursor:
        for table in _pg_tables(cursor):
            buffer = io.BytesIO()
            with cursor.copy(
                sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(table))
            ) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            tables[table] = buffer.getvalue()
        sequences = {}
        for name in _pg_free_sequences(cursor):
            cursor.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(name)))
            last, called = cursor.fetchone()
            if called:
                sequences[name] = last
    return Snapshot("postgresql", tables=tables, sequences=sequences)


def save(snapshot: Snapshot, path) -> None:
    """Write `snapshot` to the file `path` (see `load`)."""
    if snapshot.vendor == "sqlite":
        target = sqlite3.connect(str(path))
        try:
            snapshot.sqlite.backup(target)
        finally:
            target.close()
        return
    with open(path, "wb") as file:
        pickle.dump(
            {"tables": snapshot.tables, "sequences": snapshot.sequences},
            file,
            protocol=pickle.HIGHEST_PROTOCOL,
        )


def load(path, vendor: str) -> Snapshot:
    """The snapshot of `vendor` ("sqlite" or "postgresql") that `save` wrote to `path`."""
    if vendor == "sqlite":
        source = sqlite3.connect(str(path))
        try:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(copy)
        finally:
            source.close()
        return Snapshot("sqlite", sqlite=copy)
    with open(path, "rb") as file:
        saved = pickle.load(file)  # noqa: S301 - our own file of this run
    return Snapshot("postgresql", tables=saved["tables"], sequences=saved["sequences"])


def restore(snapshot: Snapshot, using: str = "default") -> None:
    connection = connections[using]
    connection.ensure_connection()
    if snapshot.vendor != connection.vendor:
        raise ValueError(f"a {snapshot.vendor} snapshot cannot be restored into {connection.vendor}")
    if snapshot.vendor == "sqlite":
        snapshot.sqlite.backup(connection.connection)
        return
    with connection.connection.cursor() as cursor:
        names = sql.SQL(", ").join(sql.Identifier(t) for t in _pg_tables(cursor))
        cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))
        cursor.execute("SET session_replication_role = replica")
        try:
            for table, data in snapshot.tables.items():
                if data:
                    statement = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(table))
                    with cursor.copy(statement) as copy:
                        copy.write(data)
        finally:
            cursor.execute("SET session_replication_role = origin")
        cursor.execute(
            "SELECT s.relname, t.relname, a.attname FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
            "JOIN pg_namespace n ON n.oid = s.relnamespace "
            "WHERE s.relkind = 'S' AND n.nspname = current_schema()"
        )
        for sequence, table, column in cursor.fetchall():
            cursor.execute(
                sql.SQL("SELECT setval({}, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)").format(
                    sql.Literal(sequence), sql.Identifier(column), sql.Identifier(table)
                )
            )
        # A sequence no column owns goes on after the value it had when taken (never back): the
        # restored rows may carry its values (a ticket number is the day's base + nextval).
        free = set(_pg_free_sequences(cursor))
        for sequence, last in (snapshot.sequences or {}).items():
            if sequence in free:
                cursor.execute(
                    sql.SQL("SELECT setval({}, GREATEST(%s, (SELECT last_value FROM {})), true)").format(
                        sql.Literal(sequence), sql.Identifier(sequence)
                    ),
                    [last],
                )


def _pg_free_sequences(cursor) -> list[str]:
    """The schema's sequences that no column owns (owned ones are moved past their column)."""
    cursor.execute(
        "SELECT s.relname FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
        "WHERE s.relkind = 'S' AND n.nspname = current_schema() AND NOT EXISTS ("
        "SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype IN ('a', 'i')) ORDER BY s.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def _pg_tables(cursor) -> list[str]:
    """The schema's tables that hold rows: plain tables and partitions, not a partitioned
    table's parent (COPY cannot read it; its partitions are copied instead)."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]
