"""The audit chain: every write records an event in the same transaction.

Each event's hash is SM3 over the previous hash and the event's canonical JSON, so editing,
deleting or reordering any stored event breaks the chain from that point; `manage.py audit
verify` names the first broken link. Appends are serialised: an advisory transaction lock on
PostgreSQL (taken together with the read of the chain's head, one round trip:
`core_audit_chain_head`, migration 0004), the IMMEDIATE write lock on SQLite.

A busy write path wraps its transaction in `batch()`: the events it records are appended in one
insert at the end of the block, so the chain's lock is taken once per transaction and held only
from that insert to the commit, instead of from the first event to the commit. Events recorded
inside a savepoint that is rolled back are dropped with it, as if they had been written.
"""

from __future__ import annotations

import decimal
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .crypto import sm3_hex
from .models import AuditEvent

_PG_LOCK_KEY = 0x746F6E67  # "tong"


def actor_label(actor: Any) -> str:
    """A stable, non-personal label for whoever acts: 'user:<pk>', 'system:<name>'."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    pk = getattr(actor, "pk", None)
    return f"user:{pk}" if pk is not None else "anonymous"


def genesis() -> str:
    return sm3_hex(settings.AUDIT_CHAIN_GENESIS.encode())


def _canonical(*, at, actor, action, object_type, object_id, data) -> bytes:
    body = {
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "data": data,
    }
    return json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = _canonical(
        at=event.at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        data=event.data,
    )
    return sm3_hex(prev_hash.encode() + payload)


def _json_float(text: str) -> float | int:
    """A JSON float as PostgreSQL's jsonb gives it back: an integral one (1.0, 1e+16, -0.0)
    returns as an integer, so store it as one, or the hash would not match on reading."""
    value = decimal.Decimal(text)
    return int(value) if value == value.to_integral_value() else float(text)


def _event(*, actor: Any, action: str, obj: Any, object_type: str, object_id: Any, data) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # Round-trip the data through JSON so what we hash is exactly what the database returns.
    clean = json.loads(
        json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False), parse_float=_json_float
    )
    return AuditEvent(
        at=timezone.now(),
        actor=actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=clean,
    )


_HEAD_SQL = f"core_audit_chain_head({_PG_LOCK_KEY})"  # core migration 0004


def _head() -> str:
    """Take the chain's lock (to the end of the transaction) and return the last event's hash."""
    if connection.vendor == "postgresql":
        # The lock and the head in one round trip: the function reads the head with a snapshot
        # taken after the lock is granted.
        with connection.cursor() as cur:
            cur.execute(f"SELECT {_HEAD_SQL}")
            return cur.fetchone()[0] or genesis()
    return AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first() or genesis()


def _append(events: list[AuditEvent], prev: str | None = None) -> None:
    """Link `events` to the end of the chain and insert them, under the chain's lock (`prev`:
    the head already read under the lock this transaction holds)."""
    if prev is None:
        prev = _head()
    for event in events:
        event.prev_hash = prev
        event.hash = prev = chain_hash(prev, event)
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events)


class _Pending(threading.local):
    """The events of the current thread's open `batch()`, each with its savepoint marker; the
    chain's head when `with_chain_head` has taken the lock, and the savepoints open when the
    batch began."""

    events: list[tuple[AuditEvent, _Marker]] | None = None
    head: str | None = None
    savepoints: int = 0


class _Marker:
    """An on-commit callback that does nothing. Django discards the callbacks registered inside
    a savepoint that is rolled back, so a marker still listed at the flush says its event's
    savepoint survived."""

    __slots__ = ()

    def __call__(self) -> None:
        pass


_pending = _Pending()


def record(
    *, actor: Any, action: str, obj: Any = None, object_type: str = "", object_id: Any = "", data=None
):
    """Append one event to the chain. Must run inside the caller's write transaction; inside a
    `batch()` the event is appended when the batch ends."""
    event = _event(
        actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id, data=data
    )
    if _pending.events is not None:
        marker = _Marker()
        transaction.on_commit(marker)
        _pending.events.append((event, marker))
        return event
    with transaction.atomic(savepoint=False):
        _append([event])
    return event


@contextmanager
def batch():
    """Collect the events recorded inside and append them in one write when the block ends.
    Use inside the transaction (`with transaction.atomic(), audit.batch():`): the events commit
    or roll back with it. Nested batches join the outermost one."""
    if _pending.events is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("audit.batch() must run inside a transaction")
    _pending.events, _pending.head, _pending.savepoints = [], None, len(connection.savepoint_ids)
    try:
        yield
        live = {id(func) for _, func, _ in connection.run_on_commit}
        events = [event for event, marker in _pending.events if id(marker) in live]
        if events:
            _append(events, prev=_pending.head)
    finally:
        _pending.events = _pending.head = None


def with_chain_head(sql: str, params) -> tuple | None:
    """Run `sql` and take the chain's lock in the same round trip, inside a `batch()`: the
    batch's events are then appended without asking for the head again (at the batch's end, or
    in the caller's own statement: `write_with_events`). `sql` is one statement returning at
    most one row, whose last column is `{chain_head}` (the head); the row is returned without
    it (None when there is none: then nothing was taken). The lock is held
    from this statement to the commit. On SQLite (no functions; its write lock is the
    transaction's) the head is read at the batch's end. Inside a savepoint opened after the
    batch began, likewise (a rolled-back savepoint gives its lock back)."""
    if _pending.events is None:
        raise RuntimeError("audit.with_chain_head() must run inside audit.batch()")
    if sql.count("{chain_head}") != 1:
        raise ValueError("the statement names {chain_head} once, as its last column")
    nested = len(connection.savepoint_ids) != _pending.savepoints
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        if postgres and not nested:
            cur.execute(sql.replace("{chain_head}", _HEAD_SQL), params)
            found = cur.fetchone()
            if found is None:
                return None
            *row, head = found
            _pending.head = head or genesis()
            return tuple(row)
        cur.execute(sql.replace("{chain_head}", "NULL"), params)
        found = cur.fetchone()
    return None if found is None else tuple(found[:-1])


_EVENT_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]


def write_with_events(parts: list[tuple[str, str, list]], select: str) -> tuple:
    """PostgreSQL, inside a `batch()` whose head `with_chain_head` took: one statement of the
    caller's data-modifying parts (`WITH name AS (sql), ...`, each with its parameters) and the
    batch's events so far, linked to the head, as one more part; returns the row of `select`
    (over the parts' RETURNING). The events are then appended; those recorded later are
    appended at the batch's end, linked after them. Without the head (a savepoint opened after
    the batch began) the events wait for the batch's end as usual."""
    if connection.vendor != "postgresql":
        raise RuntimeError("audit.write_with_events() needs PostgreSQL (data-modifying WITH)")
    if _pending.events is None:
        raise RuntimeError("audit.write_with_events() must run inside audit.batch()")
    parts = list(parts)
    taken: list[tuple[AuditEvent, _Marker]] = []
    head = _pending.head
    if head is not None and len(connection.savepoint_ids) == _pending.savepoints:
        live = {id(func) for _, func, _ in connection.run_on_commit}
        taken = [(event, marker) for event, marker in _pending.events if id(marker) in live]
    if taken:
        for event, _marker in taken:
            event.prev_hash = head
            event.hash = head = chain_hash(head, event)
        qn = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(_EVENT_FIELDS))})"
        table, columns = qn(AuditEvent._meta.db_table), ", ".join(qn(f.column) for f in _EVENT_FIELDS)
        insert = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(taken))}"  # noqa: S608
        values = [
            f.get_db_prep_save(f.pre_save(event, True), connection)
            for event, _ in taken
            for f in _EVENT_FIELDS
        ]
        parts.append(("audit_events", insert, values))
    sql = f"WITH {', '.join(f'{name} AS ({part})' for name, part, _ in parts)} SELECT {select}"
    with connection.cursor() as cur:
        cur.execute(sql, [p for _, _, values in parts for p in values])
        found = cur.fetchone()
    if taken:  # written: later events link after them
        _pending.head = head
        gone = {id(marker) for _, marker in taken}
        _pending.events = [(e, m) for e, m in _pending.events if id(m) not in gone]
    return found


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, batch: int = 5000, anchors: dict[int, str] | None = None) -> ChainReport:
    """Walk the chain in order; report the first event whose link or hash does not hold. With
    `anchors` ({seq: hash} from `core.anchors`), also the first anchored event that is gone or
    whose hash changed: the chain was rewritten, reordered or truncated after it was anchored."""
    anchors = anchors or {}
    pending = sorted(anchors)  # anchored seqs not reached yet, in order
    at = 0
    expected_prev = genesis()
    checked = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if at < len(pending) and pending[at] < event.seq:
                return ChainReport(checked, pending[at], "an anchored event was deleted")
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.seq, "prev_hash does not match the previous event's hash")
            if chain_hash(event.prev_hash, event) != event.hash:
                return ChainReport(checked, event.seq, "hash does not match the event's content")
            if at < len(pending) and pending[at] == event.seq:
                if anchors[event.seq] != event.hash:
                    return ChainReport(
                        checked,
                        event.seq,
                        "the chain was rewritten: the event's hash is not the anchored one",
                    )
                at += 1
            expected_prev = event.hash
            checked += 1
            last_seq = event.seq
    if at < len(pending):
        return ChainReport(
            checked, pending[at], f"the chain was truncated: it ends at #{last_seq}, before the anchored head"
        )
    return ChainReport(checked)
