"""Issue 10 §2 and §3: deadlines into a year without the official arrangement are provisional
(暂定); importing the arrangement or editing a day recomputes every open case's stored deadlines,
records the change on its timeline and notifies the applicant whose date moved."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.accounts.gateways import outbox
from tongban.catalog.testing import SYSTEM
from tongban.core import services as core_services
from tongban.core.enums import DayKind
from tongban.core.models import AuditEvent

from .. import clock, queries, recalendar, services
from ..enums import PauseKind
from ..models import Case, CaseEvent, Notification
from .conftest import submit

pytestmark = pytest.mark.usefixtures("regions_loaded")
D = dt.date.fromisoformat

# The arrangement as it might be announced: New Year's Day with the Monday after it off.
ARRANGEMENT_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,holiday,元旦\n"


@pytest.fixture
def late_december(world, day):
    day("2026-12-28")
    yield world
    # The outbox gateway keeps SMS in the shared cache: leave none for the next test.
    from django.core.cache import cache

    from tongban.accounts.gateways import SMS

    cache.delete(SMS.outbox_key("13900000001"))


def accepted(world):
    return services.do_accept(actor=world["officer"], number=submit(world).number)


def test_a_case_accepted_on_2026_12_28_gets_provisional_deadlines(late_december):
    case = accepted(late_december)
    # 5 working days: 12-29, 12-30, 12-31, (2027-01-01 New Year's Day), 01-04, 01-05.
    assert (case.promised_due, case.statutory_due) == (D("2027-01-05"), D("2027-01-26"))
    assert clock.is_provisional(case.promised_due, case.accepted_on) is True
    assert queries.clock_lines(case)[0] == (
        "受理日 2026-12-28 起算 5个工作日 = 2027-01-05（暂定：2027年尚无国务院节假日安排，按法定节假日推算）"
    )
    notice = case.notices.get(kind="acceptance")
    assert (notice.data["promised_due"], notice.data["provisional"]) == ("2027-01-05", True)
    assert Notification.objects.filter(case=case).last().text == (
        "已受理，承诺2027-01-05前办结（暂定，节假日安排公布后可能调整，届时另行通知）"
    )


def test_importing_the_arrangement_moves_the_deadlines_and_tells_the_applicant(
    late_december, django_capture_on_commit_callbacks
):
    world = late_december
    case = accepted(world)
    early = services.do_accept(actor=world["officer"], number=submit(world).number)
    Case.objects.filter(pk=early.pk).update(promised_due=D("2026-12-30"), statutory_due=D("2026-12-31"))
    step_before = case.steps.get(index=0).due_on
    with django_capture_on_commit_callbacks(execute=True):
        core_services.do_import_calendar(actor=SYSTEM, text=ARRANGEMENT_2027, source="file 2027.csv")
    case.refresh_from_db()
    assert (case.promised_due, case.statutory_due) == (D("2027-01-06"), D("2027-01-27"))
    assert clock.is_provisional(case.promised_due, case.accepted_on) is False
    assert queries.clock_lines(case)[0] == "受理日 2026-12-28 起算 5个工作日 = 2027-01-06"
    event = CaseEvent.objects.get(case=case, action="recalendar")
    assert event.actor_label == SYSTEM
    assert event.data["promised_due"] == ["2027-01-05", "2027-01-06"]
    assert event.data["statutory_due"] == ["2027-01-26", "2027-01-27"]
    assert "承诺办结日期由 2027-01-05 改为 2027-01-06" in event.note
    assert case.steps.get(index=0).due_on == step_before  # 2 working days: 12-30, before the change
    text = "国务院节假日安排已公布，承诺办结日期调整为2027-01-06，法定办结日期调整为2027-01-27"
    assert Notification.objects.filter(case=case).last().text == text
    assert outbox("13900000001")[-1] == f"【通办】您的办件{case.number}（{case.item_name}）：{text}"
    assert AuditEvent.objects.filter(action="cases.recalendar", object_id=str(case.pk)).count() == 1
    # The case whose dates lie before the change is left alone (and not told).
    assert not CaseEvent.objects.filter(case=early, action="recalendar").exists()
    # Importing the same again moves nothing.
    core_services.do_import_calendar(actor=SYSTEM, text=ARRANGEMENT_2027, source="file 2027.csv")
    assert CaseEvent.objects.filter(case=case, action="recalendar").count() == 1


def test_a_day_edited_in_an_official_year_moves_the_stored_dates_so_page_and_queue_agree(world, day):
    case = accepted(world)  # 2026-09-29: due 2026-10-12
    services.do_pause(
        actor=world["officer"],
        number=case.number,
        kind=PauseKind.SUPPLEMENT,
        reason="材料不全",
        items=["章程"],
    )
    pause_due = case.pauses.get().due_on
    core_services.do_set_calendar_day(actor=SYSTEM, date=D("2026-10-09"), kind=DayKind.HOLIDAY, name="测试")
    case.refresh_from_db()
    assert case.promised_due == D("2026-10-13")
    assert queries.clock_lines(case)[0].endswith("= 2026-10-13")
    overdue_on = D("2026-10-13")
    assert case not in queries.queue(world["officer"], "overdue", on=overdue_on)
    assert case.pauses.get().due_on == clock.add_days(case.pauses.get().started_on, 10) != pause_due
    event = CaseEvent.objects.get(case=case, action="recalendar")
    assert event.data["pause_due"] == [pause_due.isoformat(), case.pauses.get().due_on.isoformat()]


def test_open_cases_are_walked_in_chunks(late_december, monkeypatch):
    world = late_december
    numbers = [accepted(world).number for _ in range(5)]
    monkeypatch.setattr(recalendar, "CHUNK", 2)
    core_services.do_import_calendar(actor=SYSTEM, text=ARRANGEMENT_2027, source="file 2027.csv")
    assert set(Case.objects.filter(number__in=numbers).values_list("promised_due", flat=True)) == {
        D("2027-01-06")
    }
    assert CaseEvent.objects.filter(case__number__in=numbers, action="recalendar").count() == 5


def test_a_failing_recompute_rolls_the_import_back(late_december, monkeypatch):
    from tongban.core.models import CalendarYear

    case = accepted(late_december)

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(recalendar, "_recompute_chunk", broken)
    with pytest.raises(RuntimeError):
        core_services.do_import_calendar(actor=SYSTEM, text=ARRANGEMENT_2027, source="file 2027.csv")
    assert not CalendarYear.objects.filter(year=2027).exists()
    case.refresh_from_db()
    assert case.promised_due == D("2027-01-05")


def test_pages_and_the_api_mark_provisional_dates(late_december):
    from .conftest import as_user

    world = late_december
    case = submit(world)
    page = as_user(world["citizen"]).get(f"/cases/{case.number}/submitted/")
    assert page.status_code == 200  # was 409: the pre-check date ran into 2027
    assert '2027-01-05 <span class="tag-provisional"' in page.content.decode()
    services.do_accept(actor=world["officer"], number=case.number)
    body = as_user(world["citizen"]).get(f"/api/v1/cases/{case.number}").json()
    assert (body["promised_due"], body["promised_due_provisional"]) == ("2027-01-05", True)
    assert (body["statutory_due"], body["statutory_due_provisional"]) == ("2027-01-26", True)
    assert body["steps"][0]["due_on_provisional"] is False  # 2026-12-30
    for client, url in (
        (as_user(world["citizen"]), f"/cases/{case.number}/"),
        (as_user(world["officer"]), f"/workbench/cases/{case.number}/"),
    ):
        html = client.get(url).content.decode()
        assert '2027-01-05 <span class="tag-provisional"' in html
        assert '2027-01-26 <span class="tag-provisional"' in html
