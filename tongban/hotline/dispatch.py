"""The ticket's way after intake: 派单 → 签收 → 办理 → 回复 → 办结 → 回访 → 评价, with returns
(退单) and arbitration (争议裁定), extensions (延期), reopening (重办) and 督办.

- The platform (operators) dispatches a received ticket to a handling unit (主办) with optional
  assisting units (协办). A lead unit that has signed for it may re-dispatch it downward, to a
  unit of a region under its own (province → city → county → township).
- A unit may return a ticket that is not its business, with a reason: it goes back to the unit
  that re-dispatched it, or to the platform. Once a ticket has been returned RETURN_LIMIT times,
  a return to the platform opens an arbitration: the platform designates the unit and that
  decision binds (the unit can neither return nor pass it on). Dispatch hops are capped at
  MAX_DISPATCHES, so a ticket never loops: every return follows a dispatch, dispatches are
  bounded, and the arbitrated unit cannot return.
- The reply clock stands still during arbitration only (`deadlines`).
- Each transition refuses the wrong state (Conflict), the wrong unit or person (NotFound for
  staff outside the ticket: its existence is not theirs to know; Forbidden for a role that is
  missing), and changes nothing then.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tongban.core import queries as core_queries
from tongban.core import workdays
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import deadlines, metrics
from .enums import (
    MAX_DISPATCHES,
    MAX_EXTENSION_DAYS,
    MAX_TEXT,
    RETURN_LIMIT,
    Category,
    DisputeState,
    ExtensionState,
    Supervision,
    TicketState,
    UnitRole,
)
from .events import locked, log_event, notify_caller, require_state
from .models import Dispute, Extension, Ticket, TicketUnit
from .permissions import is_assist_staff, is_lead_staff, is_operator, is_platform_admin, unit_of


def _text(value: str, field: str, *, minimum: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput.field(field, "内容含有无效字符")
    if len(value) < minimum:
        raise InvalidInput.field(field, f"请填写{label}（至少{minimum}个字）")
    if len(value) > MAX_TEXT:
        raise InvalidInput.field(field, f"{label}不能超过{MAX_TEXT}个字")
    return value


def _require_operator(actor) -> None:
    if not is_operator(actor):
        raise Forbidden("只有热线坐席和平台管理员可以进行此操作")


def _require_lead(actor, ticket: Ticket) -> None:
    """Staff of the lead unit only; anyone else is told the ticket is not there."""
    if not is_lead_staff(actor, ticket):
        raise NotFound("没有找到该工单")


def _department(unit_id, field: str = "unit_id"):
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "请选择承办单位") from None
    dept = core_queries.departments_by_id([pk]).get(pk)
    if dept is None:
        raise InvalidInput.field(field, "承办单位不存在")
    return dept


def is_below(child, parent) -> bool:
    """Is department `child` in a region strictly under `parent`'s region?"""
    a, b = child.region, parent.region
    return a.level > b.level and a.code.startswith(b.prefix)


def _set_lead(ticket: Ticket, unit_id: int | None) -> None:
    TicketUnit.objects.filter(ticket=ticket, role=UnitRole.LEAD, active=True).update(active=False)
    if unit_id is not None:
        TicketUnit.objects.filter(ticket=ticket, department_id=unit_id, active=True).update(active=False)
        TicketUnit.objects.create(ticket=ticket, department_id=unit_id, role=UnitRole.LEAD)


def _hand_to(ticket: Ticket, dept, *, at) -> None:
    rule = deadlines.rule_for(ticket.kind, ticket.urgency)
    ticket.unit = dept
    ticket.state = TicketState.DISPATCHED
    ticket.dispatches += 1
    ticket.dispatched_at = at
    ticket.accepted_at = None
    ticket.accept_due = deadlines.accept_due(at, rule.accept_hours)
    _set_lead(ticket, dept.pk)
    metrics.bump_unit(dept.pk, at, dispatched=1)


def do_dispatch(*, actor, number: str, unit_id, assist_ids=(), note: str = "", category: str = "") -> Ticket:
    """派单: the platform dispatches a received ticket, or the lead unit re-dispatches a ticket it
    has signed for down to a unit under its region. The suggestion of the classifier is only a
    suggestion: this service is the only way a ticket reaches a unit, and only a person calls it."""
    dept = _department(unit_id)
    assists = [_department(a, "assist_ids") for a in dict.fromkeys(assist_ids or ())]
    if category and category not in Category.values:
        raise InvalidInput.field("category", "未知的诉求分类")
    note = (note or "").replace("\x00", "").strip()[:MAX_TEXT]
    with transaction.atomic():
        ticket = locked(number)
        by_unit = ticket.state == TicketState.ACCEPTED and is_lead_staff(actor, ticket)
        if not by_unit:
            if ticket.state == TicketState.ACCEPTED and not is_operator(actor):
                raise NotFound("没有找到该工单")
            _require_operator(actor)
            require_state(ticket, TicketState.RECEIVED, message="只有待派单的工单可以派单")
        else:
            if ticket.bound:
                raise Conflict("该工单经争议裁定由本单位承办，不能转派")
            current = core_queries.departments_by_id([ticket.unit_id])[ticket.unit_id]
            if not is_below(dept, current):
                raise InvalidInput.field("unit_id", "只能转派给本单位所在区划的下级单位")
        if dept.pk == ticket.unit_id:
            raise InvalidInput.field("unit_id", "不能派给当前承办单位")
        if any(a.pk == dept.pk for a in assists):
            raise InvalidInput.field("assist_ids", "协办单位不能与主办单位相同")
        if ticket.dispatches >= MAX_DISPATCHES:
            raise Conflict("该工单派单次数已达上限，请由承办单位办理或退回平台裁定")
        before = ticket.state
        at = deadlines.now()
        if by_unit:
            ticket.chain = [*ticket.chain, ticket.unit_id]
        if category:
            ticket.category = category
        _hand_to(ticket, dept, at=at)
        for a in assists:
            TicketUnit.objects.filter(ticket=ticket, department_id=a.pk, active=True).update(active=False)
            TicketUnit.objects.create(ticket=ticket, department_id=a.pk, role=UnitRole.ASSIST)
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="redispatch" if by_unit else "dispatch",
            from_state=before,
            unit_id=dept.pk,
            note=note,
            public=True,
            data={"assist": [a.pk for a in assists]},
        )
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）已派至{dept.name}办理。")
    return ticket


def do_accept(*, actor, number: str) -> Ticket:
    """签收: the lead unit signs for a dispatched ticket (on time when before accept_due)."""
    with transaction.atomic():
        ticket = locked(number)
        _require_lead(actor, ticket)
        require_state(ticket, TicketState.DISPATCHED, message="只有已派单、未签收的工单可以签收")
        before = ticket.state
        at = deadlines.now()
        on_time = ticket.accept_due is None or at <= ticket.accept_due
        ticket.state = TicketState.ACCEPTED
        ticket.accepted_at = at
        ticket.accepted_on_time = on_time
        ticket.save()
        log_event(ticket, actor=actor, action="accept", from_state=before, unit_id=ticket.unit_id)
        metrics.bump_unit(ticket.unit_id, at, accepted=1, accepted_on_time=1 if on_time else 0)
    return ticket


def do_return(*, actor, number: str, reason: str) -> Ticket:
    """退单: the lead unit returns a ticket that is not its business, with a reason. Back to the
    unit that re-dispatched it, else to the platform; at the platform, once returned
    RETURN_LIMIT times, it goes to arbitration (the reply clock pauses)."""
    reason = _text(reason, "reason", minimum=5, label="退回理由")
    with transaction.atomic():
        ticket = locked(number)
        _require_lead(actor, ticket)
        require_state(ticket, TicketState.DISPATCHED, TicketState.ACCEPTED, message="该工单当前不能退回")
        if ticket.bound:
            raise Conflict("该工单经争议裁定由本单位承办，不能退回")
        before, returning_unit = ticket.state, ticket.unit_id
        at = deadlines.now()
        ticket.returns += 1
        metrics.bump_unit(returning_unit, at, returned=1)
        _set_lead(ticket, None)
        if ticket.chain:
            parent = ticket.chain[-1]
            ticket.chain = ticket.chain[:-1]
            ticket.unit_id = parent
            ticket.state = TicketState.ACCEPTED  # the parent had signed for it already
            TicketUnit.objects.create(ticket=ticket, department_id=parent, role=UnitRole.LEAD)
        elif ticket.returns >= RETURN_LIMIT:
            ticket.unit = None
            ticket.state = TicketState.ARBITRATION
            ticket.pause_started_on = deadlines.today()
            Dispute.objects.create(ticket=ticket, opened_at=at)
        else:
            ticket.unit = None
            ticket.state = TicketState.RECEIVED
        ticket.accept_due = None
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="return",
            from_state=before,
            unit_id=returning_unit,
            note=reason,
            public=True,
        )
        if ticket.state == TicketState.ARBITRATION:
            log_event(ticket, actor=actor, action="arbitration", from_state=before, public=True)
    return ticket


def do_arbitrate(*, actor, number: str, unit_id, note: str) -> Ticket:
    """争议裁定: the platform designates the handling unit of a disputed ticket; binding (the unit
    cannot return or pass it on). The paused working days are added to the reply deadline."""
    if not is_platform_admin(actor):
        raise Forbidden("只有平台管理员可以裁定")
    note = _text(note, "note", minimum=2, label="裁定意见")
    dept = _department(unit_id)
    with transaction.atomic():
        ticket = locked(number)
        require_state(ticket, TicketState.ARBITRATION, message="该工单不在争议裁定中")
        dispute = Dispute.objects.select_for_update().get(ticket=ticket, state=DisputeState.OPEN)
        before = ticket.state
        at = deadlines.now()
        ticket.paused_days = deadlines.paused_so_far(ticket)
        ticket.pause_started_on = None
        ticket.reply_due = deadlines.reply_due(
            ticket.clock_start,
            reply_days=ticket.reply_days,
            paused_days=ticket.paused_days,
            extension_days=ticket.extension_days,
        )
        ticket.bound = True
        ticket.chain = []
        _hand_to(ticket, dept, at=at)
        ticket.save()
        dispute.state = DisputeState.DECIDED
        dispute.decided_by = actor
        dispute.decided_at = at
        dispute.unit = dept
        dispute.note = note
        dispute.save()
        log_event(ticket, actor=actor, action="arbitrate", from_state=before, unit_id=dept.pk, note=note)
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）已确定由{dept.name}办理。")
    return ticket


def do_add_progress(*, actor, number: str, note: str) -> Ticket:
    """办理: the lead unit notes its progress (not shown to the citizen); an assisting unit (协办)
    gives its opinion the same way."""
    note = _text(note, "note", minimum=2, label="办理情况")
    with transaction.atomic():
        ticket = locked(number)
        lead = is_lead_staff(actor, ticket)
        if not (lead or is_assist_staff(actor, ticket)):
            raise NotFound("没有找到该工单")
        require_state(ticket, TicketState.ACCEPTED, message="只有办理中的工单可以填写办理情况")
        if not lead:
            TicketUnit.objects.filter(ticket=ticket, department_id=unit_of(actor), active=True).update(
                opinion=note
            )
        log_event(
            ticket,
            actor=actor,
            action="progress" if lead else "assist_opinion",
            from_state=ticket.state,
            unit_id=unit_of(actor),
            note=note,
            public=False,
        )
    return ticket


def do_reply(*, actor, number: str, reply: str) -> Ticket:
    """回复: the lead unit answers the citizen."""
    reply = _text(reply, "reply", minimum=5, label="答复内容")
    with transaction.atomic():
        ticket = locked(number)
        _require_lead(actor, ticket)
        require_state(ticket, TicketState.ACCEPTED, message="只有已签收、办理中的工单可以回复")
        before = ticket.state
        ticket.state = TicketState.REPLIED
        ticket.answer = reply
        ticket.replied_at = deadlines.now()
        ticket.save()
        log_event(ticket, actor=actor, action="reply", from_state=before, unit_id=ticket.unit_id, note=reply)
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）已答复：{reply[:60]}")
        for dup in ticket.duplicates.all():
            notify_caller(dup, f"您的诉求（工单{dup.number}）已合并至工单{ticket.number}办理并已答复。")
    return ticket


def do_send_back(*, actor, number: str, reason: str) -> Ticket:
    """The platform finds the reply inadequate and sends it back to the unit (回复不合格，重新办理)."""
    _require_operator(actor)
    reason = _text(reason, "reason", minimum=5, label="退回理由")
    with transaction.atomic():
        ticket = locked(number)
        require_state(ticket, TicketState.REPLIED, message="只有已回复的工单可以退回重办")
        before = ticket.state
        ticket.state = TicketState.ACCEPTED
        ticket.replied_at = None
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="send_back",
            from_state=before,
            unit_id=ticket.unit_id,
            note=reason,
            public=False,
        )
    return ticket


def do_close(*, actor, number: str) -> Ticket:
    """办结: the platform accepts the unit's reply; on time when replied by the reply deadline."""
    _require_operator(actor)
    with transaction.atomic():
        ticket = locked(number)
        require_state(ticket, TicketState.REPLIED, message="只有已回复的工单可以办结")
        before = ticket.state
        at = deadlines.now()
        on_time = timezone.localdate(ticket.replied_at) <= ticket.reply_due
        ticket.state = TicketState.CLOSED
        ticket.closed_at = at
        ticket.closed_on_time = on_time
        ticket.save()
        log_event(ticket, actor=actor, action="close", from_state=before, unit_id=ticket.unit_id)
        metrics.bump_unit(ticket.unit_id, at, closed=1, closed_on_time=1 if on_time else 0)
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）已办结，欢迎对办理情况进行评价。")
    return ticket


def _reopen(ticket: Ticket, *, actor, note: str, at) -> None:
    before = ticket.state
    start = deadlines.today()
    ticket.reopens += 1
    ticket.clock_start = start
    ticket.paused_days = 0
    ticket.extension_days = 0
    ticket.reply_due = deadlines.reply_due(start, reply_days=ticket.reply_days)
    ticket.supervision = Supervision.NONE
    ticket.replied_at = None
    ticket.closed_at = None
    ticket.closed_on_time = None
    dept = core_queries.departments_by_id([ticket.unit_id])[ticket.unit_id]
    ticket.dispatches -= 1  # a reopening is not a new hop
    _hand_to(ticket, dept, at=at)
    ticket.save()
    log_event(ticket, actor=actor, action="reopen", from_state=before, unit_id=dept.pk, note=note)
    notify_caller(ticket, f"您反映问题未解决，工单{ticket.number}已重新交{dept.name}办理。")


def do_callback(*, actor, number: str, solved: bool, note: str = "") -> Ticket:
    """回访: the platform calls the citizen back after 办结. Solved: 已回访, ready to be rated.
    Not solved: the ticket is reopened (重办) with the same lead unit and a fresh reply clock."""
    _require_operator(actor)
    note = (note or "").replace("\x00", "").strip()[:MAX_TEXT]
    with transaction.atomic():
        ticket = locked(number)
        require_state(ticket, TicketState.CLOSED, message="只有已办结的工单可以回访")
        if ticket.direct and not solved:
            raise Conflict("直接答复的工单不能重办，请重新受理")
        before = ticket.state
        at = deadlines.now()
        ticket.state = TicketState.VISITED
        ticket.visited_at = at
        ticket.solved = bool(solved)
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="callback",
            from_state=before,
            unit_id=ticket.unit_id,
            note=note,
            data={"solved": bool(solved)},
        )
        metrics.bump_unit(ticket.unit_id, at, visited=1)
        if not solved:
            _reopen(ticket, actor=actor, note=note, at=at)
    return ticket


def do_mark_rated(*, kind: str, ref: str, level: int, default: bool = False, **_signal) -> Ticket | None:
    """评价 (from `ratings.signals.rated`): the citizen's rating moves the ticket to 已评价 and
    counts for 满意率 (满意 = 基本满意 or better, level ≥ 3). A changed rating moves the count."""
    if kind != "ticket":
        return None
    actor = "system:ratings"
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(number=ref).first() if ref.isdigit() else None
        if ticket is None or ticket.state not in (TicketState.CLOSED, TicketState.VISITED, TicketState.RATED):
            return None
        before, previous = ticket.state, ticket.rating_level
        at = deadlines.now()
        ticket.state = TicketState.RATED
        ticket.rating_level = int(level)
        ticket.rated_at = at
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="rated",
            from_state=before,
            unit_id=ticket.unit_id,
            data={"level": int(level), "default": bool(default)},
        )
        now_ok = int(level) >= 3
        if previous is None:
            metrics.bump_unit(ticket.unit_id, at, rated=1, satisfied=1 if now_ok else 0)
        elif (previous >= 3) != now_ok:
            metrics.bump_unit(ticket.unit_id, at, satisfied=1 if now_ok else -1)
    return ticket


def do_request_extension(*, actor, number: str, days, reason: str) -> Extension:
    """延期申请: the lead unit asks for more working days; the platform's dispatcher decides."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise InvalidInput.field("days", "延期天数应为整数") from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput.field("days", f"延期天数应为1至{MAX_EXTENSION_DAYS}个工作日")
    reason = _text(reason, "reason", minimum=5, label="延期理由")
    with transaction.atomic():
        ticket = locked(number)
        _require_lead(actor, ticket)
        require_state(ticket, TicketState.ACCEPTED, message="只有办理中的工单可以申请延期")
        if Extension.objects.filter(ticket=ticket, state=ExtensionState.PENDING).exists():
            raise Conflict("该工单已有待审批的延期申请")
        ext = Extension.objects.create(
            ticket=ticket, days=days, reason=reason, requested_by=actor, requested_at=deadlines.now()
        )
        log_event(
            ticket,
            actor=actor,
            action="extension_request",
            from_state=ticket.state,
            unit_id=ticket.unit_id,
            note=reason,
            public=False,
            data={"days": days},
        )
    return ext


def do_decide_extension(*, actor, extension_id, approve: bool) -> Extension:
    """The dispatcher approves (the reply deadline moves by the days asked) or rejects."""
    _require_operator(actor)
    with transaction.atomic():
        ext = Extension.objects.select_for_update().filter(pk=extension_id).first()
        if ext is None:
            raise NotFound("没有找到该延期申请")
        if ext.state != ExtensionState.PENDING:
            raise Conflict("该延期申请已经审批")
        ticket = locked(Ticket.objects.filter(pk=ext.ticket_id).values_list("number", flat=True).get())
        ext.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
        ext.decided_by = actor
        ext.decided_at = deadlines.now()
        ext.save()
        if approve:
            ticket.extension_days += ext.days
            ticket.reply_due = deadlines.reply_due(
                ticket.clock_start,
                reply_days=ticket.reply_days,
                paused_days=ticket.paused_days,
                extension_days=ticket.extension_days,
            )
            ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="extension_approve" if approve else "extension_reject",
            from_state=ticket.state,
            unit_id=ticket.unit_id,
            public=False,
            data={"days": ext.days},
        )
    return ext


def do_supervise(*, actor, number: str, note: str = "", level: int = Supervision.NEAR) -> Ticket:
    """督办: the platform prompts the lead unit on an open ticket (by hand, or by the tick)."""
    if not (is_operator(actor) or actor == "system:hotline-tick"):
        raise Forbidden("只有热线坐席和平台管理员可以督办")
    with transaction.atomic():
        ticket = locked(number)
        require_state(
            ticket, TicketState.DISPATCHED, TicketState.ACCEPTED, message="只有办理中的工单可以督办"
        )
        ticket.supervision = max(ticket.supervision, int(level))
        ticket.save(update_fields=["supervision", "updated_at"])
        log_event(
            ticket,
            actor=actor,
            action="supervise",
            from_state=ticket.state,
            unit_id=ticket.unit_id,
            note=(note or "").replace("\x00", "").strip()[:MAX_TEXT],
            public=False,
            data={"level": int(level)},
        )
    return ticket


def supervise_due(*, at=None, limit: int = 10000) -> int:
    """The tick (`manage.py hotline tick`): 督办 every open ticket whose deadline is near or past
    and whose level rose since the last tick. Reads over the (state, reply_due) index."""
    at = at or deadlines.now()
    on = timezone.localdate(at)
    horizon = workdays.add_working_days(on, 1)
    candidates = Ticket.objects.filter(
        state__in=[TicketState.DISPATCHED, TicketState.ACCEPTED], reply_due__lte=horizon
    ).only("number", "state", "reply_due", "accept_due", "supervision")[:limit]
    late_accept = Ticket.objects.filter(
        state=TicketState.DISPATCHED, accept_due__lt=at, supervision__lt=Supervision.OVERDUE
    ).only("number", "state", "reply_due", "accept_due", "supervision")[:limit]
    done = 0
    seen: set[str] = set()
    for ticket in [*candidates, *late_accept]:
        if ticket.number in seen:
            continue
        seen.add(ticket.number)
        level = deadlines.supervision_level(ticket, at=at)
        if level > ticket.supervision:
            note = "超期督办" if level == Supervision.OVERDUE else "临期督办"
            do_supervise(actor="system:hotline-tick", number=ticket.number, note=note, level=level)
            done += 1
    return done


def do_merge(*, actor, number: str, into: str) -> Ticket:
    """合并: a duplicate (the same place and matter) joins an earlier ticket; its caller is told
    when that one is answered. Only a ticket not yet dispatched may be merged."""
    _require_operator(actor)
    if (number or "").strip() == (into or "").strip():
        raise InvalidInput.field("into", "不能与自身合并")
    with transaction.atomic():
        first, second = sorted([number, into])
        a, b = locked(first), locked(second)
        ticket, master = (a, b) if a.number == number.strip() else (b, a)
        require_state(ticket, TicketState.RECEIVED, message="只有待派单的工单可以合并")
        if master.state == TicketState.MERGED:
            raise InvalidInput.field("into", "目标工单本身已被合并")
        before = ticket.state
        ticket.state = TicketState.MERGED
        ticket.merged_into = master
        ticket.save()
        log_event(ticket, actor=actor, action="merge", from_state=before, note=master.number)
        log_event(
            master, actor=actor, action="merged_in", from_state=master.state, note=ticket.number, public=False
        )
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）与相同诉求合并至工单{master.number}办理。")
    return ticket
