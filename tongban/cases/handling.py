"""Handling (办理): the approval steps, pauses and extensions of the clock, the decision,
conclusion (办结) and delivery (送达), and what the applicant may do meanwhile."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.catalog import queries as catalog_queries
from tongban.core.errors import Conflict, Forbidden, InvalidInput

from . import clock, notices, results
from .common import (
    STEP_FIELDS,
    SUPPLEMENT_DAYS,
    Idempotency,
    actor_user,
    check_items,
    conclude_case,
    expect_state,
    idempotent,
    lock_case,
    notify,
    record_event,
    require_any_officer,
    require_applicant,
    require_separate_duties,
    require_staff,
    resume_clock,
    save_case,
    skip_open_steps,
    start_step,
    step_done_by,
)
from .enums import (
    CaseState,
    Decision,
    Delivery,
    PauseKind,
    ResultCode,
    SpecialProcedure,
    StepOutcome,
    StepState,
)
from .models import (
    CASE_DELIVERY_ADDRESS,
    Case,
    ClockPause,
    Notification,
)


def do_assign_step(*, actor, number: str, step_index: int, assignee_id: int | None) -> Case:
    """Put the active step in the department queue (None) or on a named officer."""
    with transaction.atomic():
        case = lock_case(number)
        require_staff(actor, case, StaffRole.DEPARTMENT_ADMIN)
        step = case.steps.filter(index=step_index, state=StepState.ACTIVE).first()
        if step is None:
            raise Conflict("该环节不在办理中")
        if assignee_id is not None:
            officer = account_queries.get_user(assignee_id)
            if (
                officer is None
                or officer.department_id != case.department_id
                or not account_queries.has_role(officer, step.role)
            ):
                raise InvalidInput.field("assignee", "只能指派给本部门具备该环节岗位的人员")
            done = step_done_by(case, officer)
            if done is not None:
                raise InvalidInput.field(
                    "assignee", f"职责分离：{officer}已办理本件的“{done.name}”环节，不能再办理其他环节"
                )
        step.assignee_id = case.step_assignee_id = assignee_id
        step.save(update_fields=["assignee"])
        save_case(case, "step_assignee")
        record_event(
            case, actor, "assign", before=case.state, data={"step": step.name, "assignee": assignee_id}
        )
    return case


def do_complete_step(
    *, actor, number: str, step_index: int, outcome: str, comment: str = "", idempotency_key: str = ""
) -> Case:
    """Sign off the active step. At the last step the outcome is the decision (准予 / 不予)."""
    if outcome not in StepOutcome.values:
        raise InvalidInput.field("outcome", "请选择同意或不同意")
    comment = (comment or "").strip()
    if outcome == StepOutcome.FAIL and len(comment) < 4:
        raise InvalidInput.field("comment", "不同意时请写明理由")

    def work() -> Case:
        case = lock_case(number)
        # Only the case's department learns its state: check who asks before what state it is in.
        require_staff(actor, case, None)
        expect_state(case, CaseState.ACCEPTED)
        step = case.steps.filter(index=step_index).first()
        if step is None or step.state != StepState.ACTIVE:
            raise Conflict("该环节已由他人办理或尚未开始")
        require_staff(actor, case, step.role)
        if step.assignee_id and step.assignee_id != actor.pk:
            raise Forbidden("该环节已指派给其他人员")
        require_separate_duties(actor, case)
        now = timezone.now()
        step.state, step.completed_at, step.completed_by = StepState.DONE, now, actor_user(actor)
        step.outcome, step.comment = outcome, comment
        step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "comment"])
        following = case.steps.filter(index__gt=step.index).order_by("index").first()
        if following is not None:
            start_step(case, following, clock.today())
        else:
            case.step_role, case.step_assignee_id = "", None
        save_case(case, *STEP_FIELDS)
        record_event(
            case, actor, "step", before=case.state, note=comment, data={"step": step.name, "outcome": outcome}
        )
        if following is None:
            _decide(case, actor, Decision.GRANT if outcome == StepOutcome.PASS else Decision.DENY, comment)
        return case

    return idempotent(actor, Idempotency(idempotency_key, f"step{step_index}"), work)


def _decide(case: Case, actor, decision: str, reason: str) -> None:
    before = case.state
    case.state, case.decision, case.decision_reason, case.decided_at = (
        CaseState.DECIDED,
        decision,
        reason,
        timezone.now(),
    )
    save_case(case, "state", "decision", "decision_reason", "decided_at")
    record_event(case, actor, "decide", before=before, note=reason, data={"decision": decision})
    notices.do_issue_notice(  # notices: 准予 / 不予许可决定书
        actor=actor,
        case=case,
        kind=notices.NoticeKind.GRANT if decision == Decision.GRANT else notices.NoticeKind.DENIAL,
    )
    notify(case, N_("审批决定：%(decision)s"), {"decision": Decision(decision).label})


def do_conclude(
    *,
    actor,
    number: str,
    result_code: str = "",
    licence_face: dict | None = None,
    idempotency_key: str = "",
) -> Case:
    """办结 with the national result code (出证 / 准予 / 不予许可 ...); on time or not is recorded.
    出证 of an item with a result licence type issues that licence into the holder's name
    (`results`); `licence_face` confirms or completes its face."""

    def work() -> Case:
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.DECIDED)
        code = result_code or (ResultCode.ISSUED if case.decision == Decision.GRANT else ResultCode.DENIED)
        if code not in ResultCode.values:
            raise InvalidInput.field("result_code", "办结结果代码不正确")
        if (case.decision == Decision.GRANT) != (code in (ResultCode.ISSUED, ResultCode.GRANTED)):
            raise InvalidInput.field("result_code", "办结结果与审批决定不一致")
        if licence_face is not None and not isinstance(licence_face, dict):
            raise InvalidInput.field("licence_face", "结果证照信息应为键值对")
        licence = results.issue_result_licence(case, actor, code, licence_face)
        conclude_case(case, actor, code, licence=licence)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "conclude"), work)


def do_pause(
    *, actor, number: str, kind: str, reason: str, items: list[str] | None = None, procedure: str = ""
) -> Case:
    """补齐补正 (items listed at once, due in SUPPLEMENT_DAYS) or 特别程序 (hearing, testing ...)."""
    if kind not in PauseKind.values:
        raise InvalidInput.field("kind", "请选择补齐补正或特别程序")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明暂停计时的理由")
    if kind == PauseKind.SUPPLEMENT:
        items = check_items(items or [])
    elif procedure not in SpecialProcedure.values:
        raise InvalidInput.field("procedure", "请选择特别程序的种类")
    with transaction.atomic():
        case = lock_case(number)
        require_staff(actor, case, StaffRole.APPROVING_OFFICER)
        expect_state(case, CaseState.ACCEPTED)
        on = clock.today()
        ClockPause.objects.create(
            case=case,
            kind=kind,
            procedure=procedure if kind == PauseKind.SPECIAL else "",
            reason=reason,
            items=items or [],
            started_on=on,
            due_on=clock.add_days(on, SUPPLEMENT_DAYS) if kind == PauseKind.SUPPLEMENT else None,
            started_by=actor,
        )
        before, case.state = case.state, CaseState.PAUSED
        save_case(case, "state")
        record_event(
            case,
            actor,
            "pause",
            before=before,
            note=reason,
            data={"kind": kind, "items": items or [], "procedure": procedure},
        )
        if kind == PauseKind.SUPPLEMENT:  # notices: 补正材料通知书 (the clock is paused meanwhile)
            notices.do_issue_notice(actor=actor, case=case, kind=notices.NoticeKind.SUPPLEMENT)
        if kind == PauseKind.SUPPLEMENT:
            notify(case, N_("暂停计时：请补正：%(items)s"), {"items": "；".join(items)})
        else:
            notify(case, N_("暂停计时：%(reason)s"), {"reason": reason})
    return case


def do_resume(*, actor, number: str) -> Case:
    """End a 特别程序 pause (a supplement pause ends when the applicant supplies)."""
    with transaction.atomic():
        case = lock_case(number)
        require_staff(actor, case, StaffRole.APPROVING_OFFICER)
        expect_state(case, CaseState.PAUSED)
        pause = case.pauses.get(ended_on__isnull=True)
        resume_clock(case, pause, actor)
    return case


def do_withdraw(*, actor, number: str, reason: str = "") -> Case:
    with transaction.atomic():
        case = lock_case(number)
        require_applicant(actor, case)
        expect_state(case, CaseState.SUBMITTED, CaseState.SUPPLEMENT, CaseState.ACCEPTED, CaseState.PAUSED)
        before, case.state = case.state, CaseState.WITHDRAWN
        skip_open_steps(case)
        save_case(case, "state", *STEP_FIELDS)
        case.pauses.filter(ended_on__isnull=True).update(ended_on=clock.today())
        record_event(case, actor, "withdraw", before=before, note=reason)
    return case


def do_choose_delivery(*, actor, number: str, method: str, address: str = "") -> Case:
    """送达方式, among those the item's guide offers; a postal address is kept SM4-encrypted for
    the officer who posts the result."""
    if method not in Delivery.values:
        raise InvalidInput.field("delivery", "请选择送达方式")
    address = " ".join((address or "").split())
    if method == Delivery.POST and not 6 <= len(address) <= 300:
        raise InvalidInput.field("address", "邮寄送达请填写完整的收件地址（6至300字）")
    with transaction.atomic():
        case = lock_case(number)
        require_applicant(actor, case)
        if case.state in CaseState.final():
            raise Conflict("办件已结束，不能更改送达方式")
        offered = catalog_queries.get_item_version(case.item_id).delivery_methods
        if offered and method not in offered:
            raise InvalidInput.field("delivery", "该事项不提供这种送达方式")
        case.delivery = method
        CASE_DELIVERY_ADDRESS.encrypt_into(case, address if method == Delivery.POST else "")
        save_case(case, "delivery", "delivery_address_enc")
        record_event(
            case,
            actor,
            "choose_delivery",
            before=case.state,
            data={"delivery": method, "address_given": method == Delivery.POST},
        )
    return case


def do_deliver(*, actor, number: str, tracking_number: str = "") -> Case:
    """送达: window pickup (a pickup code is issued at conclusion), post (tracking number), or
    electronic (the result licence, completed by the e-licence library)."""
    with transaction.atomic():
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.CONCLUDED)
        method = case.delivery or Delivery.WINDOW
        tracking_number = (tracking_number or "").strip()
        if method == Delivery.POST and not (4 <= len(tracking_number) <= 40 and tracking_number.isalnum()):
            raise InvalidInput.field("tracking_number", "请填写快递单号（字母和数字）")
        before = case.state
        case.state, case.delivered_at, case.delivery = CaseState.DELIVERED, timezone.now(), method
        case.tracking_number = tracking_number if method == Delivery.POST else ""
        if method == Delivery.WINDOW and not case.pickup_code:
            case.pickup_code = f"{secrets.randbelow(10**6):06d}"
        save_case(case, "state", "delivered_at", "delivery", "tracking_number", "pickup_code")
        record_event(
            case, actor, "deliver", before=before, data={"delivery": method, "tracking": case.tracking_number}
        )
        notify(
            case,
            {
                "window": N_("请凭取件码%(code)s到窗口领取"),
                "post": N_("已邮寄，快递单号%(tracking)s"),
                "electronic": N_("结果已电子送达"),
            }[method],
            {"window": {"code": case.pickup_code}, "post": {"tracking": case.tracking_number}}.get(method),
        )
    return case


def do_mark_read(*, actor, notification_ids: list[int]) -> int:
    with transaction.atomic():
        return Notification.objects.filter(user=actor, pk__in=notification_ids, read_at__isnull=True).update(
            read_at=timezone.now()
        )
