"""The gateway's call log: one row per call, allowed or refused, hash-chained like the audit chain.

Appending and chaining are two steps, so that no call waits on a lock and no row is written twice:

- `append_rows(rows)` inserts the rows: one narrow INSERT, in whatever transaction the caller is in
  (the HTTP API runs in autocommit, so the row commits at once). A call-log row is never updated.
- `seal()` appends one row to `CallLogSeal` (its own narrow, append-only table) covering every
  call-log row with an id in (the previous seal's `last_id`, `last_id`]: `hash` = SM3(prev seal's
  hash ‖ the seal's header ‖ the rows' canonical bytes in id order). Sealing only inserts.

Which ids a seal may cover: every id up to its `last_id` must be settled — committed, or never
to be (a rolled-back insert leaves a gap that stays a gap). On PostgreSQL an id can be drawn by
one transaction and committed after a higher id of another, so every append holds a shared
advisory lock (`_PG_APPEND_LOCK`, transaction-scoped, taken in the INSERT statement itself before
its id is drawn); the sealer takes that lock exclusively for an instant — tried, never waited for
on the request path — and reads `max(id)` while it holds it: every id up to that is settled.
Sealers are serialised by a second advisory lock (`_PG_SEAL_LOCK`, tried without waiting: a
worker that finds another sealing leaves it the work); on SQLite the write lock serialises both.
A long transaction that appended rows (an in-process call inside `atomic`) holds sealing back
until it ends; the HTTP gateway appends in autocommit.

`maybe_seal()` runs after each append at most once per `EXCHANGE_SEAL_INTERVAL` seconds per
process (default 1 s), so under load a row is sealed within about a second; with
`EXCHANGE_SEAL_IN_THREAD` a daemon thread of each worker does it instead. `manage.py exchange
verify-log` seals what is left first. `verify()` walks the seals in order: a seal out of place
(its `seq`, `after_id` or `prev_hash` not following the previous one), or whose rows no longer
hash to its `hash` (a row edited, deleted or inserted in its range), names the first broken seal
and its id range. A row is editable without detection only between its insert and its sealing.

The subject of a call is kept as a blind index (`subject_index`: HMAC-SM3 under the platform's
blind-index key, purpose "id" for ID numbers — the same index accounts keep, so a person's reads
are found by their own index — and "credit" for credit codes) and a masked form; never in plain text.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
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

from .models import CallLog, CallLogSeal

logger = logging.getLogger(__name__)
_PG_SEAL_LOCK = 0x65786368  # "exch": one sealer at a time
_PG_APPEND_LOCK = 0x65786361  # "exca": shared by every appending transaction, see the docstring
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


# The columns a seal's hash covers, in this order (every column of the row).
_CANONICAL = (
    "id",
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
)


def _canonical(values: tuple) -> bytes:
    """One row's bytes in a seal: a JSON array of `_CANONICAL`'s values (the time in UTC with
    microseconds, the latency as a float), one line."""
    body = list(values)
    body[1] = body[1].astimezone(dt.UTC).isoformat(timespec="microseconds")
    body[10] = list(body[10] or [])
    body[13] = float(body[13])
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def seal_hash(prev_hash: str, seq: int, after_id: int, last_id: int, rows: list[tuple]) -> str:
    """The hash of seal `seq` over `rows` (values of `_CANONICAL`, in id order)."""
    header = f"{prev_hash}\n{seq}:{after_id}:{last_id}:{len(rows)}\n".encode()
    return sm3_hex(header + b"".join(_canonical(r) for r in rows))


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
)
_FIELDS = [CallLog._meta.get_field(c) for c in _COLUMNS]


def append_rows(rows: list[dict]) -> list[int]:
    """Insert the rows (dicts from `row`) now, in the caller's connection; return their ids.

    This is on every call's path. On PostgreSQL the rows go in one statement and one round trip,
    `WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true),
    pg_advisory_xact_lock_shared(…)) INSERT … SELECT … FROM cfg, json_to_recordset($1) RETURNING
    id`, PREPAREd once per connection and EXECUTEd with the rows as one JSON parameter (the same
    statement for one row or a batch's hundred). Outside the caller's transaction it commits when this
    returns — before the answer is sent — without waiting for the WAL flush (the licences usage
    log's technique): killing a web worker loses nothing answered; only a crash of the PostgreSQL
    server can lose the last fraction of a second of call-log rows (≤ 3 × wal_writer_delay).
    `EXCHANGE_LOG_SYNCHRONOUS_COMMIT = True` waits for the flush instead. Inside the caller's
    transaction the same INSERT without `set_config` commits with it; on SQLite a multi-row
    INSERT. On PostgreSQL the appending transaction holds `_PG_APPEND_LOCK` shared from before its
    ids are drawn (see the module's docstring: what a seal may cover)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        ids = _append_postgres(rows)
    else:
        params = [f.get_db_prep_save(r[f.attname], connection) for r in rows for f in _FIELDS]
        qn = connection.ops.quote_name
        one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        sql = (
            f"INSERT INTO {qn(CallLog._meta.db_table)} ({', '.join(qn(c) for c in _COLUMNS)}) "  # noqa: S608
            f"VALUES {', '.join([one] * len(rows))} RETURNING {qn('id')}"
        )
        with connection.cursor() as cur:
            cur.execute(sql, params)
            ids = [r[0] for r in cur.fetchall()]
    ids.sort()  # RETURNING order is not promised; ids are drawn in the rows' order
    maybe_seal()
    return ids


_PREPARED_NAME = "tongban_calllog_append"
_prepared: WeakKeyDictionary = WeakKeyDictionary()  # raw connection -> the definition prepared there


def _append_postgres(rows: list[dict]) -> list[int]:
    """Through Django's cursor (its query log, its execute wrappers): outside a transaction an
    EXECUTE of the statement PREPAREd once per connection, inside one the statement itself."""
    body = json.dumps(
        [{**r, "at": r["at"].isoformat()} for r in rows], ensure_ascii=False, separators=(",", ":")
    )
    synchronous = bool(getattr(settings, "EXCHANGE_LOG_SYNCHRONOUS_COMMIT", False))
    with connection.cursor() as cur:
        if connection.in_atomic_block:
            cur.execute(_insert_sql(True, synchronous, "%s"), [body])
        else:
            raw = connection.connection
            definition = _insert_sql(False, synchronous, "$1")
            if _prepared.get(raw) != definition:
                if raw in _prepared:
                    cur.execute(f"DEALLOCATE {_PREPARED_NAME}")
                cur.execute(f"PREPARE {_PREPARED_NAME} (json) AS {definition}")
                _prepared[raw] = definition
            cur.execute(f"EXECUTE {_PREPARED_NAME}(%s)", [body])
        return [r[0] for r in cur.fetchall()]


@cache
def _insert_sql(in_transaction: bool, synchronous: bool, param: str) -> str:
    """The rows come as one JSON array of objects (one parameter, parsed by the server): one
    statement for one row and for a batch's hundred, encoded by the client in C."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in _COLUMNS)
    record = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in _FIELDS)
    cfg = (
        []
        if in_transaction
        else [f"set_config('synchronous_commit', '{'on' if synchronous else 'off'}', true)"]
    )
    cfg.append(f"pg_advisory_xact_lock_shared({_PG_APPEND_LOCK})")
    return (
        f"WITH cfg AS (SELECT {', '.join(cfg)}) "  # noqa: S608 - names and types from the model
        f"INSERT INTO {qn(CallLog._meta.db_table)} ({names}) "
        f"SELECT {names} FROM cfg, json_to_recordset({param}::json) AS r({record}) RETURNING {qn('id')}"
    )


class _LastSeal:
    """When this process last tried to seal (a per-process pacing hint, not shared state: any
    worker may seal; the lock decides who does)."""

    at = 0.0
    lock = threading.Lock()


def maybe_seal() -> None:
    """Seal now if this process has not tried for `EXCHANGE_SEAL_INTERVAL` seconds. Never waits
    for another sealer; never inside the caller's open transaction (a seal there would hold the
    chain's rows until the caller commits).

    With `EXCHANGE_SEAL_IN_THREAD` (PostgreSQL), no request pays for sealing: a daemon thread of
    this process seals every interval on its own connection (closed after each pass)."""
    if getattr(settings, "EXCHANGE_SEAL_IN_THREAD", False) and connection.vendor == "postgresql":
        _ensure_sealer()
        return
    interval = float(getattr(settings, "EXCHANGE_SEAL_INTERVAL", 1.0))
    now = time.monotonic()
    if now - _LastSeal.at < interval or connection.in_atomic_block:
        return
    with _LastSeal.lock:
        if now - _LastSeal.at < interval:
            return
        _LastSeal.at = now
    seal(wait=False)


class _Sealer:
    """This process's sealing thread, if any (started on the first append)."""

    lock = threading.Lock()
    thread: threading.Thread | None = None
    pid = 0


def _ensure_sealer() -> None:
    thread = _Sealer.thread
    if thread is not None and thread.is_alive() and _Sealer.pid == os.getpid():
        return
    with _Sealer.lock:
        thread = _Sealer.thread
        if thread is not None and thread.is_alive() and _Sealer.pid == os.getpid():
            return
        _Sealer.pid = os.getpid()
        _Sealer.thread = threading.Thread(target=_seal_loop, name="exchange-calllog-sealer", daemon=True)
        _Sealer.thread.start()


def _seal_loop() -> None:
    """Seal every EXCHANGE_SEAL_INTERVAL seconds until the setting is turned off."""
    while getattr(settings, "EXCHANGE_SEAL_IN_THREAD", False):
        time.sleep(max(0.05, float(getattr(settings, "EXCHANGE_SEAL_INTERVAL", 1.0))))
        try:
            while seal(wait=False) >= SEAL_BATCH:
                pass
        except Exception:  # the database away, a test's blocker: try again next time
            logger.warning("exchange call log: a sealing pass failed", exc_info=True)
        finally:
            connection.close()


def seal(*, wait: bool = True, limit: int = SEAL_BATCH) -> int:
    """Seal the settled call-log rows after the last seal (up to `limit` of them) with one new
    `CallLogSeal` row. Returns how many rows were sealed; 0 when there were none, or when `wait`
    is False and another sealer holds the seal lock or an append is in flight."""
    with transaction.atomic():
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cur:
                if wait:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_SEAL_LOCK])
                else:
                    cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [_PG_SEAL_LOCK])
                    if not cur.fetchone()[0]:
                        return 0
        last = CallLogSeal.objects.order_by("-seq").values_list("seq", "last_id", "hash").first()
        seq, after_id, prev = last if last is not None else (0, 0, genesis())
        horizon = _horizon(wait=wait) if postgres else _max_id()
        if horizon is None or horizon <= after_id:
            return 0
        rows = list(
            CallLog.objects.filter(id__gt=after_id, id__lte=horizon)
            .order_by("id")
            .values_list(*_CANONICAL)[:limit]
        )
        if not rows:  # only gaps (rolled-back appends) up to the horizon: nothing to seal yet
            return 0
        last_id = rows[-1][0] if len(rows) == limit else horizon
        CallLogSeal.objects.create(
            seq=seq + 1,
            after_id=after_id,
            last_id=last_id,
            rows=len(rows),
            sealed_at=timezone.now(),
            prev_hash=prev,
            hash=seal_hash(prev, seq + 1, after_id, last_id, rows),
        )
    return len(rows)


def _max_id() -> int | None:
    return CallLog.objects.order_by("-id").values_list("id", flat=True).first()


def _horizon(*, wait: bool) -> int | None:
    """PostgreSQL: the highest id every id up to which is settled — `max(id)` read while no
    append is in flight (`_PG_APPEND_LOCK` held exclusively for that one statement). None when
    `wait` is False and an append holds the lock."""
    with connection.cursor() as cur:
        if wait:
            cur.execute("SELECT pg_advisory_lock(%s)", [_PG_APPEND_LOCK])
        else:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_PG_APPEND_LOCK])
            if not cur.fetchone()[0]:
                return None
        try:
            return _max_id()  # a statement of its own: its snapshot is taken with the lock held
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", [_PG_APPEND_LOCK])


@dataclass(frozen=True)
class LogReport:
    checked: int  # call-log rows in the intact seals
    unsealed: int = 0
    broken_at: int | None = None  # the first id of the first broken seal's range
    broken_last: int | None = None  # the last id of that range
    broken_seal: int | None = None  # that seal's seq
    seals: int = 0  # intact seals
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _broken(seal: CallLogSeal, checked: int, reason: str) -> LogReport:
    return LogReport(
        checked,
        broken_at=seal.after_id + 1,
        broken_last=seal.last_id,
        broken_seal=seal.seq,
        seals=seal.seq - 1,
        reason=reason,
    )


def verify(*, batch: int = 200) -> LogReport:
    """Walk the seals in order; report the first seal out of place or whose rows no longer hash
    to it, with its id range."""
    expected_prev = genesis()
    expected_seq = 1
    after_id = 0
    checked = 0
    while True:
        seals = list(CallLogSeal.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not seals:
            break
        for seal in seals:
            broken = functools.partial(_broken, seal, checked)
            if seal.seq != expected_seq:
                return broken(f"封存序号应为 {expected_seq}，实为 {seal.seq}（有封存记录被删除）")
            if seal.after_id != after_id or seal.last_id <= seal.after_id:
                return broken("封存范围与上一批不衔接（封存记录被修改）")
            if seal.prev_hash != expected_prev:
                return broken("前一哈希不符（封存记录被修改或重排）")
            rows = list(
                CallLog.objects.filter(id__gt=seal.after_id, id__lte=seal.last_id)
                .order_by("id")
                .values_list(*_CANONICAL)
            )
            if len(rows) != seal.rows:
                return broken(f"应有 {seal.rows} 条记录，实有 {len(rows)} 条（记录被删除或插入）")
            if seal_hash(expected_prev, seal.seq, seal.after_id, seal.last_id, rows) != seal.hash:
                return broken("哈希不符（记录内容被修改，或封存记录被修改）")
            expected_prev = seal.hash
            expected_seq += 1
            after_id = seal.last_id
            checked += len(rows)
    unsealed = CallLog.objects.filter(id__gt=after_id).count()
    return LogReport(checked, unsealed=unsealed, seals=expected_seq - 1)
