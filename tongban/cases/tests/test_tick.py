"""The daily tick and the clock rules of issue 10: each case isolated, state re-read under the
row lock (a racing `do_supply` wins), deemed acceptance on every channel, paused cases never
overdue, step deadlines within the case's own."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tongban.core.models import AuditEvent

from .. import queries, services, tick
from ..enums import CaseState, Channel, ClockLevel, PauseKind, ResultCode
from ..models import Case, CaseEvent
from .conftest import counts, submit, upload

pytestmark = pytest.mark.usefixtures("regions_loaded")
D = dt.date.fromisoformat


def test_one_failing_case_is_reported_and_the_others_proceed(world):
    good = submit(world)
    bad = submit(world)
    # A receipt date beyond every calendar (official or provisional): its pre-check deadline cannot
    # be computed. Before issue 10 this aborted the whole tick.
    Case.objects.filter(pk=bad.pk).update(received_on=D("2099-01-05"))
    report = services.do_tick(on=D("2026-10-20"))
    assert report.failed == [bad.number]
    assert report.deemed_accepted == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.state, good.deemed_accepted) == (CaseState.ACCEPTED, True)
    assert bad.state == CaseState.SUBMITTED
    assert not CaseEvent.objects.filter(case=bad, action="accept").exists()


def test_the_tick_command_says_so_in_its_exit_status(world):
    bad = submit(world)
    Case.objects.filter(pk=bad.pk).update(received_on=D("2099-01-05"))
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"1 case\\(s\\) failed.*{bad.number}"):
        call_command("cases", "tick", "--date", "2026-10-20", stdout=out)
    assert "  failed: 1" in out.getvalue().splitlines()


@pytest.mark.parametrize("channel", [Channel.PC, Channel.MOBILE, Channel.POST, Channel.OTHER])
def test_deemed_acceptance_applies_to_every_channel(world, channel):
    """行政许可法 §32: without an answer within 5 working days the application counts as accepted
    on receipt, however it came in (post 4 and department systems 9 were left out)."""
    case = submit(world, channel=channel)
    assert services.do_tick(on=D("2026-10-12")).deemed_accepted == 0  # the 5th working day
    assert services.do_tick(on=D("2026-10-13")).deemed_accepted == 1
    case.refresh_from_db()
    assert (case.state, case.accepted_on, case.deemed_accepted) == (CaseState.ACCEPTED, D("2026-09-29"), True)


def _paused(world, kind=PauseKind.SPECIAL):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    extra = {"items": ["补交章程"]} if kind == PauseKind.SUPPLEMENT else {"procedure": "expert"}
    return services.do_pause(
        actor=world["officer"], number=case.number, kind=kind, reason="依法暂停计时", **extra
    )


def test_a_paused_case_is_never_overdue_in_levels_queues_or_statistics(world, day):
    case = _paused(world)
    later = day("2026-11-30")  # far past the promised date of 2026-10-12
    assert case.promised_due == D("2026-10-12")
    services.do_tick(on=later)
    case.refresh_from_db()
    assert case.clock_level != ClockLevel.OVERDUE
    assert queries.queue_counts(world["officer"], on=later)["overdue"] == 0
    _rows, total = queries.statistics(region_prefix="42", since=D("2026-09-01"), until=later, on=later)
    assert total.overdue == 0
    # Resumed: the paused working days are added and the clock runs again.
    case = services.do_resume(actor=world["officer"], number=case.number)
    assert case.promised_due > later


def test_step_deadlines_never_fall_after_the_case_due_date(world):
    services.do_set_chain(
        actor=world["head"],
        item_code=world["item"].code,
        steps=[{"name": "审批", "role": "approving_officer", "limit_days": 30}],  # the item promises 5
    )
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    assert case.promised_due == D("2026-10-12")
    assert case.steps.get().due_on == D("2026-10-12")  # not 30 working days later


def _supplied_just_before_the_lock(world, monkeypatch, case):
    """The applicant's supply commits after the tick chose the case and before it locks it."""
    real = tick.lock_case

    def lock_after_supply(number):
        if number == case.number and not getattr(lock_after_supply, "done", False):
            lock_after_supply.done = True
            services.do_supply(actor=world["citizen"], number=number, uploads=[upload(world["materials"][1])])
        return real(number)

    monkeypatch.setattr(tick, "lock_case", lock_after_supply)


def test_a_supply_that_wins_the_race_is_not_returned_as_expired(world, day, monkeypatch):
    case = _paused(world, PauseKind.SUPPLEMENT)
    day("2026-10-23")  # the supplement was due 2026-10-20
    _supplied_just_before_the_lock(world, monkeypatch, case)
    report = services.do_tick(on=D("2026-10-23"))
    case.refresh_from_db()
    assert (report.supplements_expired, report.failed) == (0, [])
    assert (case.state, case.result_code) == (CaseState.ACCEPTED, "")
    assert not CaseEvent.objects.filter(case=case, action="conclude").exists()


def test_a_precheck_supply_that_wins_the_race_is_not_returned(world, day, monkeypatch):
    case = services.do_request_supplement(
        actor=world["officer"], number=submit(world).number, items=["补交章程"]
    )
    day("2026-10-23")
    _supplied_just_before_the_lock(world, monkeypatch, case)
    report = services.do_tick(on=D("2026-10-23"))
    case.refresh_from_db()
    assert (report.supplements_expired, report.failed) == (0, [])
    assert (case.state, case.received_on) == (CaseState.SUBMITTED, D("2026-10-23"))


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent transactions (SQLite serialises writers)",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_supply_racing_the_tick_on_two_connections(world, day, monkeypatch, transactional_db):
    """Real threads, real connections: the tick has chosen the expired supplement and waits at the
    row lock while the applicant's supply commits on another connection."""
    case = _paused(world, PauseKind.SUPPLEMENT)
    day("2026-10-23")
    chosen, supplied = threading.Event(), threading.Event()
    real = tick.lock_case

    def lock_when_supplied(number):
        chosen.set()
        assert supplied.wait(timeout=30)
        return real(number)

    monkeypatch.setattr(tick, "lock_case", lock_when_supplied)
    results = {}

    def run_tick():
        try:
            results["tick"] = services.do_tick(on=D("2026-10-23"))
        finally:
            connection.close()

    def run_supply():
        try:
            assert chosen.wait(timeout=30)
            results["supply"] = services.do_supply(
                actor=world["citizen"], number=case.number, uploads=[upload(world["materials"][1])]
            )
        finally:
            supplied.set()
            connection.close()

    threads = [threading.Thread(target=run_tick), threading.Thread(target=run_supply)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert results["supply"].state == CaseState.ACCEPTED
    assert (results["tick"].supplements_expired, results["tick"].failed) == (0, [])
    case.refresh_from_db()
    assert (case.state, case.result_code) == (CaseState.ACCEPTED, "")
    assert case.pauses.get().ended_on == D("2026-10-23")
    assert AuditEvent.objects.filter(action="cases.conclude").count() == 0


def test_an_expired_supplement_is_still_returned(world, day):
    case = _paused(world, PauseKind.SUPPLEMENT)
    before = counts()
    report = services.do_tick(on=D("2026-10-23"))
    case.refresh_from_db()
    assert (report.supplements_expired, report.failed) == (1, [])
    assert (case.state, case.result_code) == (CaseState.DELIVERED, ResultCode.RETURNED)
    assert counts()["events"] > before["events"]
