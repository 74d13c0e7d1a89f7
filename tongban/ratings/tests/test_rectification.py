"""The rectification loop of a bad rating, its escalation, and the appeal (four eyes)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.workdays import add_working_days

from .. import rollups, services
from ..enums import RatingState, RectState
from ..models import Appeal, Rating, Rectification, Rollup
from .conftest import conclude, counts, pick, rollup


@pytest.fixture
def bad(rworld):
    number = conclude(rworld)
    rating = services.do_rate(
        actor=rworld["citizen"], kind="case", ref=number, level=5, reasons=["trips"], text="跑了三次才办好"
    )
    return Rectification.objects.get(rating=rating)


def test_the_loop_verify_reply_callback_and_the_rating_of_the_fix(rworld, bad, clock, settings):
    settings.RATINGS_RECTIFY_WORKDAYS = {"420100": 7}  # Wuhan gives 7 working days
    start = clock()
    rect = services.do_verify(actor=rworld["admin"], rect_id=bad.pk, note="情况属实")
    assert rect.state == RectState.RECTIFYING and rect.workdays == 7
    assert rect.due_on == add_working_days(timezone.localdate(start), 7)
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "rect_needed", "rectified", "rectify_rate", "on_time_rate") == (1, 0, 0, 0)

    before = counts()
    with pytest.raises(Forbidden):  # another department's officer cannot reply
        services.do_reply(actor=rworld["outsider"], rect_id=bad.pk, measures="改进流程", reply="已改进流程")
    with pytest.raises(InvalidInput) as exc:
        services.do_reply(actor=rworld["officer"], rect_id=bad.pk, measures="", reply="已改进流程")
    assert exc.value.problems[0].field == "measures"
    with pytest.raises(Conflict):  # the rater cannot rate the fix before the reply
        services.do_rate_fix(actor=rworld["citizen"], rect_id=bad.pk, level=1)
    assert counts() == before

    clock(days=1)
    rect = services.do_reply(
        actor=rworld["officer"],
        rect_id=bad.pk,
        measures="推行一次告知、容缺受理",
        reply="已整改，欢迎再次办理",
    )
    assert rect.state == RectState.REPLIED and rect.on_time is True
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "rectified", "rect_on_time", "callbacks", "rectify_rate", "callback_rate") == (
        1,
        1,
        0,
        100,
        0,
    )
    rect = services.do_callback(actor=rworld["officer"], rect_id=bad.pk, note="电话回访，申请人认可")
    assert rect.state == RectState.CALLED_BACK
    assert rollup("dept", rworld["dept"].pk)["callback_rate"] == 100
    with pytest.raises(NotFound):  # only the rater rates the fix
        services.do_rate_fix(actor=rworld["stranger"], rect_id=bad.pk, level=1)
    rect = services.do_rate_fix(actor=rworld["citizen"], rect_id=bad.pk, level=1)
    assert (rect.state, rect.fix_level) == (RectState.CLOSED, 1)
    with pytest.raises(Conflict):
        services.do_rate_fix(actor=rworld["citizen"], rect_id=bad.pk, level=2)


def test_only_the_platform_verifies(rworld, bad):
    before = counts()
    with pytest.raises(Forbidden):
        services.do_verify(actor=rworld["head"], rect_id=bad.pk)
    with pytest.raises(NotFound):
        services.do_verify(actor=rworld["admin"], rect_id=999999)
    assert counts() == before


def test_a_late_reply_is_not_on_time_and_overdue_ones_escalate(rworld, bad, clock):
    start = clock()
    rect = services.do_verify(actor=rworld["admin"], rect_id=bad.pk)
    due = rect.due_on
    assert services.do_escalate_overdue(actor="system:test", on=due) == 0
    day_after = add_working_days(due, 1)
    assert services.do_escalate_overdue(actor="system:test", on=day_after) == 1
    assert services.do_escalate_overdue(actor="system:test", on=day_after) == 0  # once per level
    rect.refresh_from_db()
    assert rect.escalation == 1
    later = add_working_days(due, rect.workdays + 1)
    assert services.do_escalate_overdue(actor="system:test", on=later) == 1
    rect.refresh_from_db()
    assert rect.escalation == 2
    clock(days=(later - timezone.localdate(start)).days)
    rect = services.do_reply(
        actor=rworld["officer"], rect_id=bad.pk, measures="补充整改措施", reply="已整改答复"
    )
    assert rect.on_time is False
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "rectified", "rect_on_time", "rectify_rate", "on_time_rate") == (1, 0, 100, 0)


def test_an_approved_appeal_removes_the_rating(rworld, bad):
    services.do_verify(actor=rworld["admin"], rect_id=bad.pk)
    appeal = services.do_appeal(
        actor=rworld["officer"], rect_id=bad.pk, reason="评价内容与本事项无关", evidence="通话录音编号 A-17"
    )
    assert Rectification.objects.get(pk=bad.pk).state == RectState.APPEALING
    before = counts()
    with pytest.raises(Forbidden):  # four eyes: not the verifier
        services.do_decide_appeal(actor=rworld["admin"], appeal_id=appeal.pk, approve=True)
    with pytest.raises(Forbidden):  # nor the unit
        services.do_decide_appeal(actor=rworld["head"], appeal_id=appeal.pk, approve=True)
    with pytest.raises(Conflict):  # one pending appeal; and no reply while it is pending
        services.do_reply(actor=rworld["officer"], rect_id=bad.pk, measures="整改措施", reply="答复内容")
    assert counts() == before
    services.do_decide_appeal(actor=rworld["admin2"], appeal_id=appeal.pk, approve=True, note="与服务无关")
    assert Rating.objects.get(pk=bad.rating_id).state == RatingState.REMOVED
    assert Rectification.objects.get(pk=bad.pk).state == RectState.REMOVED
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "rated", "bad", "good", "rect_needed", "removed", "good_rate") == (0, 0, 0, 0, 1, None)
    with pytest.raises(Conflict):
        services.do_decide_appeal(actor=rworld["admin2"], appeal_id=appeal.pk, approve=False, note="重复审核")


def test_a_refused_appeal_resumes_the_rectification(rworld, bad):
    rect = services.do_verify(actor=rworld["admin"], rect_id=bad.pk)
    appeal = services.do_appeal(
        actor=rworld["officer"], rect_id=bad.pk, reason="属于恶意差评", evidence="申请人短信承认误评"
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:  # a refusal says why
        services.do_decide_appeal(actor=rworld["admin2"], appeal_id=appeal.pk, approve=False)
    assert exc.value.problems[0].field == "note"
    assert counts() == before
    services.do_decide_appeal(
        actor=rworld["admin2"], appeal_id=appeal.pk, approve=False, note="证据不足，差评属实"
    )
    after = Rectification.objects.get(pk=bad.pk)
    assert (after.state, after.due_on) == (RectState.RECTIFYING, rect.due_on)
    assert Appeal.objects.get(pk=appeal.pk).state == "refused"
    assert Rating.objects.get(pk=bad.rating_id).state == RatingState.VALID
    assert pick(rollup("dept", rworld["dept"].pk), "bad", "rect_needed", "removed") == (1, 1, 0)


def test_the_live_rollups_equal_a_recount_after_every_kind_of_write(rworld, bad, clock):
    assert rollups.drift() == []
    services.do_verify(actor=rworld["admin"], rect_id=bad.pk)
    services.do_reply(actor=rworld["officer"], rect_id=bad.pk, measures="整改措施一项", reply="已整改答复")
    services.do_callback(actor=rworld["officer"], rect_id=bad.pk, note="回访满意")
    other = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=other, level=3)
    services.do_change_rating(
        actor=rworld["citizen"], kind="case", ref=other, level=4, reasons=["guide"], text="指南写得不清楚"
    )
    appeal = services.do_appeal(
        actor=rworld["officer"],
        rect_id=Rectification.objects.get(rating__ref=other).pk,
        reason="与本事项无关的评价",
        evidence="评价内容所述为他事项",
    )
    services.do_decide_appeal(actor=rworld["admin2"], appeal_id=appeal.pk, approve=True)
    third = conclude(rworld)
    services.do_tick(now=clock(days=6), base_url="")
    assert Rating.objects.get(ref=third).is_default
    assert rollups.drift() == []
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(
        dept, "invited", "answered", "rated", "defaults", "bad", "removed", "rectified", "callbacks"
    ) == (
        3,
        2,
        1,
        1,
        1,
        1,
        1,
        1,
    )
    rows = Rollup.objects.count()
    assert rollups.rebuild() == rows
    assert rollups.drift() == []
