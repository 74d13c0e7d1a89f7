"""差评整改: the loop after a bad rating.

verifying (待核实, the platform checks the rating: `do_verify`) → rectifying (整改中, the handling
unit has `common.rectify_workdays(region)` working days, on the platform calendar) → replied
(整改答复 to the rater: `do_reply`, on time or not) → called back (回访: `do_callback`) → closed (the
rater rates the fix: `do_rate_fix`). While verifying or rectifying the unit may appeal (申诉,
`appeal.py`). The tick escalates (督办) a rectification past its due day: level 1 the day after,
level 2 once it is late by its whole period again (`do_escalate_overdue`).
"""

from __future__ import annotations

from django.db import transaction

from tongban.accounts import services as account_services
from tongban.core import audit
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.workdays import add_working_days

from . import common, rollups
from .enums import Level, RectState
from .models import Rating, Rectification

MAX_TEXT = 2000


def lock(rect_id) -> tuple[Rectification, Rating]:
    """The rectification and its rating, row-locked (rating first, then the rectification)."""
    try:
        pk = int(rect_id)
    except (TypeError, ValueError):
        pk = 0
    rating_id = Rectification.objects.filter(pk=pk).values_list("rating_id", flat=True).first()
    if rating_id is None:
        raise common.denied(None, "rectification", rect_id, "没有找到该差评整改")
    rating = Rating.objects.select_for_update().get(pk=rating_id)
    rect = Rectification.objects.select_for_update().get(pk=pk)
    return rect, rating


def may_handle(actor, rect: Rectification) -> bool:
    return common.is_unit_staff(actor, rect.department_id) or common.is_platform_admin(actor)


def _expect(rect: Rectification, *states: str) -> None:
    if rect.state not in states:
        raise Conflict(f"当前状态（{RectState(rect.state).label}）不允许此操作")


def _text(value: str, field: str, label: str, *, minimum: int = 4) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise InvalidInput.field(field, f"请填写{label}（至少{minimum}个字）")
    if len(value) > MAX_TEXT:
        raise InvalidInput.field(field, f"{label}不能超过{MAX_TEXT}个字")
    return value


def _save(rect: Rectification, rating: Rating, before, *fields: str) -> None:
    rect.save(update_fields=list(fields))
    rollups.apply(rating, before, rollups.rating_counts(rating, rect))


def do_verify(*, actor, rect_id, note: str = "") -> Rectification:
    """核实 by a platform administrator: the rating is genuine, the unit must rectify by the due day."""
    if not common.is_platform_admin(actor):
        raise Forbidden("只有平台管理员可以核实差评")
    note = (note or "").strip()[:MAX_TEXT]
    with transaction.atomic():
        rect, rating = lock(rect_id)
        _expect(rect, RectState.VERIFYING)
        before = rollups.rating_counts(rating, rect)
        rect.workdays = common.rectify_workdays(rating.region_code)
        rect.due_on = add_working_days(common.today(), rect.workdays)
        rect.state, rect.verified_by_id, rect.verified_at, rect.verify_note = (
            RectState.RECTIFYING,
            actor.pk,
            common.now(),
            note,
        )
        _save(
            rect, rating, before, "workdays", "due_on", "state", "verified_by", "verified_at", "verify_note"
        )
        audit.record(
            actor=actor,
            action="ratings.rect_verify",
            obj=rect,
            data={"due_on": rect.due_on.isoformat(), "workdays": rect.workdays},
        )
        return rect


def do_reply(*, actor, rect_id, measures: str, reply: str) -> Rectification:
    """整改 and 答复: the handling unit states what it changed and answers the rater."""
    measures = _text(measures, "measures", "整改措施")
    reply = _text(reply, "reply", "答复内容")
    with transaction.atomic():
        rect, rating = lock(rect_id)
        if not common.is_unit_staff(actor, rect.department_id):
            raise Forbidden("只有办理部门可以整改答复")
        _expect(rect, RectState.RECTIFYING)
        before = rollups.rating_counts(rating, rect)
        rect.measures, rect.reply, rect.replied_by_id, rect.replied_at = (
            measures,
            reply,
            actor.pk,
            common.now(),
        )
        rect.on_time = common.today() <= rect.due_on
        rect.state = RectState.REPLIED
        _save(rect, rating, before, "measures", "reply", "replied_by", "replied_at", "on_time", "state")
        audit.record(actor=actor, action="ratings.rect_reply", obj=rect, data={"on_time": rect.on_time})
        if rating.rater_id:
            rater = rating.rater_id
            text = f"【通办】您对“{rating.title or rating.item_name}”的评价已整改答复，请到“我的评价”查看并评价整改结果。"
            transaction.on_commit(lambda: account_services.notify_by_sms(user_id=rater, text=text))
        return rect


def do_callback(*, actor, rect_id, note: str) -> Rectification:
    """回访: the unit (or the platform) called the rater back after the reply."""
    note = _text(note, "note", "回访情况")
    with transaction.atomic():
        rect, rating = lock(rect_id)
        if not may_handle(actor, rect):
            raise Forbidden("只有办理部门或平台可以回访")
        _expect(rect, RectState.REPLIED)
        before = rollups.rating_counts(rating, rect)
        rect.callback_by_id, rect.callback_at, rect.callback_note = actor.pk, common.now(), note
        rect.state = RectState.CALLED_BACK
        _save(rect, rating, before, "callback_by", "callback_at", "callback_note", "state")
        audit.record(actor=actor, action="ratings.rect_callback", obj=rect)
        return rect


def do_rate_fix(*, actor, rect_id, level) -> Rectification:
    """The rater rates the rectification (after the reply), once."""
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        raise InvalidInput.field("level", "请选择对整改结果的满意度")
    with transaction.atomic():
        rect, rating = lock(rect_id)
        if rating.rater_id is None or rating.rater_id != getattr(actor, "pk", None):
            raise common.denied(actor, "rectification", rect_id, "没有找到该差评整改")
        _expect(rect, RectState.REPLIED, RectState.CALLED_BACK)
        before = rollups.rating_counts(rating, rect)
        rect.fix_level, rect.fix_at, rect.state = value, common.now(), RectState.CLOSED
        _save(rect, rating, before, "fix_level", "fix_at", "state")
        audit.record(actor=actor, action="ratings.rect_rate_fix", obj=rect, data={"level": value})
        return rect


def do_escalate_overdue(*, actor, on=None) -> int:
    """督办: every rectification still open past its due day goes up one level (1: overdue,
    2: overdue by its whole period again). Returns how many were escalated."""
    day = on or common.today()
    count = 0
    candidates = list(
        Rectification.objects.filter(state=RectState.RECTIFYING, due_on__lt=day, escalation__lt=2)
        .order_by("due_on", "id")
        .values_list("pk", flat=True)
    )
    for pk in candidates:
        with transaction.atomic():
            rect = Rectification.objects.select_for_update().get(pk=pk)
            if rect.state != RectState.RECTIFYING or rect.due_on is None or rect.due_on >= day:
                continue
            level = 2 if add_working_days(rect.due_on, rect.workdays) < day else 1
            if level <= rect.escalation:
                continue
            rect.escalation, rect.escalated_at = level, common.now()
            rect.save(update_fields=["escalation", "escalated_at"])
            audit.record(
                actor=actor,
                action="ratings.rect_escalate",
                obj=rect,
                data={"level": level, "due_on": rect.due_on.isoformat()},
            )
            count += 1
    return count
