"""Extensions (延期): requested by an officer, decided by the approver the officer names.

`do_extend` records a pending request (days within what is left of `MAX_EXTENSION_DAYS`, a
reason, an approver who is a department administrator of the case's department and not the
requester); nothing about the clock changes. `do_decide_extension` by that approver, and only
by that approver, approves (the days are added and the deadlines recomputed as the clock does,
`common.recompute_deadlines`) or rejects (with a reason). Each step is on the case timeline and
in the audit chain. A case has at most one pending request (a partial unique index): a
double-clicked request makes one. Deciding again what was already decided the same way changes
nothing and answers the case; deciding it the other way is a Conflict.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from .common import (
    MAX_EXTENSION_DAYS,
    expect_state,
    is_department_staff,
    lock_case,
    notify,
    recompute_deadlines,
    record_event,
    require_staff,
    save_case,
)
from .enums import CaseState, ExtensionState
from .models import Case, ExtensionRequest

OPEN_STATES = (CaseState.ACCEPTED, CaseState.PAUSED)


def _tell(user_id: int, text: str) -> None:
    transaction.on_commit(
        lambda: account_services.notify_user(user_id=user_id, text=text, subject="【通办】延期审批")
    )


def do_extend(*, actor, number: str, days: int, approver_id: int, reason: str) -> Case:
    """Request an extension of `days` working days, to be approved by `approver_id`."""
    reason = (reason or "").strip()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput.field("days", f"延期天数应为1到{MAX_EXTENSION_DAYS}个工作日")
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明延期理由")
    if len(reason) > 500:
        raise InvalidInput.field("reason", "延期理由不能超过500个字")
    try:
        with transaction.atomic():
            case = lock_case(number)
            require_staff(actor, case, StaffRole.APPROVING_OFFICER)
            expect_state(case, *OPEN_STATES)
            approver = account_queries.get_user(approver_id) if isinstance(approver_id, int) else None
            if approver is not None and approver.pk == actor.pk:
                raise InvalidInput.field("approver", "批准人不能是申请延期的本人")
            if approver is None or not is_department_staff(approver, case, StaffRole.DEPARTMENT_ADMIN):
                raise InvalidInput.field("approver", "延期须由本部门负责人（部门管理员）批准")
            if case.extension_requests.filter(state=ExtensionState.PENDING).exists():
                raise Conflict("该办件已有待批准的延期申请")
            if case.extension_days + days > MAX_EXTENSION_DAYS:
                raise InvalidInput.field("days", f"累计延期不能超过{MAX_EXTENSION_DAYS}个工作日")
            request = ExtensionRequest.objects.create(
                case=case, days=days, reason=reason, requested_by=actor, approver=approver
            )
            save_case(case)  # the page's optimistic version moves on
            record_event(
                case,
                actor,
                "extend_request",
                before=case.state,
                note=reason,
                data={"request": request.pk, "days": days, "approver": approver.pk},
            )
            _tell(approver.pk, f"办件{case.number}有一项延期{days}个工作日的申请待您批准")
    except IntegrityError as exc:  # a concurrent request for the same case committed first
        raise Conflict("该办件已有待批准的延期申请") from exc
    return case


def do_decide_extension(*, actor, number: str, request_id: int, approve: bool, note: str = "") -> Case:
    """The named approver approves (the deadline moves) or rejects (with a reason) a request."""
    note = (note or "").strip()
    if not approve and len(note) < 4:
        raise InvalidInput.field("note", "不批准时请写明理由")
    if len(note) > 500:
        raise InvalidInput.field("note", "批准意见不能超过500个字")
    with transaction.atomic():
        case = lock_case(number)
        require_staff(actor, case, None)  # another department learns nothing about the case
        request = case.extension_requests.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound("没有找到该延期申请")
        if getattr(actor, "pk", None) != request.approver_id:
            raise Forbidden("只有延期申请中指定的批准人可以审批")
        if request.requested_by_id == actor.pk:
            raise Forbidden("申请延期的本人不能批准自己的申请")
        require_staff(actor, case, StaffRole.DEPARTMENT_ADMIN)
        wanted = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
        if request.state == wanted:
            return case  # the same decision again (a double click, a retry): nothing more
        if request.state != ExtensionState.PENDING:
            raise Conflict(f"该延期申请已{ExtensionState(request.state).label}")
        request.state, request.decided_at, request.decision_note = wanted, timezone.now(), note
        data = {"request": request.pk, "days": request.days, "requested_by": request.requested_by_id}
        if approve:
            expect_state(case, *OPEN_STATES)
            if case.extension_days + request.days > MAX_EXTENSION_DAYS:
                raise InvalidInput.field("days", f"累计延期不能超过{MAX_EXTENSION_DAYS}个工作日")
            case.extension_days += request.days
            case.extension_reason = request.reason
            case.extension_approver_id = actor.pk
            recompute_deadlines(case)
            save_case(
                case,
                "extension_days",
                "extension_reason",
                "extension_approver",
                "promised_due",
                "statutory_due",
            )
            record_event(
                case,
                actor,
                "extend",
                before=case.state,
                note=note or request.reason,
                data=data | {"approver": actor.pk},
            )
            notify(
                case,
                N_("经批准延期%(days)s个工作日，办结期限为%(due)s"),
                {"days": request.days, "due": f"{case.promised_due:%Y-%m-%d}"},
            )
        else:
            save_case(case)
            record_event(case, actor, "extend_reject", before=case.state, note=note, data=data)
        request.save(update_fields=["state", "decided_at", "decision_note"])
        verdict = "已批准" if approve else "未批准"
        _tell(request.requested_by_id, f"您为办件{case.number}申请的延期{request.days}个工作日{verdict}")
    return case
