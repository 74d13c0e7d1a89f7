"""Intakes at once (PostgreSQL, each thread its own connection): the day's number and the
centre's rollup are not held by one intake against another to its commit, numbers stay unique
(a rolled-back intake leaves a gap), the rollups stay exact and the audit chain one chain."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from tongban.core import audit
from tongban.core.models import AuditEvent

from .. import metrics
from ..models import Ticket, TicketCounter, TicketEvent
from ..services import do_intake
from .tickets_world import NOW, clock_fixture, world_fixture  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and sequences: PostgreSQL"),
]

DAY = dt.date(2026, 9, 29)


@pytest.fixture(name="regions_loaded")
def regions_each_test_fixture(transactional_db):
    """The regions for each test: a transactional test's database is emptied after it."""
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor="system:test")


VALUES = {
    "channel": "phone",
    "kind": "complaint",
    "category": "urban",
    "text": "江夏区纸坊大街夜间施工噪音扰民，持续一周",
    "region_code": "420115",
    "contact_phone": "13912345678",
}


def while_another_holds(hold, then) -> tuple[object, object]:
    """Run `hold` in a thread's open transaction and, while it is still open, `then` in this
    thread's own transaction with a 2 s lock timeout; returns both results (`then`'s exception
    if it waited too long)."""
    held, release = threading.Event(), threading.Event()
    out: dict[str, object] = {}

    def holder() -> None:
        try:
            with transaction.atomic():
                out["held"] = hold()
                held.set()
                release.wait(10)
        except Exception as exc:  # reported to the test
            out["held"] = exc
            held.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '2s'")
            try:
                out["then"] = then()
            except Exception as exc:
                out["then"] = exc
    finally:
        release.set()
        thread.join()
    return out["held"], out["then"]


def test_an_intake_leaves_the_days_counter_row_unlocked_until_its_commit(world):
    do_intake(actor=world.operator, **VALUES)  # the day is open (its base committed)

    def lock_the_row():
        with connection.cursor() as cur:
            cur.execute("SELECT day FROM hotline_ticketcounter WHERE day = %s FOR UPDATE NOWAIT", [DAY])
            return cur.fetchone()[0]

    number, row = while_another_holds(lambda: do_intake(actor=world.operator, **VALUES).number, lock_the_row)
    assert isinstance(number, str) and number.startswith("260929"), number
    assert row == DAY, row  # the uncommitted intake holds no lock on the day's row


def test_the_centre_rollup_is_moved_while_another_intakes_move_is_not_committed(world):
    first, second = while_another_holds(
        lambda: metrics.bump_centre("420000", NOW, tickets=1),
        lambda: metrics.bump_centre("420000", NOW, tickets=1),
    )
    assert first is None and second is None, (first, second)
    assert metrics.centre_totals("420000")["tickets"] == 2


def test_a_rolled_back_intake_leaves_a_gap_and_no_number_twice(world):
    one = do_intake(actor=world.operator, **VALUES)
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = do_intake(actor=world.operator, **VALUES)
        raise RuntimeError("the caller's transaction failed")
    two = do_intake(actor=world.operator, **VALUES)
    assert int(lost.number) == int(one.number) + 1 and int(two.number) == int(one.number) + 2
    assert list(Ticket.objects.order_by("number").values_list("number", flat=True)) == [
        one.number,
        two.number,
    ]
    assert metrics.centre_totals("420000")["tickets"] == 2
    assert audit.verify_chain().ok


def test_a_day_numbered_before_the_sequence_goes_on_after_its_last_number(world):
    # What migration 0004 leaves of a day the counter had numbered up to 41: base = -last.
    TicketCounter.objects.create(day=DAY, last=41, base=-41)
    ticket = do_intake(actor=world.operator, **VALUES)
    assert ticket.number > "260929000041" and ticket.number.startswith("260929")


def test_operators_at_once_get_unique_numbers_exact_rollups_and_one_chain(world):
    errors: list[str] = []
    numbers: list[str] = []
    events_before = AuditEvent.objects.count()

    def operator(k: int) -> None:
        try:
            for _ in range(6):
                numbers.append(do_intake(actor=world.operator, **VALUES).number)
        except Exception as exc:  # reported below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=operator, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 24 and all(n.startswith("260929") for n in numbers)
    stored = dict(Ticket.objects.values_list("number", "pk"))
    assert sorted(stored) == sorted(numbers)
    assert sorted(TicketEvent.objects.filter(action="intake").values_list("ticket_id", flat=True)) == sorted(
        stored.values()
    )
    assert metrics.centre_totals("420000")["tickets"] == 24
    intake_events = AuditEvent.objects.filter(action="hotline.ticket.intake")
    assert sorted(intake_events.values_list("object_id", flat=True)) == sorted(numbers)
    assert AuditEvent.objects.count() == events_before + 24
    assert audit.verify_chain().ok
