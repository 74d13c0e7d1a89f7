"""Correctness under concurrency and faults, on PostgreSQL (real row locks and concurrent
transactions): two officers signing off the same step at once, two submissions racing with the
same Idempotency-Key, and a crash in the middle of a step.

The threaded tests need committed data visible to other connections (transactional_db) and
PostgreSQL's row locks; SQLite serialises every writer (IMMEDIATE transactions), so a race
cannot happen there and the tests are skipped. CI runs them on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tongban.core.errors import Conflict
from tongban.core.models import AuditEvent

from .. import handling, services
from ..enums import CaseState, StepState
from ..models import Case, CaseEvent, IdempotencyKey
from .conftest import counts, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent transactions (SQLite serialises writers); "
    "run with DATABASE_URL=postgres://... as CI does",
)


def race(*calls):
    """Run the calls at the same instant in threads; each result is a value or an exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_completing_the_same_step_at_once(world, transactional_db):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    results = race(
        *[
            lambda who=who: services.do_complete_step(
                actor=world[who], number=case.number, step_index=0, outcome="pass", comment="同意"
            )
            for who in ("officer", "officer2")
        ]
    )
    won = [r for r in results if isinstance(r, Case)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].message == "该环节已由他人办理或尚未开始"
    assert CaseEvent.objects.filter(case=case, action="step").count() == 1
    steps = list(case.steps.order_by("index").values_list("state", flat=True))
    assert steps == [StepState.DONE, StepState.ACTIVE, StepState.WAITING]
    case.refresh_from_db()
    assert (case.state, case.lock_version) == (CaseState.ACCEPTED, 2)  # accept, one step


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_with_the_same_idempotency_key_make_one_case(world, transactional_db):
    results = race(*[lambda: submit(world, idempotency_key="same-key")] * 2)
    assert all(isinstance(r, Case) for r in results), results
    assert results[0].pk == results[1].pk
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(action="submit").count() == 1
    assert IdempotencyKey.objects.filter(key="same-key").count() == 1
    assert AuditEvent.objects.filter(action="cases.submit").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_different_keys_make_two_cases_with_distinct_numbers(world, transactional_db):
    results = race(*[lambda k=k: submit(world, idempotency_key=k) for k in ("key-a", "key-b")])
    assert all(isinstance(r, Case) for r in results), results
    assert sorted(Case.objects.values_list("number", flat=True)) == sorted(r.number for r in results)
    assert len({r.number for r in results}) == 2


def test_a_crash_in_the_middle_of_a_step_leaves_the_case_as_it_was(world, monkeypatch):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    case.refresh_from_db()
    before = counts()
    snapshot = (
        case.state,
        case.lock_version,
        list(case.steps.values_list("state", "completed_by", "outcome")),
    )

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after the step was saved")

    monkeypatch.setattr(handling, "start_step", crash)  # runs after the step row was written
    with pytest.raises(RuntimeError):
        services.do_complete_step(
            actor=world["officer"], number=case.number, step_index=0, outcome="pass", idempotency_key="k1"
        )
    case.refresh_from_db()
    assert (
        case.state,
        case.lock_version,
        list(case.steps.values_list("state", "completed_by", "outcome")),
    ) == (snapshot)
    assert counts() == before
    assert not IdempotencyKey.objects.filter(key="k1").exists()
    monkeypatch.undo()
    # the retry with the same key acts (the failed attempt left no trace)
    services.do_complete_step(
        actor=world["officer"], number=case.number, step_index=0, outcome="pass", idempotency_key="k1"
    )
    assert CaseEvent.objects.filter(case=case, action="step").count() == 1
