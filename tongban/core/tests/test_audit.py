"""The SM3 hash-chained audit log: recording, verifying, and detecting tampering."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tongban.core import audit, services
from tongban.core.crypto import hmac_sm3_hex, sm3_hex
from tongban.core.models import AuditEvent

from .conftest import SYSTEM


def record_three():
    return [
        audit.record(actor=SYSTEM, action="test.one", object_type="test.thing", object_id=1, data={"n": 1}),
        audit.record(actor=SYSTEM, action="test.two", object_type="test.thing", object_id=2, data={"n": 2}),
        audit.record(actor=SYSTEM, action="test.three", object_type="test.thing", object_id=3, data={"n": 3}),
    ]


# --- SM3 ---------------------------------------------------------------------------------------


def test_sm3_matches_the_gbt_32905_examples():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_hmac_sm3_is_keyed():
    assert hmac_sm3_hex(b"k1", b"42010219800101001X") != hmac_sm3_hex(b"k2", b"42010219800101001X")
    assert hmac_sm3_hex(b"k1", b"x") == hmac_sm3_hex(b"k1", b"x")
    assert len(hmac_sm3_hex(b"k1", b"x")) == 64


# --- Recording -------------------------------------------------------------------------------


def test_events_link_from_the_genesis_hash(db):
    first, second, third = record_three()
    assert first.prev_hash == audit.genesis() == sm3_hex(b"tongban")
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert first.seq < second.seq < third.seq
    assert len({first.hash, second.hash, third.hash}) == 3
    assert audit.verify_chain() == audit.ChainReport(checked=3)


def test_event_fields(db):
    event = audit.record(
        actor="system:calendar",
        action="test.act",
        object_type="core.region",
        object_id=420100,
        data={"rows": 3},
    )
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (stored.actor, stored.action, stored.object_type, stored.object_id, stored.data) == (
        "system:calendar",
        "test.act",
        "core.region",
        "420100",
        {"rows": 3},
    )
    assert stored.hash == audit.chain_hash(stored.prev_hash, stored)


def test_record_takes_the_object_label_and_pk(regions):
    dept = services.do_upsert_department(
        actor=SYSTEM, name="武汉市民政局", credit_code="91350100M000100Y43", region_code="420100"
    )
    event = AuditEvent.objects.filter(action="core.department.create").get()
    assert (event.object_type, event.object_id) == ("core.department", str(dept.pk))
    assert audit.verify_chain().ok


def test_values_that_are_not_json_are_hashed_as_stored(db):
    audit.record(
        actor=SYSTEM,
        action="test.types",
        data={
            "when": dt.datetime(2026, 9, 30, 8, 30, tzinfo=dt.UTC),
            "day": dt.date(2026, 10, 10),
            "fee": decimal.Decimal("12.50"),
            "text": "营业执照 <b>&'\"",
        },
    )
    assert AuditEvent.objects.get().data == {
        "when": "2026-09-30T08:30:00Z",
        "day": "2026-10-10",
        "fee": "12.50",
        "text": "营业执照 <b>&'\"",
    }
    assert audit.verify_chain().ok


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.text(max_size=8).filter(lambda s: "\x00" not in s), json_values, max_size=5))
def test_any_json_data_recorded_verifies(db, data):
    AuditEvent.objects.all().delete()
    audit.record(actor=SYSTEM, action="test.any", data=data)
    audit.record(actor=SYSTEM, action="test.next", data={})
    assert audit.verify_chain() == audit.ChainReport(checked=2)


def test_an_event_rolled_back_with_its_write_leaves_no_trace(db):
    record_three()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=SYSTEM, action="test.rolled_back")
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    audit.record(actor=SYSTEM, action="test.after")
    assert audit.verify_chain() == audit.ChainReport(checked=4)


@pytest.mark.parametrize(
    ("actor", "label"),
    [
        (None, "system"),
        ("system:seed", "system:seed"),
        (type("U", (), {"pk": 7})(), "user:7"),
        (type("Anon", (), {"pk": None})(), "anonymous"),
    ],
)
def test_actor_label(actor, label):
    assert audit.actor_label(actor) == label


# --- Tampering -------------------------------------------------------------------------------


def test_an_empty_chain_verifies(db):
    assert audit.verify_chain() == audit.ChainReport(checked=0)


def test_changing_one_events_data_names_exactly_that_event(db):
    _, second, _ = record_three()
    AuditEvent.objects.filter(seq=second.seq).update(data={"n": 20})
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == second.seq
    assert report.checked == 1
    assert report.reason == "hash does not match the event's content"


@pytest.mark.parametrize(
    "change",
    [
        {"actor": "user:1"},
        {"action": "test.other"},
        {"object_type": "other.thing"},
        {"object_id": "99"},
        {"at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_changing_any_field_is_detected(db, change):
    first, _, _ = record_three()
    AuditEvent.objects.filter(seq=first.seq).update(**change)
    assert audit.verify_chain().broken_at == first.seq


def test_deleting_a_middle_event_is_detected_at_its_successor(db):
    _, second, third = record_three()
    AuditEvent.objects.filter(seq=second.seq).delete()
    report = audit.verify_chain()
    assert (report.broken_at, report.checked) == (third.seq, 1)
    assert report.reason == "prev_hash does not match the previous event's hash"


def test_recomputing_the_tampered_hash_breaks_the_next_link(db):
    _, second, third = record_three()
    forged = AuditEvent.objects.get(seq=second.seq)
    forged.data = {"n": 20}
    forged.hash = audit.chain_hash(forged.prev_hash, forged)
    forged.save()
    report = audit.verify_chain()
    assert (report.broken_at, report.reason) == (
        third.seq,
        "prev_hash does not match the previous event's hash",
    )


def test_a_changed_genesis_breaks_the_first_event(db, settings):
    first, _, _ = record_three()
    settings.AUDIT_CHAIN_GENESIS = "another platform"
    assert audit.verify_chain().broken_at == first.seq


def test_verification_walks_across_batches(db):
    events = [audit.record(actor=SYSTEM, action="test.batch", data={"i": i}) for i in range(7)]
    assert audit.verify_chain(batch=2) == audit.ChainReport(checked=7)
    AuditEvent.objects.filter(seq=events[5].seq).update(data={"i": -1})
    assert audit.verify_chain(batch=2) == audit.ChainReport(
        5, events[5].seq, "hash does not match the event's content"
    )


# --- Batches: one append per transaction -------------------------------------------------------


def test_a_batch_appends_its_events_at_the_end_in_order(db):
    before = audit.record(actor=SYSTEM, action="test.before", object_type="test.thing", object_id=0)
    with transaction.atomic(), audit.batch():
        record_three()
        assert AuditEvent.objects.count() == 1  # nothing appended yet
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in events] == ["test.before", "test.one", "test.two", "test.three"]
    assert events[1].prev_hash == before.hash
    assert [e.prev_hash for e in events[2:]] == [events[1].hash, events[2].hash]
    assert audit.verify_chain() == audit.ChainReport(checked=4)


def test_a_batch_drops_the_events_of_a_rolled_back_savepoint(db):
    with transaction.atomic(), audit.batch():
        audit.record(actor=SYSTEM, action="test.kept", object_type="test.thing", object_id=1)
        try:
            with transaction.atomic():
                audit.record(actor=SYSTEM, action="test.undone", object_type="test.thing", object_id=2)
                raise RuntimeError("the inner work failed")
        except RuntimeError:
            pass
        with transaction.atomic():  # a released savepoint keeps its events
            audit.record(actor=SYSTEM, action="test.released", object_type="test.thing", object_id=3)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.kept",
        "test.released",
    ]
    assert audit.verify_chain().ok


def test_a_failed_batch_appends_nothing_and_the_next_one_links_to_the_chain(db):
    first = audit.record(actor=SYSTEM, action="test.first", object_type="test.thing", object_id=1)
    with pytest.raises(RuntimeError), transaction.atomic(), audit.batch():
        audit.record(actor=SYSTEM, action="test.lost", object_type="test.thing", object_id=2)
        raise RuntimeError("the service failed")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.first"]
    with transaction.atomic(), audit.batch(), audit.batch():  # a nested batch joins the outer one
        audit.record(actor=SYSTEM, action="test.next", object_type="test.thing", object_id=3)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.prev_hash) == ("test.next", first.hash)
    assert audit.verify_chain() == audit.ChainReport(checked=2)


@pytest.mark.django_db(transaction=True)
def test_a_batch_needs_a_transaction():
    with pytest.raises(RuntimeError, match="inside a transaction"), audit.batch():
        pass


# --- Appends at once ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_appends_from_many_connections_at_once_make_one_chain():
    """Writers that wait for the chain's lock link to the event committed while they waited:
    each holds the lock a moment before committing, so every other writer is queued behind it
    (on PostgreSQL the head is read after the lock, with a fresh snapshot)."""
    import threading
    import time

    from django.db import connections

    errors: list[str] = []

    def writer(k: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    audit.record(
                        actor=SYSTEM, action="test.busy", object_type="test.thing", object_id=k * 10 + i
                    )
                    time.sleep(0.005)
        except Exception as exc:  # reported below, not hidden
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = list(AuditEvent.objects.order_by("seq"))
    assert sorted(int(e.object_id) for e in events) == sorted(k * 10 + i for k in range(4) for i in range(5))
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert audit.verify_chain() == audit.ChainReport(checked=20)


# --- The head taken with a write path's own statement -----------------------------------------


def test_a_batch_takes_the_head_with_the_callers_statement_and_links_to_it(db):
    first = audit.record(actor=SYSTEM, action="test.first", object_type="test.thing", object_id=1)
    with transaction.atomic(), audit.batch():
        audit.record(actor=SYSTEM, action="test.second", object_type="test.thing", object_id=2)
        row = audit.with_chain_head("SELECT 7, 'x', {chain_head}", [])
        audit.record(actor=SYSTEM, action="test.third", object_type="test.thing", object_id=3)
        assert row == (7, "x")
        if connection.vendor == "postgresql":
            assert audit._pending.head == first.hash  # read with the statement, under the lock
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in events] == ["test.first", "test.second", "test.third"]
    assert events[1].prev_hash == first.hash and events[2].prev_hash == events[1].hash
    assert audit.verify_chain() == audit.ChainReport(checked=3)


def test_the_head_is_read_again_when_taken_inside_a_later_savepoint(db):
    first = audit.record(actor=SYSTEM, action="test.first", object_type="test.thing", object_id=1)
    with transaction.atomic(), audit.batch():
        try:
            with transaction.atomic():
                assert audit.with_chain_head("SELECT 1, {chain_head}", []) == (1,)
                assert audit._pending.head is None  # a savepoint that may roll back: not kept
                raise RuntimeError("the inner work failed")
        except RuntimeError:
            pass
        audit.record(actor=SYSTEM, action="test.after", object_type="test.thing", object_id=2)
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.prev_hash) == ("test.after", first.hash)
    assert audit.verify_chain() == audit.ChainReport(checked=2)


def test_the_head_with_a_statement_needs_a_batch_and_the_placeholder_last(db):
    with pytest.raises(RuntimeError, match=r"inside audit\.batch"), transaction.atomic():
        audit.with_chain_head("SELECT 1, {chain_head}", [])
    with pytest.raises(ValueError, match=r"names \{chain_head\} once"), transaction.atomic(), audit.batch():
        audit.with_chain_head("SELECT 1", [])
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_writers_taking_the_head_with_their_statements_at_once_make_one_chain():
    """As the test above with the head taken by the writer's own statement and, on PostgreSQL,
    the events written by another (`with_chain_head`, `write_with_events`)."""
    import threading
    import time

    from django.db import connections

    errors: list[str] = []

    def writer(k: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic(), audit.batch():
                    audit.with_chain_head("SELECT 1, {chain_head}", [])
                    time.sleep(0.005)
                    audit.record(
                        actor=SYSTEM, action="test.busy", object_type="test.thing", object_id=k * 10 + i
                    )
                    if connection.vendor == "postgresql":  # the hotline intake's way
                        audit.write_with_events([("w", "SELECT 1 AS n", [])], "(SELECT n FROM w)")
        except Exception as exc:  # reported below, not hidden
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) == 20
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert audit.verify_chain() == audit.ChainReport(checked=20)


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="data-modifying WITH: PostgreSQL"
)


@needs_postgres
def test_a_batch_writes_its_events_in_the_callers_statement(db):
    first = audit.record(actor=SYSTEM, action="test.first", object_type="test.thing", object_id=1)
    with transaction.atomic(), audit.batch():
        audit.record(actor=SYSTEM, action="test.second", object_type="test.thing", object_id=2)
        try:
            with transaction.atomic():
                audit.record(actor=SYSTEM, action="test.undone", object_type="test.thing", object_id=9)
                raise RuntimeError("the inner work failed")
        except RuntimeError:
            pass
        assert audit.with_chain_head("SELECT 5, {chain_head}", []) == (5,)
        audit.record(actor=SYSTEM, action="test.third", object_type="test.thing", object_id=3)
        row = audit.write_with_events([("mine", "SELECT %s AS n", [41])], "(SELECT n + 1 FROM mine)")
        assert row == (42,)
        assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
            "test.first",
            "test.second",
            "test.third",
        ]  # written by the caller's statement, before the batch's end
        audit.record(actor=SYSTEM, action="test.fourth", object_type="test.thing", object_id=4)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in events] == ["test.first", "test.second", "test.third", "test.fourth"]
    assert events[1].prev_hash == first.hash
    assert [e.prev_hash for e in events[2:]] == [events[1].hash, events[2].hash]
    assert audit.verify_chain() == audit.ChainReport(checked=4)


@needs_postgres
def test_a_statement_inside_a_later_savepoint_leaves_the_events_to_the_batch_end(db):
    first = audit.record(actor=SYSTEM, action="test.first", object_type="test.thing", object_id=1)
    with transaction.atomic(), audit.batch():
        audit.with_chain_head("SELECT 1, {chain_head}", [])
        audit.record(actor=SYSTEM, action="test.kept", object_type="test.thing", object_id=2)
        with pytest.raises(Exception, match="division by zero"), transaction.atomic():
            audit.write_with_events([("bad", "SELECT 1 / 0 AS n", [])], "(SELECT n FROM bad)")
        assert AuditEvent.objects.count() == 1
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.action, last.prev_hash) == ("test.kept", first.hash)
    assert audit.verify_chain() == audit.ChainReport(checked=2)
