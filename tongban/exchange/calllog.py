"""The gateway's call log: one row per call, allowed or refused, hash-chained like the audit chain.

Appending and chaining are two steps, so that no call waits on a lock:

- `append(...)` inserts the row unchained (`seq` empty): one INSERT, in whatever transaction the
  caller is in (the HTTP API runs in autocommit, so the row commits at once);
- `seal()` links every committed unchained row to the end of the chain, in id order, giving it the
  next `seq`, `prev_hash` and `hash` = SM3(prev_hash ‖ canonical JSON of the row, seq included).
  Sealing is serialised (a PostgreSQL advisory lock, tried without waiting: a worker that finds
  another sealing simply leaves it the work; SQLite's write lock). A row committed late (its id
  lower than rows already sealed) is sealed in a later pass with a later `seq`: the chain's order
  is `seq`, never the id, so nothing is ever re-chained.

`maybe_seal()` runs after each append at most once per `EXCHANGE_SEAL_INTERVAL` seconds per
process (default 1 s), so under load a row is chained within about a second; `manage.py exchange
verify-log` seals what is left first. `verify()` walks the chain in `seq` order: a gap in `seq`
(a deleted row), a `prev_hash` that is not the previous row's hash, or a hash that does not match
the row's content names the first broken row. A row is editable without detection only between
its insert and its sealing (about a second).

The subject of a call is kept as a blind index (`subject_index`: HMAC-SM3 under the platform's
blind-index key, purpose "id" for ID numbers — the same index accounts keep, so a person's reads
are found by their own index — and "credit" for credit codes) and a masked form; never in plain text.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass
from functools import cache
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tongban.core.crypto import blind_index, sm3_hex
from tongban.core.identifiers import mask_resident_id

from .models import CallLog

_PG_SEAL_LOCK = 0x65786368  # "exch"
SEAL_BATCH = 5000

# Blind-index purposes of call subjects, by kind (handlers.RESIDENT_ID / CREDIT_CODE).
_INDEX_PURPOSE = {"resident_id": "id", "credit_code": "credit"}


def subject_index(subject: str, kind: str) -> str:
    """The blind index a call's subject is logged under: for an ID number the same as
    accounts' `id_number_index` (purpose "id"); for a credit code purpose "credit"."""
    if not subject:
        return ""
    return blind_index(subject, purpose=_INDEX_PURPOSE.get(kind, kind))


def mask(subject: str) -> str:
    """`4201**********123X` (the first four and the last four characters)."""
    return mask_resident_id(subject) if subject else ""


def genesis() -> str:
    return sm3_hex(f"{settings.AUDIT_CHAIN_GENESIS}:exchange-calllog".encode())


def _canonical(row: CallLog) -> bytes:
    body = {
        "seq": row.seq,
        "id": row.pk,
        "at": row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "service_code": row.service_code,
        "client_id": row.client_id,
        "department_id": row.department_id,
        "grant_id": row.grant_id,
        "purpose": row.purpose,
        "case_number": row.case_number,
        "subject_index": row.subject_index,
        "subject_masked": row.subject_masked,
        "fields": list(row.fields or []),
        "outcome": row.outcome,
        "error_code": row.error_code,
        "latency_ms": float(row.latency_ms),
        "node": row.node,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, row: CallLog) -> str:
    return sm3_hex(prev_hash.encode() + _canonical(row))


def row(
    *,
    service_code: str,
    outcome: str,
    client_id: str = "",
    department_id: int | None = None,
    grant_id: int | None = None,
    purpose: str = "",
    case_number: str = "",
    subject_index: str = "",
    subject_masked: str = "",
    fields=(),
    error_code: str = "",
    latency_ms: float = 0.0,
    node: str = "",
    at=None,
) -> dict:
    """One row's column values, cut to the columns' lengths."""
    return {
        "at": at or timezone.now(),
        "service_code": service_code[:40],
        "client_id": client_id[:100],
        "department_id": department_id,
        "grant_id": grant_id,
        "purpose": purpose[:40],
        "case_number": case_number[:50],
        "subject_index": subject_index,
        "subject_masked": subject_masked[:30],
        "fields": list(fields),
        "outcome": outcome,
        "error_code": error_code,
        "latency_ms": round(float(latency_ms), 3),
        "node": node[:60],
        "prev_hash": "",
        "hash": "",
    }


def append(**values) -> int:
    """Insert one unchained row (`row(**values)`); return its id. Sealing follows (`maybe_seal`)."""
    return append_rows([row(**values)])[0]


_COLUMNS = (
    "at",
    "service_code",
    "client_id",
    "department_id",
    "grant_id",
    "purpose",
    "case_number",
    "subject_index",
    "subject_masked",
    "fields",
    "outcome",
    "error_code",
    "latency_ms",
    "node",
    "prev_hash",
    "hash",
)
_FIELDS = [CallLog._meta.get_field(c) for c in _COLUMNS]
_PREPARED_NAME = "tongban_calllog_append"
_prepared: WeakKeyDictionary = WeakKeyDictionary()  # raw connection -> prepared


def append_rows(rows: list[dict]) -> list[int]:
    """Insert the rows (dicts from `row`) now, in the caller's connection; return their ids.

    This is on every call's path. On PostgreSQL, outside the caller's transaction, the rows go in
    one round trip as EXECUTEs of one prepared statement, `WITH cfg AS (SELECT
    set_config('synchronous_commit', 'off', true)) INSERT … RETURNING id` (the licences usage
    log's technique): committed when this returns — before the answer is sent — without waiting
    for the WAL flush. Killing a web worker loses nothing answered; only a crash of the PostgreSQL
    server can lose the last fraction of a second of call-log rows (≤ 3 × wal_writer_delay).
    `EXCHANGE_LOG_SYNCHRONOUS_COMMIT = True` waits for the flush instead. Several rows in one
    message run as one implicit transaction: all or none. Inside the caller's transaction (and on
    SQLite) a multi-row INSERT that commits with it."""
    if not rows:
        return []
    params = [f.get_db_prep_save(r[f.attname], connection) for r in rows for f in _FIELDS]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        ids = _execute_prepared(rows, params)
    else:
        qn = connection.ops.quote_name
        one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        sql = (
            f"INSERT INTO {qn(CallLog._meta.db_table)} ({', '.join(qn(c) for c in _COLUMNS)}) "  # noqa: S608
            f"VALUES {', '.join([one] * len(rows))} RETURNING {qn('id')}"
        )
        with connection.cursor() as cur:
            cur.execute(sql, params)
            ids = [r[0] for r in cur.fetchall()]
        ids.sort()  # RETURNING order is not promised; ids are given in VALUES order
    maybe_seal()
    return ids


def _definition() -> str:
    return _definition_for(bool(getattr(settings, "EXCHANGE_LOG_SYNCHRONOUS_COMMIT", False)))


@cache
def _definition_for(synchronous: bool) -> str:
    qn = connection.ops.quote_name
    types = ", ".join(f.db_type(connection) for f in _FIELDS)
    values = ", ".join(f"${i}" for i in range(1, len(_FIELDS) + 1))
    sync = "on" if synchronous else "off"
    return (
        f"({types}) AS WITH cfg AS (SELECT set_config('synchronous_commit', '{sync}', true)) "  # noqa: S608
        f"INSERT INTO {qn(CallLog._meta.db_table)} ({', '.join(qn(c) for c in _COLUMNS)}) "
        f"SELECT {values} FROM cfg RETURNING id"
    )


def _execute_prepared(rows: list[dict], params: list) -> list[int]:
    one = f"EXECUTE {_PREPARED_NAME}(" + ", ".join(["%s"] * len(_FIELDS)) + ")"
    with connection.cursor() as cur:
        raw_connection = connection.connection
        prepared = _prepared.get(raw_connection)
        definition = _definition()
        if prepared != definition:
            if prepared is not None:
                cur.execute(f"DEALLOCATE {_PREPARED_NAME}")
            cur.execute(f"PREPARE {_PREPARED_NAME} {definition}")
            _prepared[raw_connection] = definition
        cur.execute("; ".join([one] * len(rows)), params)
        raw = cur.cursor
        ids: list[int] = []
        while True:
            if raw.description is not None:
                ids.extend(r[0] for r in raw.fetchall())
            if not raw.nextset():
                break
    return ids


class _LastSeal:
    """When this process last tried to seal (a per-process pacing hint, not shared state: any
    worker may seal; the lock decides who does)."""

    at = 0.0
    lock = threading.Lock()


def maybe_seal() -> None:
    """Seal now if this process has not tried for `EXCHANGE_SEAL_INTERVAL` seconds. Never waits
    for another sealer; never inside the caller's open transaction (a seal there would hold the
    chain's rows until the caller commits)."""
    interval = float(getattr(settings, "EXCHANGE_SEAL_INTERVAL", 1.0))
    now = time.monotonic()
    if now - _LastSeal.at < interval or connection.in_atomic_block:
        return
    with _LastSeal.lock:
        if now - _LastSeal.at < interval:
            return
        _LastSeal.at = now
    seal(wait=False)


def seal(*, wait: bool = True, limit: int = SEAL_BATCH) -> int:
    """Chain every committed unchained row (up to `limit`), in id order. Returns how many were
    sealed; 0 when another sealer holds the lock and `wait` is False."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                if wait:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_SEAL_LOCK])
                else:
                    cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [_PG_SEAL_LOCK])
                    if not cur.fetchone()[0]:
                        return 0
        rows = list(CallLog.objects.filter(seq__isnull=True).order_by("id")[:limit])
        if not rows:
            return 0
        tail = CallLog.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first()
        seq, prev = tail if tail is not None else (0, genesis())
        for row in rows:
            seq += 1
            row.seq = seq
            row.prev_hash = prev
            row.hash = prev = chain_hash(prev, row)
        _write_seals(rows)
    return len(rows)


def _write_seals(rows: list[CallLog]) -> None:
    if connection.vendor == "postgresql":
        values = ",".join(["(%s::bigint,%s::bigint,%s,%s)"] * len(rows))
        params: list = []
        for row in rows:
            params += [row.pk, row.seq, row.prev_hash, row.hash]
        table = CallLog._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f'UPDATE "{table}" AS c SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash '  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, seq, prev_hash, hash) WHERE c.id = v.id",
                params,
            )
    else:
        CallLog.objects.bulk_update(rows, ["seq", "prev_hash", "hash"], batch_size=500)


@dataclass(frozen=True)
class LogReport:
    checked: int
    unsealed: int = 0
    broken_at: int | None = None  # the id of the first broken row
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(*, batch: int = 5000) -> LogReport:
    """Walk the chain in `seq` order; report the first row whose place, link or hash does not hold."""
    expected_prev = genesis()
    expected_seq = 1
    checked = 0
    while True:
        rows = list(CallLog.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return LogReport(
                    checked,
                    broken_at=row.pk,
                    reason=f"链序号应为 {expected_seq}，实为 {row.seq}（有记录被删除）",
                )
            if row.prev_hash != expected_prev:
                return LogReport(checked, broken_at=row.pk, reason="前一哈希不符（记录被删除或重排）")
            if chain_hash(expected_prev, row) != row.hash:
                return LogReport(checked, broken_at=row.pk, reason="哈希不符（记录内容被修改）")
            expected_prev = row.hash
            expected_seq += 1
            checked += 1
    unsealed = CallLog.objects.filter(seq__isnull=True).count()
    return LogReport(checked, unsealed=unsealed)
