"""Disclosure on request: submitting, the clock with 补正 and extension, answers, authorisation.

Dates (calendar of 2026, from the chinesecalendar package): received Tue 2026-09-29; the 20
working days run 09-30, 10-08, 10-09, 10-10 (a Saturday worked for the National Day holidays),
10-12 … 10-30, 11-02 → due 2026-11-02. Twenty more: 11-03 … 11-30 → 2026-11-30.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import person, rid
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import disclosure
from .. import disclosure_clock as clock
from ..disclosure import AnswerInput
from ..enums_disclosure import AnswerKind, ApplicantKind, ClockLevel, ExtensionState, RequestState
from ..models_disclosure import DisclosureAnswer, DisclosureExtension, DisclosureRequest
from .disclosure_world import TODAY, submit, today_fixture, world_fixture  # noqa: F401 (fixtures)

D = dt.date


def actions(req) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="openness.disclosurerequest", object_id=str(req.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def snapshot(req) -> tuple:
    req = DisclosureRequest.objects.get(pk=req.pk)
    return (
        req.state,
        req.due_on,
        req.paused_days,
        req.extension_days,
        req.lock_version,
        DisclosureExtension.objects.filter(request=req).count(),
        DisclosureAnswer.objects.filter(request=req).count(),
    )


# --- Submitting ---------------------------------------------------------------------------------


def test_a_citizen_submits_and_gets_a_number_and_a_due_date(world):
    req = submit(world.citizen, world.body)
    assert req.number == f"YSQ2026{req.pk:07d}"
    assert (req.state, req.received_on, req.due_on) == (RequestState.RECEIVED, TODAY, D(2026, 11, 2))
    assert (req.applicant_kind, req.applicant_name, req.legal_person_id) == (
        ApplicantKind.PERSON,
        "市民甲",
        None,
    )
    assert actions(req) == ["openness.disclosure.submit"]


def test_a_legal_representative_acting_for_the_enterprise_requests_for_it(world):
    account_services.do_switch_acting(actor=world.rep, kind="enterprise", target_id=world.mandate.pk)
    req = submit(world.rep, world.body)
    assert (req.applicant_kind, req.applicant_name) == (
        ApplicantKind.ORGANISATION,
        "武汉鑫达恒通商贸有限公司",
    )
    assert req.legal_person_id == world.mandate.legal_person_id


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"form": "fax"}, "form"),
        ({"delivery": ""}, "delivery"),
        ({"form": "paper", "delivery": "online"}, "delivery"),
        ({"department_id": "999999"}, "department"),
        ({"department_id": "abc"}, "department"),
        ({"purpose": "x" * 501}, "purpose"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(world, over, field):
    with pytest.raises(InvalidInput) as exc:
        submit(world.citizen, world.body, **over)
    assert field in [p.field for p in exc.value.problems]
    assert DisclosureRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(action="openness.disclosure.submit").exists()


def test_a_request_without_a_description_names_description_only(world):
    with pytest.raises(InvalidInput) as exc:
        submit(world.citizen, world.body, description="")
    assert [p.field for p in exc.value.problems] == ["description"]


def test_staff_cannot_submit(world):
    with pytest.raises(Forbidden):
        submit(world.handler, world.body)
    assert DisclosureRequest.objects.count() == 0


# --- The clock ----------------------------------------------------------------------------------


def test_the_clock_explains_its_calculation(world):
    req = submit(world.citizen, world.body)
    c = clock.clock_of(req, on=TODAY)
    assert (c.due, c.level, c.days_left) == (D(2026, 11, 2), ClockLevel.OK, 20)
    assert c.explain() == "收到申请 2026-09-29 起算 20个工作日 = 2026-11-02"


def test_the_clock_warns_in_the_last_five_working_days_and_is_overdue_after(world):
    req = submit(world.citizen, world.body)
    assert clock.clock_of(req, on=D(2026, 10, 26)).level == ClockLevel.WARNING  # 5 left: 27..30, 11-02
    assert clock.clock_of(req, on=D(2026, 10, 23)).level == ClockLevel.OK  # 6 left
    assert clock.clock_of(req, on=D(2026, 11, 2)).level == ClockLevel.WARNING  # the last day
    c = clock.clock_of(req, on=D(2026, 11, 4))
    assert (c.level, c.days_left) == (ClockLevel.OVERDUE, -2)


def test_clarification_pauses_the_clock_and_adds_the_paused_working_days(world, today):
    req = submit(world.citizen, world.body)
    today(D(2026, 10, 12))
    with TestCase.captureOnCommitCallbacks(execute=True):
        disclosure.do_ask_clarification(
            actor=world.handler, pk=req.pk, question="请说明所需统计表的具体年度和区域范围"
        )
    req.refresh_from_db()
    assert (req.state, req.pause_started_on, req.handler_id) == (
        RequestState.CLARIFYING,
        D(2026, 10, 12),
        world.handler.pk,
    )
    paused = clock.clock_of(req, on=D(2026, 11, 20))  # long past the first due date: paused, not overdue
    assert (paused.level, paused.due, paused.paused_days) == (ClockLevel.PAUSED, None, 29)
    assert "自 2026-10-12 起补正暂停计时" in paused.explain()
    today(D(2026, 10, 15))
    disclosure.do_answer_clarification(actor=world.citizen, pk=req.pk, answer="2025年度，江夏区全区")
    req.refresh_from_db()
    assert (req.state, req.paused_days, req.due_on, req.pause_started_on) == (
        RequestState.PROCESSING,
        3,
        D(2026, 11, 5),
        None,
    )
    assert clock.clock_of(req, on=D(2026, 10, 15)).explain() == (
        "收到申请 2026-09-29 起算 20个工作日 + 补正暂停3个工作日 = 2026-11-05"
    )
    assert actions(req) == [
        "openness.disclosure.submit",
        "openness.disclosure.clarify",
        "openness.disclosure.clarified",
    ]


def test_an_approved_extension_moves_the_due_date_and_is_not_overdue_inside_it(world, today):
    req = submit(world.citizen, world.body)
    disclosure.do_accept(actor=world.handler, pk=req.pk)
    ext = disclosure.do_ask_extension(
        actor=world.handler, pk=req.pk, days=20, reason="需要调取多个科室的档案"
    )
    assert snapshot(req)[:4] == (RequestState.PROCESSING, D(2026, 11, 2), 0, 0)  # nothing moves yet
    with TestCase.captureOnCommitCallbacks(execute=True):
        disclosure.do_decide_extension(actor=world.head, pk=req.pk, extension_id=ext.pk, approve=True)
    req.refresh_from_db()
    assert (req.extension_days, req.due_on) == (20, D(2026, 11, 30))
    c = clock.clock_of(req, on=D(2026, 11, 16))  # past the first 20 days, inside the extension
    assert (c.level, c.extended, c.days_left) == (ClockLevel.OK, True, 10)
    assert c.explain() == "收到申请 2026-09-29 起算 20个工作日 + 延期20个工作日 = 2026-11-30"
    assert clock.clock_of(req, on=D(2026, 12, 1)).level == ClockLevel.OVERDUE
    assert DisclosureExtension.objects.get(pk=ext.pk).state == ExtensionState.APPROVED


def test_pause_and_extension_add_up(world, today):
    req = submit(world.citizen, world.body)
    today(D(2026, 10, 12))
    disclosure.do_ask_clarification(actor=world.handler, pk=req.pk, question="请说明所需信息的年度")
    today(D(2026, 10, 15))
    disclosure.do_answer_clarification(actor=world.citizen, pk=req.pk, answer="2025年度")
    ext = disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days="20", reason="需要征求第三方意见")
    disclosure.do_decide_extension(actor=world.platform, pk=req.pk, extension_id=ext.pk, approve=True)
    req.refresh_from_db()
    assert req.due_on == D(2026, 12, 3)  # 11-30 + 3 paused working days (12-01, 12-02, 12-03)
    assert clock.clock_of(req, on=D(2026, 12, 1)).explain() == (
        "收到申请 2026-09-29 起算 20个工作日 + 补正暂停3个工作日 + 延期20个工作日 = 2026-12-03"
    )


@pytest.mark.parametrize("days", [0, 21, -1, "x", "99999999", True, None])
def test_an_extension_beyond_20_working_days_is_refused(world, days):
    req = submit(world.citizen, world.body)
    before = snapshot(req)
    with pytest.raises(InvalidInput) as exc:
        disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days=days, reason="需要调取档案")
    assert [p.field for p in exc.value.problems] == ["days"]
    assert snapshot(req) == before


def test_extension_only_once(world):
    req = submit(world.citizen, world.body)
    ext = disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days=10, reason="需要调取档案")
    disclosure.do_decide_extension(actor=world.head, pk=req.pk, extension_id=ext.pk, approve=True)
    before = snapshot(req)
    with pytest.raises(InvalidInput) as exc:
        disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days=10, reason="还需要时间")
    assert exc.value.problems[0].field == "days"
    assert snapshot(req) == before


def test_four_eyes_the_asker_cannot_approve_and_a_clerk_cannot_either(world):
    req = submit(world.citizen, world.body)
    ext = disclosure.do_ask_extension(actor=world.head, pk=req.pk, days=20, reason="需要调取档案")
    before = snapshot(req)
    with pytest.raises(Forbidden):
        disclosure.do_decide_extension(actor=world.head, pk=req.pk, extension_id=ext.pk, approve=True)
    with pytest.raises(Forbidden):
        disclosure.do_decide_extension(actor=world.clerk, pk=req.pk, extension_id=ext.pk, approve=True)
    with pytest.raises(NotFound):  # another body's head learns nothing
        disclosure.do_decide_extension(
            actor=world.other_officer, pk=req.pk, extension_id=ext.pk, approve=True
        )
    assert snapshot(req) == before
    assert DisclosureExtension.objects.get(pk=ext.pk).state == ExtensionState.PENDING


def test_a_rejection_needs_its_reason_and_leaves_the_due_date(world):
    req = submit(world.citizen, world.body)
    ext = disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days=20, reason="需要调取档案")
    with pytest.raises(InvalidInput) as exc:
        disclosure.do_decide_extension(actor=world.head, pk=req.pk, extension_id=ext.pk, approve=False)
    assert exc.value.problems[0].field == "note"
    disclosure.do_decide_extension(
        actor=world.head, pk=req.pk, extension_id=ext.pk, approve=False, note="理由不充分"
    )
    req.refresh_from_db()
    assert (req.extension_days, req.due_on) == (0, D(2026, 11, 2))
    assert DisclosureExtension.objects.get(pk=ext.pk).state == ExtensionState.REJECTED
    with pytest.raises(Conflict):  # deciding it the other way afterwards
        disclosure.do_decide_extension(actor=world.head, pk=req.pk, extension_id=ext.pk, approve=True)


def test_a_second_pending_extension_is_a_conflict(world):
    req = submit(world.citizen, world.body)
    disclosure.do_ask_extension(actor=world.handler, pk=req.pk, days=5, reason="需要调取档案")
    with pytest.raises(Conflict):
        disclosure.do_ask_extension(actor=world.clerk, pk=req.pk, days=5, reason="需要调取档案")
    assert DisclosureExtension.objects.filter(request=req).count() == 1


# --- Answers ------------------------------------------------------------------------------------


def answer(actor, req, **over):
    values = {"kind": AnswerKind.DISCLOSED, "text": "所申请的统计表见附件，以电子文本提供。"} | over
    with TestCase.captureOnCommitCallbacks(execute=True):
        return disclosure.do_answer(actor=actor, pk=req.pk, data=AnswerInput(**values))


def test_answer_writes_the_notice_snapshot(world, today):
    req = submit(world.citizen, world.body)
    today(D(2026, 10, 20))
    a = answer(
        world.handler,
        req,
        kind=AnswerKind.PARTIAL,
        withheld="统计表中个体经营者的姓名和联系方式",
        ground="privacy",
        publishable=True,
    )
    req.refresh_from_db()
    assert (req.state, req.publishable, a.answered_on, a.notice_number) == (
        RequestState.ANSWERED,
        True,
        D(2026, 10, 20),
        f"{req.number}-GK01",
    )
    assert a.notice["kind_label"] == "部分公开"
    assert a.notice["ground"] == "涉及个人隐私"
    assert a.notice["basis"] == "《中华人民共和国政府信息公开条例》第三十七条"
    assert a.notice["applicant_name"] == "市民甲"
    assert clock.clock_of(req, on=D(2026, 12, 31)).level == ClockLevel.DONE
    assert actions(req)[-1] == "openness.disclosure.answer"


def test_answering_twice_is_a_conflict_and_changes_nothing(world):
    req = submit(world.citizen, world.body)
    answer(world.handler, req)
    before = snapshot(req)
    with pytest.raises(Conflict):
        answer(world.head, req, kind=AnswerKind.NOT_EXIST)
    assert snapshot(req) == before
    assert DisclosureAnswer.objects.get(request=req).kind == AnswerKind.DISCLOSED


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"kind": "maybe"}, "kind"),
        ({"text": ""}, "text"),
        ({"kind": AnswerKind.WITHHELD}, "ground"),
        ({"kind": AnswerKind.WITHHELD, "ground": "because"}, "ground"),
        ({"kind": AnswerKind.PARTIAL, "ground": "privacy"}, "withheld"),
        ({"kind": AnswerKind.DISCLOSED, "ground": "privacy"}, "ground"),
    ],
)
def test_an_answer_missing_what_its_kind_needs_is_refused(world, over, field):
    req = submit(world.citizen, world.body)
    before = snapshot(req)
    with pytest.raises(InvalidInput) as exc:
        answer(world.handler, req, **over)
    assert field in [p.field for p in exc.value.problems]
    assert snapshot(req) == before


def test_not_held_names_the_body_that_holds_it(world):
    req = submit(world.citizen, world.body)
    a = answer(
        world.handler,
        req,
        kind=AnswerKind.NOT_HELD,
        holder_body="武汉市江夏区民政局",
        text="该信息由区民政局掌握。",
    )
    assert (a.holder_body, a.notice["holder_body"]) == ("武汉市江夏区民政局", "武汉市江夏区民政局")


def test_answering_while_clarifying_ends_the_pause(world, today):
    req = submit(world.citizen, world.body)
    today(D(2026, 10, 12))
    disclosure.do_ask_clarification(actor=world.handler, pk=req.pk, question="请说明所需信息的年度")
    ext_free = disclosure.do_ask_extension  # not allowed while paused
    with pytest.raises(Conflict):
        ext_free(actor=world.handler, pk=req.pk, days=5, reason="需要调取档案")
    today(D(2026, 10, 26))
    answer(world.handler, req, kind=AnswerKind.NOT_PROCESSED, text="申请人逾期未补正，视为放弃申请。")
    req.refresh_from_db()
    assert (req.state, req.paused_days, req.pause_started_on) == (RequestState.ANSWERED, 10, None)


# --- Who may do what ----------------------------------------------------------------------------


def test_other_bodies_and_people_reach_nothing_and_the_refusal_is_audited(world):
    req = submit(world.citizen, world.body)
    before = snapshot(req)
    for actor in (world.other_officer, world.inspector, world.citizen, world.stranger):
        with pytest.raises(NotFound):
            disclosure.do_accept(actor=actor, pk=req.pk)
        with pytest.raises(NotFound):
            disclosure.access_as_staff(actor, req.pk)
    with pytest.raises(NotFound):
        answer(world.other_officer, req)
    assert snapshot(req) == before
    assert AuditEvent.objects.filter(action="openness.disclosure.access_refused").count() == 9


def test_the_applicant_and_only_the_applicant_side_sees_the_request(world):
    account_services.do_switch_acting(actor=world.rep, kind="enterprise", target_id=world.mandate.pk)
    firm = submit(world.rep, world.body)
    mine = submit(world.citizen, world.body)
    assert disclosure.access_as_applicant(world.citizen, mine.pk) == mine
    assert disclosure.access_as_applicant(world.rep, firm.pk) == firm
    with pytest.raises(NotFound):
        disclosure.access_as_applicant(world.stranger, mine.pk)
    with pytest.raises(NotFound):
        disclosure.access_as_applicant(world.handler, mine.pk)  # staff use the workbench
    assert list(disclosure.my_requests(world.citizen)) == [mine]
    assert list(disclosure.my_requests(world.stranger)) == []
    with pytest.raises(NotFound):
        disclosure.do_answer_clarification(actor=world.stranger, pk=mine.pk, answer="我来补正")
    assert list(disclosure.my_requests(world.rep)) == [firm]


def test_an_agent_of_the_enterprise_sees_its_requests_while_the_mandate_is_valid(world):
    agent = person(48, name="经办辛", level=2)
    granted = account_services.do_grant_mandate(
        actor=world.rep,
        legal_person_id=world.mandate.legal_person_id,
        agent_name="经办辛",
        agent_id_number=rid(48),
        all_items=True,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    account_services.do_switch_acting(actor=agent, kind="enterprise", target_id=granted.pk)
    firm = submit(agent, world.body)
    assert (firm.applicant_kind, firm.applicant_id) == (ApplicantKind.ORGANISATION, agent.pk)
    assert list(disclosure.my_requests(world.rep)) == [firm]  # the legal representative too
    account_services.do_revoke_mandate(actor=world.rep, mandate_id=granted.pk)
    with pytest.raises(NotFound):  # the mandate ended: the enterprise's request is out of reach
        disclosure.access_as_applicant(agent, firm.pk)
    assert list(disclosure.my_requests(agent)) == []
    assert disclosure.access_as_applicant(world.rep, firm.pk) == firm


def test_accept_twice_by_the_same_handler_is_nothing_and_by_another_a_conflict(world):
    req = submit(world.citizen, world.body)
    disclosure.do_accept(actor=world.handler, pk=req.pk)
    disclosure.do_accept(actor=world.handler, pk=req.pk)
    with pytest.raises(Conflict):
        disclosure.do_accept(actor=world.clerk, pk=req.pk)
    assert actions(req).count("openness.disclosure.accept") == 1


def test_the_queue_shows_the_bodys_requests_with_their_clocks(world, today):
    late = submit(world.citizen, world.body)
    submit(world.citizen, world.other_body)
    today(D(2026, 11, 4))
    rows = disclosure.queue(world.handler)
    assert [(r.pk, r.clock.level) for r in rows] == [(late.pk, ClockLevel.OVERDUE)]
    assert len(disclosure.queue(world.platform)) == 2
    assert disclosure.queue(world.inspector) == []
    assert [r.pk for r in disclosure.queue(world.handler, level="ok")] == []


# --- The register -------------------------------------------------------------------------------


def test_the_register_is_anonymous_and_counts_per_body_and_outcome(world):
    shown = submit(world.citizen, world.body, description="江夏区2025年政府采购目录")
    hidden = submit(world.citizen, world.body, description="关于我本人的一份行政处罚决定书")
    submit(world.stranger, world.other_body)
    answer(world.handler, shown, publishable=True)
    answer(world.handler, hidden, kind=AnswerKind.NOT_EXIST, text="经检索，本机关未制作该信息。")
    rows, counts = disclosure.register()
    assert all("applicant" not in k and k != "name" and k != "description" for row in rows for k in row)
    assert {
        r["number"]: r["shown_description"] for r in rows if r["number"] in (shown.number, hidden.number)
    } == {
        shown.number: "江夏区2025年政府采购目录",
        hidden.number: "",
    }
    table, columns = disclosure.register_table(counts)
    assert columns[-1] == "open"
    by_name = {r["name"]: dict(zip(columns, r["cells"], strict=True)) for r in table}
    assert by_name["武汉市江夏区行政审批局"]["disclosed"] == 1
    assert by_name["武汉市江夏区行政审批局"]["not_exist"] == 1
    assert by_name["武汉市江夏区民政局"]["open"] == 1
