"""The population register (人口库) at bench scale for bench/exchange.py: 10⁷ people loaded fast.

Person `i` is a pure function of `i` (`person(i)`): a valid resident ID number (region, birth
date, sequence, check character), a name and a sex, so the load generator can ask about any of
them without reading the database, and never two people share an ID number.

Each row is what `accounts.services.do_upsert_population_record` writes (the blind index with
`core.crypto.blind_index`, the ID number SM4-GCM-encrypted through `POPULATION_ID_NUMBER` and bound
to that index, the mask, sex, birth date and birthplace from the number), computed in bulk by
worker processes and COPY-ed into `accounts_populationrecord`; for a large load the table's
secondary indexes and unique constraints are dropped first and re-created after (one sort per
index instead of 10⁷ random B-tree inserts), from their own definitions read from the catalogue.

A marker table (`bench_exchange_marker`, not a Django model) says how many people the database
holds, for which column list and with which generator, so a later run reuses them.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import time

MARKER_TABLE = "bench_exchange_marker"
GENERATOR = "exchange-people-v1"
TABLE = "accounts_populationrecord"
# Hubei's prefecture-level units (6-digit codes): people are spread over them.
REGIONS = (
    "420100", "420200", "420300", "420500", "420600", "420700", "420800", "420900",
    "421000", "421100", "421200", "421300", "422800", "429004", "429005", "429006", "429021",
)  # fmt: skip
DAYS = 20000  # birth dates from 1950-01-01 over about 55 years
BORN0 = dt.date(1950, 1, 1)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌宇浩然子涵欣怡俊杰思远佳琪"
CHUNK = 200_000


def person(i: int) -> tuple[str, str]:
    """(ID number, name) of person `i` (0 <= i < 3.4e8): unique per `i`."""
    from tongban.core.identifiers import resident_id_check_char

    region = REGIONS[i % len(REGIONS)]
    j = i // len(REGIONS)
    born = BORN0 + dt.timedelta(days=j % DAYS)
    seq = j // DAYS
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 131) % len(GIVEN)]
    return first17 + resident_id_check_char(first17), name


def _rows(start: int, stop: int) -> bytes:
    """COPY text rows for people start..stop-1, in the column order of `columns()`."""
    from tongban.accounts.models import POPULATION_ID_NUMBER
    from tongban.core.crypto import blind_index
    from tongban.core.identifiers import mask_resident_id, resident_id_sex

    out = []
    for i in range(start, stop):
        pid, name = person(i)
        index = blind_index(pid, purpose="id")
        enc = POPULATION_ID_NUMBER.encrypt(pid, id_number_index=index)
        born = f"{pid[6:10]}-{pid[10:12]}-{pid[12:14]}"
        out.append(
            f"{name}\t{enc}\t{index}\t{mask_resident_id(pid)}\t{resident_id_sex(pid)}\t{born}\t{pid[:6]}\n"
        )
    return "".join(out).encode()


# The columns the bench sets, in COPY order; any other column of the table fails the load loudly.
COLUMNS = ("name", "id_number_enc", "id_number_index", "id_number_masked", "sex", "birth_date", "birthplace")


def columns() -> list[str]:
    from tongban.accounts.models import PopulationRecord

    have = [f.column for f in PopulationRecord._meta.concrete_fields if not f.primary_key]
    if sorted(have) != sorted(COLUMNS):
        raise RuntimeError(
            f"{TABLE} has columns {have}; bench/exchange_people.py writes {list(COLUMNS)}: update it"
        )
    return list(COLUMNS)


def _copy_chunk(task: tuple[str, int, int]) -> int:
    """A worker: generate one chunk and COPY it on its own connection."""
    import psycopg

    url, start, stop = task
    data = _rows(start, stop)
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit TO off")
        with conn.cursor().copy(f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            copy.write(data)
    return stop - start


def _secondary(cur) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(unique constraints as (name, definition), other indexes as (name, CREATE INDEX ...)) of
    the table, the primary key left alone."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname",
        [TABLE],
    )
    constraints = list(cur.fetchall())
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [TABLE],
    )
    return constraints, list(cur.fetchall())


def marker(cur) -> dict:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
    cur.execute(f"SELECT value::text FROM {MARKER_TABLE} WHERE key = 'people'")
    row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def _set_marker(cur, value: dict) -> None:
    cur.execute(
        f"INSERT INTO {MARKER_TABLE} (key, value) VALUES ('people', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(value)],
    )


def ensure_people(url: str, size: int, *, processes: int = 2, say=print) -> dict:
    """The register holds exactly people 0..size-1 of `person()` (and nothing else), loaded now
    or found by the marker. Returns what was done."""
    from django.db import connection, connections

    cols = columns()
    with connection.cursor() as cur:
        have = marker(cur)
        cur.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cur.fetchone()[0]
    wanted = {"people": size, "generator": GENERATOR, "columns": cols}
    if {k: have.get(k) for k in wanted} == wanted and rows == size:
        say(f"人口库: {size:,} people found (marker of {have.get('loaded_at')}), reused")
        return {k: v for k, v in have.items() if k not in ("generator", "columns")} | {"reused": True}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {MARKER_TABLE} WHERE key = 'people'")
        cur.execute(f"TRUNCATE {TABLE} RESTART IDENTITY")
        constraints, indexes = _secondary(cur)
        bulk = size >= 200_000
        if bulk:
            for name, _ in constraints:
                cur.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    connections.close_all()  # no connection crosses the fork
    tasks = [(url_for_psycopg(url), s, min(s + CHUNK, size)) for s in range(0, size, CHUNK)]
    done = 0
    t1 = time.perf_counter()
    try:
        if processes > 1 and len(tasks) > 1:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                for n in pool.imap_unordered(_copy_chunk, tasks):
                    done += n
                    if done % (CHUNK * 10) == 0 or done == size:
                        rate = done / (time.perf_counter() - t1)
                        say(f"  人口库: {done:,}/{size:,} rows copied ({rate:,.0f}/s)")
        else:
            for task in tasks:
                done += _copy_chunk(task)
        copy_seconds = time.perf_counter() - t1
        t2 = time.perf_counter()
    finally:
        if bulk:  # the product's constraints and indexes come back, from their own definitions
            with connection.cursor() as cur:
                cur.execute("SET maintenance_work_mem TO '512MB'")
                for name, definition in constraints:
                    cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
                for _, definition in indexes:
                    cur.execute(definition)
    index_seconds = time.perf_counter() - t2
    t3 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {TABLE}")
        cur.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{TABLE}')) FROM {TABLE}")
        count, table_size = cur.fetchone()
        if count != size:
            raise RuntimeError(f"{TABLE}: {count} rows after loading {size}")
        loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    facts = {
        "people": size,
        "reused": False,
        "loaded_at": loaded_at,
        "processes": processes,
        "copy_seconds": round(copy_seconds, 1),
        "index_seconds": round(index_seconds, 1),
        "vacuum_seconds": round(time.perf_counter() - t3, 1),
        "seconds": round(time.perf_counter() - t0, 1),
        "rate": round(size / (time.perf_counter() - t0), 1),
        "table_size": table_size,
    }
    with connection.cursor() as cur:  # the load's own figures stay with the marker, for later reports
        _set_marker(cur, wanted | facts)
    say(
        f"人口库: {size:,} people loaded in {facts['seconds']} s ({facts['rate']:,.0f}/s: generate + COPY "
        f"{facts['copy_seconds']} s, indexes {facts['index_seconds']} s, vacuum {facts['vacuum_seconds']} s; "
        f"table {table_size})"
    )
    return facts


def url_for_psycopg(url: str) -> str:
    """postgres://... as psycopg takes it (the project's URLs may say pgsql://)."""
    for scheme in ("pgsql://", "postgresql://"):
        if url.startswith(scheme):
            return "postgres://" + url[len(scheme) :]
    return url


def cpu_count() -> int:
    return os.cpu_count() or 1
