"""The lifecycle: every transition and its refusals (nothing changes then), returns and
arbitration (no loop), deadlines with the calendar and the pause, extension, reopen, merge,
督办, 举报 anonymity, metrics moving with the transitions."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.accounts import gateways
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.ratings import signals, subjects

from .. import deadlines, merge, metrics, permissions, queries
from ..enums import MAX_DISPATCHES
from ..models import Dispute, Ticket, TicketUnit
from ..services import (
    do_accept,
    do_add_progress,
    do_arbitrate,
    do_callback,
    do_close,
    do_decide_extension,
    do_dispatch,
    do_merge,
    do_reply,
    do_request_extension,
    do_return,
    do_send_back,
    do_set_deadline_rule,
    supervise_due,
)
from .tickets_world import NOW, clock_fixture, phone_ticket, run, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def snapshot(number: str) -> dict:
    t = Ticket.objects.get(number=number)
    return {
        "state": t.state,
        "unit": t.unit_id,
        "returns": t.returns,
        "dispatches": t.dispatches,
        "chain": t.chain,
        "reply_due": t.reply_due,
        "events": t.events.count(),
    }


def unit_row(dept) -> dict:
    return metrics.unit_totals([dept.pk])


def test_full_way_province_city_county_with_return_reply_close_callback(world, clock):
    t = phone_ticket(world)
    n = t.number
    # The platform dispatches to the city unit; a stranger unit cannot sign for it.
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.city.pk, assist_ids=[world.city_other.pk])
    t.refresh_from_db()
    assert (t.state, t.unit_id, t.dispatches) == ("dispatched", world.city.pk, 1)
    assert t.accept_due == NOW + dt.timedelta(hours=24)
    assert sorted(TicketUnit.objects.filter(ticket=t, active=True).values_list("role", flat=True)) == [
        "assist",
        "lead",
    ]
    before = snapshot(n)
    with pytest.raises(NotFound):
        do_accept(actor=world.county_staff, number=n)
    with pytest.raises(NotFound):
        do_accept(actor=world.citizen, number=n)
    assert snapshot(n) == before
    clock(NOW + dt.timedelta(hours=2))
    do_accept(actor=world.city_staff, number=n)
    with pytest.raises(Conflict):
        do_accept(actor=world.city_staff, number=n)
    # The city re-dispatches downward only: not to a peer city unit, not upward.
    with pytest.raises(InvalidInput) as caught:
        do_dispatch(actor=world.city_staff, number=n, unit_id=world.city_other.pk)
    assert caught.value.problems[0].field == "unit_id"
    run(do_dispatch, actor=world.city_staff, number=n, unit_id=world.county_other.pk)
    t.refresh_from_db()
    assert (t.state, t.unit_id, t.chain) == ("dispatched", world.county_other.pk, [world.city.pk])
    # The first county unit returns it (not its business): back to the city, which signed already.
    with pytest.raises(InvalidInput) as caught:
        do_return(actor=world.county_other_staff, number=n, reason="不是")
    assert caught.value.problems[0].field == "reason"
    do_return(actor=world.county_other_staff, number=n, reason="噪音执法不属于住建部门职责")
    t.refresh_from_db()
    assert (t.state, t.unit_id, t.chain, t.returns) == ("accepted", world.city.pk, [], 1)
    run(do_dispatch, actor=world.city_staff, number=n, unit_id=world.county.pk)
    do_accept(actor=world.county_staff, number=n)
    do_add_progress(actor=world.county_staff, number=n, note="已约谈施工单位，责令夜间停工")
    # An assisting unit gives its opinion; the city (no longer lead) cannot reply.
    do_add_progress(actor=world.city_other_staff, number=n, note="配合核查施工许可")
    assert (
        TicketUnit.objects.get(ticket=t, department=world.city_other, active=True).opinion
        == "配合核查施工许可"
    )
    with pytest.raises(NotFound):
        do_reply(actor=world.city_staff, number=n, reply="已处理完毕，请知悉")
    with pytest.raises(Conflict):
        do_close(actor=world.operator, number=n)
    run(do_reply, actor=world.county_staff, number=n, reply="已责令施工单位夜间停工，并加强巡查")
    # The platform sends a poor reply back once, then closes.
    do_send_back(actor=world.operator, number=n, reason="答复未说明后续巡查安排")
    run(do_reply, actor=world.county_staff, number=n, reply="已责令停工，每晚22点后巡查一周")
    with pytest.raises(Forbidden):
        do_close(actor=world.county_staff, number=n)
    run(do_close, actor=world.operator, number=n)
    t.refresh_from_db()
    assert t.state == "closed" and t.closed_on_time is True
    run(do_callback, actor=world.operator, number=n, solved=True, note="市民表示满意")
    t.refresh_from_db()
    assert t.state == "visited" and t.solved is True
    actions = [e.action for e in queries.events_of(t)]
    assert actions == [
        "intake",
        "dispatch",
        "accept",
        "redispatch",
        "return",
        "redispatch",
        "accept",
        "progress",
        "assist_opinion",
        "reply",
        "send_back",
        "reply",
        "close",
        "callback",
    ]
    # Metrics moved on the way.
    assert (unit_row(world.city)["dispatched"], unit_row(world.city)["accepted"]) == (1, 1)
    county = unit_row(world.county)
    assert (
        county["dispatched"],
        county["accepted"],
        county["closed"],
        county["closed_on_time"],
        county["visited"],
    ) == (
        1,
        1,
        1,
        1,
        1,
    )
    other = unit_row(world.county_other)
    assert (other["dispatched"], other["returned"]) == (1, 1)
    assert metrics.unit_rates(other)["return_rate"] == 1.0
    assert metrics.unit_rates(unit_row(world.city))["accept_on_time_rate"] == 1.0
    # The caller got an SMS on the steps.
    assert len(gateways.outbox("13912345678")) >= 5


def test_returns_go_to_arbitration_pause_the_clock_and_bind(world, clock):
    t = phone_ticket(world)
    n = t.number
    assert str(t.reply_due) == "2026-10-19"
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.city.pk)
    do_return(actor=world.city_staff, number=n, reason="不属于城管职责范围")
    assert snapshot(n)["state"] == "received"
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.city_other.pk)
    do_return(actor=world.city_other_staff, number=n, reason="不属于市场监管职责")
    t.refresh_from_db()
    assert t.state == "arbitration" and t.unit_id is None and t.pause_started_on == dt.date(2026, 9, 29)
    assert Dispute.objects.filter(ticket=t, state="open").count() == 1
    with pytest.raises(Conflict):
        do_dispatch(actor=world.operator, number=n, unit_id=world.county.pk)
    with pytest.raises(Forbidden):
        do_arbitrate(actor=world.operator, number=n, unit_id=world.county.pk, note="由江夏区城管办理")
    # Decided on 9 October: the paused working days (30 Sep, 8 and 9 Oct) move the deadline.
    clock(deadlines.now().replace(year=2026, month=10, day=9))
    run(do_arbitrate, actor=world.admin, number=n, unit_id=world.county.pk, note="属地管理，由江夏区城管办理")
    t.refresh_from_db()
    assert (t.state, t.unit_id, t.bound, t.paused_days) == ("dispatched", world.county.pk, True, 3)
    assert str(t.reply_due) == "2026-10-22"
    clock_view = deadlines.clock_of(t, on=dt.date(2026, 10, 9))
    assert clock_view.due == dt.date(2026, 10, 22)
    assert "争议裁定暂停3个工作日" in clock_view.explain() and "2026-09-29" in clock_view.explain()
    # Binding: the designated unit may neither return nor pass it on.
    with pytest.raises(Conflict):
        do_return(actor=world.county_staff, number=n, reason="仍然不属于本单位职责")
    do_accept(actor=world.county_staff, number=n)
    with pytest.raises(Conflict):
        do_dispatch(actor=world.county_staff, number=n, unit_id=world.township.pk)
    assert snapshot(n)["state"] == "accepted"


def test_a_ticket_never_loops(world):
    """Dispatch hops are capped; returns between a unit and its sub-units end at the cap."""
    t = phone_ticket(world)
    n = t.number
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.city.pk)
    do_accept(actor=world.city_staff, number=n)
    hops = 1
    while True:
        try:
            run(do_dispatch, actor=world.city_staff, number=n, unit_id=world.county.pk)
        except Conflict:
            break
        hops += 1
        do_return(actor=world.county_staff, number=n, reason="不属于本单位职责范围")
        assert hops <= MAX_DISPATCHES
    t.refresh_from_db()
    assert t.dispatches == MAX_DISPATCHES and t.state == "accepted" and t.unit_id == world.city.pk
    # The city can still return it to the platform, which then arbitrates (returns ≥ limit).
    do_return(actor=world.city_staff, number=n, reason="请平台裁定承办单位")
    assert snapshot(n)["state"] == "arbitration"


def test_accept_late_and_reply_late_count_against_the_unit(world, clock):
    do_set_deadline_rule(actor=world.admin, kind="help", urgency="normal", accept_hours=4, reply_days=2)
    with pytest.raises(Forbidden):
        do_set_deadline_rule(
            actor=world.operator, kind="help", urgency="normal", accept_hours=4, reply_days=2
        )
    with pytest.raises(InvalidInput):
        do_set_deadline_rule(actor=world.admin, kind="help", urgency="normal", accept_hours=0, reply_days=2)
    t = phone_ticket(world, kind="help", text="小区门口井盖缺失，存在安全隐患，请尽快处理")
    assert (t.reply_days, str(t.reply_due)) == (2, "2026-10-08")
    n = t.number
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.county.pk)
    clock(NOW + dt.timedelta(hours=5))
    do_accept(actor=world.county_staff, number=n)
    clock(NOW.replace(day=30) + dt.timedelta(days=10))  # 10 October (a worked Saturday)
    run(do_reply, actor=world.county_staff, number=n, reply="已补装井盖并设置警示标志")
    run(do_close, actor=world.operator, number=n)
    t.refresh_from_db()
    assert t.accepted_on_time is False and t.closed_on_time is False
    rates = metrics.unit_rates(unit_row(world.county))
    assert rates["accept_on_time_rate"] == 0.0 and rates["close_on_time_rate"] == 0.0


def test_extension_approved_by_the_dispatcher(world):
    t = phone_ticket(world)
    n = t.number
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.county.pk)
    with pytest.raises(Conflict):
        do_request_extension(actor=world.county_staff, number=n, days=3, reason="需要协调多个部门现场核查")
    do_accept(actor=world.county_staff, number=n)
    with pytest.raises(InvalidInput) as caught:
        do_request_extension(actor=world.county_staff, number=n, days=99, reason="需要协调多个部门现场核查")
    assert caught.value.problems[0].field == "days"
    ext = do_request_extension(actor=world.county_staff, number=n, days=3, reason="需要协调多个部门现场核查")
    with pytest.raises(Conflict):
        do_request_extension(actor=world.county_staff, number=n, days=2, reason="需要协调多个部门现场核查")
    with pytest.raises(Forbidden):
        do_decide_extension(actor=world.county_staff, extension_id=ext.pk, approve=True)
    assert list(queries.pending_extensions()) == [ext]
    do_decide_extension(actor=world.operator, extension_id=ext.pk, approve=True)
    t.refresh_from_db()
    assert (t.extension_days, str(t.reply_due)) == (3, "2026-10-22")
    assert "延期3个工作日" in deadlines.clock_of(t).explain()
    with pytest.raises(Conflict):
        do_decide_extension(actor=world.operator, extension_id=ext.pk, approve=False)


def test_callback_unsolved_reopens_then_rating_counts(world, clock):
    t = phone_ticket(world)
    n = t.number
    run(do_dispatch, actor=world.operator, number=n, unit_id=world.county.pk)
    do_accept(actor=world.county_staff, number=n)
    run(do_reply, actor=world.county_staff, number=n, reply="已责令施工单位夜间停工")
    with pytest.raises(Conflict):
        do_callback(actor=world.operator, number=n, solved=True)
    run(do_close, actor=world.operator, number=n)
    assert subjects.resolve("ticket", n).concluded_at is not None
    clock(NOW + dt.timedelta(days=1))
    run(do_callback, actor=world.operator, number=n, solved=False, note="夜间仍在施工")
    t.refresh_from_db()
    assert (t.state, t.unit_id, t.reopens, t.clock_start) == (
        "dispatched",
        world.county.pk,
        1,
        dt.date(2026, 9, 30),
    )
    assert subjects.resolve("ticket", n).concluded_at is None
    do_accept(actor=world.county_staff, number=n)
    run(do_reply, actor=world.county_staff, number=n, reply="已联合执法，施工单位已撤场")
    run(do_close, actor=world.operator, number=n)
    run(do_callback, actor=world.operator, number=n, solved=True)
    signals.rated.send(sender=None, kind="ticket", ref=n, level=5, default=False)
    t.refresh_from_db()
    assert (t.state, t.rating_level) == ("rated", 5)
    county = unit_row(world.county)
    assert (county["closed"], county["visited"], county["rated"], county["satisfied"]) == (2, 2, 1, 1)
    # A changed rating (to 不满意) moves 满意率, not the count of ratings.
    signals.rated.send(sender=None, kind="ticket", ref=n, level=2, default=False)
    county = unit_row(world.county)
    assert (county["rated"], county["satisfied"]) == (1, 0)
    assert metrics.unit_rates(county)["satisfaction_rate"] == 0.0
    subject = subjects.resolve("ticket", n)
    assert (subject.department_id, subject.region_code, subject.channel) == (
        world.county.pk,
        "420115",
        "phone",
    )


def test_merge_suggestion_and_merge(world):
    first = phone_ticket(world)
    second = phone_ticket(
        world, text="纸坊大街有工地夜间施工，噪音扰民，影响居民休息", contact_phone="13900000001"
    )
    unrelated = phone_ticket(world, text="建议增加社区养老服务中心的开放时间", contact_phone="13900000002")
    far = phone_ticket(world, region_code="420102", contact_phone="13900000003")
    found = merge.suggest_duplicates(second)
    assert [d.number for d in found] == [first.number]
    assert found[0].score >= 0.35
    assert unrelated.number not in [d.number for d in merge.suggest_duplicates(first)]
    assert far.number not in [d.number for d in merge.suggest_duplicates(first)]
    with pytest.raises(Forbidden):
        do_merge(actor=world.county_staff, number=second.number, into=first.number)
    with pytest.raises(InvalidInput):
        do_merge(actor=world.operator, number=second.number, into=second.number)
    run(do_merge, actor=world.operator, number=second.number, into=first.number)
    second.refresh_from_db()
    assert second.state == "merged" and second.merged_into_id == first.pk
    assert queries.public_ticket(second.number)["merged_into"] == first.number
    with pytest.raises(Conflict):
        do_merge(actor=world.operator, number=second.number, into=first.number)
    # When the master is answered, the merged caller hears of it too.
    run(do_dispatch, actor=world.operator, number=first.number, unit_id=world.county.pk)
    do_accept(actor=world.county_staff, number=first.number)
    run(do_reply, actor=world.county_staff, number=first.number, reply="已责令施工单位夜间停工")
    assert any(first.number in text for text in gateways.outbox("13900000001"))


def test_supervision_tick_marks_near_and_overdue(world, clock):
    near = phone_ticket(world, kind="consult", text="咨询社保卡补办流程和所需材料")
    overdue_accept = phone_ticket(world)
    calm = phone_ticket(world, kind="report", text="举报某小区违规搭建阁楼，破坏房屋结构")
    for t, unit in ((near, world.county), (overdue_accept, world.county), (calm, world.city)):
        run(do_dispatch, actor=world.operator, number=t.number, unit_id=unit.pk)
    do_accept(actor=world.county_staff, number=near.number)
    do_accept(actor=world.city_staff, number=calm.number)
    clock(NOW.replace(day=30, hour=12))  # 30 Sep: the consultation is due 9 Oct (3 working days)
    assert supervise_due() == 1  # the unsigned one is past its 24 hours
    assert Ticket.objects.get(number=overdue_accept.number).supervision == 2
    clock(NOW.replace(month=10, day=8, hour=12))
    assert supervise_due() == 1
    assert Ticket.objects.get(number=near.number).supervision == 1
    assert Ticket.objects.get(number=calm.number).supervision == 0
    assert supervise_due() == 0  # nothing rose since


def test_a_report_can_be_anonymous_to_the_unit(world):
    t = phone_ticket(
        world, kind="report", text="举报某餐馆使用过期食材，后厨卫生极差", anonymous_to_unit=True
    )
    run(do_dispatch, actor=world.operator, number=t.number, unit_id=world.county.pk)
    t.refresh_from_db()
    assert permissions.sees_reporter(world.operator, t) is True
    assert permissions.sees_reporter(world.county_staff, t) is False
    plain = phone_ticket(world, contact_phone="13900000009")
    run(do_dispatch, actor=world.operator, number=plain.number, unit_id=world.county.pk)
    plain.refresh_from_db()
    assert permissions.sees_reporter(world.county_staff, plain) is True
    assert permissions.sees_reporter(world.city_staff, plain) is False


def test_the_hotline_command_ticks_and_sets_rules(world, clock):
    from io import StringIO

    from django.core.management import call_command

    t = phone_ticket(world)
    run(do_dispatch, actor=world.operator, number=t.number, unit_id=world.county.pk)
    out = StringIO()
    call_command("hotline", "tick", "--at", "2026-09-30T12:00:00", stdout=out)
    assert out.getvalue().strip() == "supervised=1"  # unsigned past its 24 hours
    assert Ticket.objects.get(number=t.number).supervision == 2
    out = StringIO()
    call_command(
        "hotline", "rules", "--kind", "help", "--urgency", "urgent", "--accept-hours", "1", "--reply-days", "1",
        stdout=out,
    )  # fmt: skip
    assert "help\turgent\taccept_hours=1\treply_days=1\tconfigured" in out.getvalue()
    assert "complaint\tnormal\taccept_hours=24\treply_days=10\tdefault" in out.getvalue()
