"""Issue 10 "Done when": with the clock at 2026-12-28 and no 2027 arrangement, the demo province
(`seed demo` on a fresh database, its own cases included) accepts every item online and at the
window, the deadlines show 暂定, `cases tick` completes, and importing a 2027 arrangement moves
the affected deadlines and notifies those applicants.

End to end on a sample (one item of each item type at 江夏 where the demo clerk works, online
and at the window, 告知承诺 included), and at unit level for every current demo item: each
limit's deadlines, the pre-check, supplement and 告知承诺 dates compute from 2026-12-28."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tongban.catalog import queries as catalog_queries
from tongban.core import services as core_services
from tongban.core.models import CalendarYear
from tongban.demo import queries as demo_queries
from tongban.demo.cases import _form, _uploads

from .. import clock, services
from ..common import COMMITMENT_CHECK_DAYS, SUPPLEMENT_DAYS
from ..enums import CaseState, Channel
from ..models import Case, CaseEvent, Notification
from .story_support import demo_person, demo_staff, seed_demo

D = dt.date.fromisoformat
NEW_YEAR_ARRANGEMENT = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,holiday,元旦\n"


@pytest.fixture
def demo_at_year_end(db, day, tmp_path, settings):
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    day("2026-12-28")
    seed_demo(tmp_path)  # its own cases are accepted and paused on 2026-12-28 too
    assert not CalendarYear.objects.filter(year=2027).exists()
    return tmp_path


def every_demo_item_has_computable_deadlines_from_2026_12_28():
    start = D("2026-12-28")
    items = list(
        catalog_queries.current_items().values_list(
            "code", "promised_limit", "promised_unit", "statutory_limit", "statutory_unit"
        )
    )
    assert len(items) > 3000
    assert clock.precheck_deadline(start) == D("2027-01-05")
    assert clock.add_days(start, SUPPLEMENT_DAYS) == D("2027-01-12")
    assert clock.add_days(start, COMMITMENT_CHECK_DAYS) == D("2027-01-26")
    provisional = 0
    for code, pl, pu, sl, su in items:
        promised, statutory = clock.deadlines(start, (pl, pu), (sl, su))
        assert promised.due >= start and statutory.due >= start, code
        provisional += promised.provisional
    assert provisional > 0


def test_the_demo_accepts_online_and_at_the_window_at_2026_12_28_and_moves_with_the_arrangement(
    demo_at_year_end, django_capture_on_commit_callbacks
):
    every_demo_item_has_computable_deadlines_from_2026_12_28()  # one seed (~100 s) for both
    clerk = demo_staff("clerk")
    hall_prefix = "420115"
    citizen = demo_person("17000000003")  # 刘洋, L3
    sample = {}
    for item in catalog_queries.current_items().filter(region__code__startswith=hall_prefix).order_by("code"):
        sample.setdefault(item.item_type, item)
    assert len(sample) >= 5
    window, online = [], []
    for i, item in enumerate(sample.values()):
        window.append(
            services.do_window_intake(
                actor=clerk,
                applicant_id=citizen.pk,
                item_code=item.code,
                data=_form(citizen, item.name),
                uploads=_uploads(item.code),
                commitment=i % 2 == 0,  # 告知承诺 on every other item
            )
        )
        online.append(
            services.do_submit(
                actor=citizen,
                item_code=item.code,
                data=_form(citizen, item.name),
                uploads=_uploads(item.code),
                channel=Channel.MOBILE,
            )
        )
    for case in window:
        assert case.state == CaseState.ACCEPTED
        assert case.promised_due is not None and case.statutory_due is not None
    assert any(clock.is_provisional(c.statutory_due, c.accepted_on) for c in window)
    committed = [c for c in window if c.commitment]
    assert {c.commitment_check_due for c in committed} == {D("2027-01-26")}
    # The daily tick completes on 2027-01-06: the online cases are deemed accepted as of receipt.
    out = io.StringIO()
    call_command("cases", "tick", "--date", "2027-01-06", stdout=out)
    assert "  failed: 0" in out.getvalue().splitlines()
    for case in online:
        case.refresh_from_db()
        assert (case.state, case.accepted_on, case.deemed_accepted) == (
            CaseState.ACCEPTED,
            D("2026-12-28"),
            True,
        )
    # The arrangement arrives: 2027-01-04 is off too. Every deadline on or after it moves a day.
    before = dict(Case.objects.filter(state=CaseState.ACCEPTED).values_list("number", "promised_due"))
    with django_capture_on_commit_callbacks(execute=True):
        core_services.do_import_calendar(
            actor="system:calendar", text=NEW_YEAR_ARRANGEMENT, source="2027.csv"
        )
    after = dict(Case.objects.filter(state=CaseState.ACCEPTED).values_list("number", "promised_due"))
    moved = {n for n in before if before[n] != after[n]}
    assert moved and all(
        after[n] == clock.add_days(before[n], 1) for n in moved if before[n] > D("2027-01-04")
    )
    assert all(after[n] == before[n] for n in before if before[n] < D("2027-01-04"))
    for number in moved:
        assert CaseEvent.objects.filter(case__number=number, action="recalendar").count() == 1
        assert Notification.objects.filter(
            case__number=number, text__startswith="国务院节假日安排已公布"
        ).exists()
    assert not any(clock.is_provisional(d) for d in after.values() if d and d.year == 2027)
    assert demo_queries.MARKER_DEPARTMENT  # the demo's own 江夏 cases were seeded on 2026-12-28 too
