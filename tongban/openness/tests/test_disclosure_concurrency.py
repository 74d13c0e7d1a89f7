"""Races on PostgreSQL (real row locks, one connection per thread): two answers to one request
at once make one answer (the other a Conflict); two extension requests at once make one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tongban.accounts.tests.identity_support import person
from tongban.catalog.testing import ensure_regions
from tongban.core import services as core_services
from tongban.core.errors import Conflict
from tongban.licences.tests.conftest import department, staff

from .. import disclosure
from ..models_disclosure import DisclosureAnswer, DisclosureExtension
from .disclosure_world import SYSTEM, submit, today_fixture  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's (SQLite serialises every write)"
)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's error is the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture(name="w")
def world_fixture(transactional_db, today):
    ensure_regions()
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    body = department("武汉市江夏区行政审批局", "420115")

    class W:
        pass

    w = W()
    w.body = body
    w.a = staff("race-a", "approving_officer", dept=body)
    w.b = staff("race-b", "approving_officer", dept=body)
    w.citizen = person(41, name="市民甲", level=2)
    return w


def test_two_answers_at_once_make_one(w):
    req = submit(w.citizen, w.body)

    def answer(actor, kind):
        return lambda: disclosure.do_answer(
            actor=actor, pk=req.pk, data=disclosure.AnswerInput(kind=kind, text="经检索，答复如下。")
        )

    results = race(answer(w.a, "disclosed"), answer(w.b, "not_exist"))
    made = [r for r in results if isinstance(r, DisclosureAnswer)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 1, results
    assert DisclosureAnswer.objects.filter(request=req).count() == 1
    assert DisclosureAnswer.objects.get(request=req).kind == made[0].kind


def test_two_extension_requests_at_once_make_one(w):
    req = submit(w.citizen, w.body)
    results = race(
        lambda: disclosure.do_ask_extension(actor=w.a, pk=req.pk, days=20, reason="需要调取档案"),
        lambda: disclosure.do_ask_extension(actor=w.b, pk=req.pk, days=10, reason="需要征求意见"),
    )
    made = [r for r in results if isinstance(r, DisclosureExtension)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 1, results
    assert DisclosureExtension.objects.filter(request=req).count() == 1
