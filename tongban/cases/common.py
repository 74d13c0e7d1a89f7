"""What the case writes share: the timeline and audit record, notifications, row locks and
state checks, idempotency, authorisation, and the acceptance, deadline and conclusion steps that
several flows reach."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop as N_

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.apiauth import SystemActor  # a department system (client_credentials)
from tongban.catalog.enums import TimeUnit
from tongban.core import audit
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import clock, formschema, notices
from .enums import (
    CaseState,
    ResultCode,
    StepState,
    result_words,
)
from .models import (
    CASE_DELIVERY_ADDRESS,
    CASE_FORM,
    DRAFT_FORM,
    ApplicationForm,
    ApprovalChain,
    Case,
    CaseEvent,
    CaseStep,
    ClockPause,
    IdempotencyKey,
    Notification,
)
from .signals import case_changed

MAX_FILE_BYTES = 10 * 1024 * 1024


ALLOWED_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}


SUPPLEMENT_DAYS = 10  # working days an applicant has to supply what was asked for


MAX_EXTENSION_DAYS = 10


COMMITMENT_CHECK_DAYS = 20


DEFAULT_CHAIN = [
    {"name": N_("承办"), "role": StaffRole.APPROVING_OFFICER.value, "share": 0.4},
    {"name": "审核", "role": StaffRole.APPROVING_OFFICER.value, "share": 0.3},
    {"name": "批准", "role": StaffRole.DEPARTMENT_ADMIN.value, "share": 0.3},
]


def working_days_of(limit: int, unit: str) -> int:
    """An item's limit as a working-day equivalent, for sharing it among the approval steps and
    the 电子监察 share (自然日 5 in 7, a month as 21 working days, hours within a working day as 0).
    Deadlines count in the limit's own unit (`clock.case_deadlines`), never in this figure."""
    if unit == TimeUnit.WORKDAY:
        return limit
    if unit == TimeUnit.CALENDAR_DAY:
        return (limit * 5 + 6) // 7
    if unit == TimeUnit.MONTH:
        return limit * 21
    if unit == TimeUnit.HOUR:
        return (limit + 7) // 8 if limit > 8 else 0
    return 0


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def actor_label(actor) -> str:
    return actor.label if is_system(actor) else audit.actor_label(actor)


def actor_user(actor):
    """The user to store in a foreign key (None for a system)."""
    return actor if getattr(actor, "pk", None) else None


def record_event(
    case: Case, actor, action: str, *, before: str = "", note: str = "", data: dict | None = None
) -> None:
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))  # dates as ISO strings
    CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        from_state=before,
        to_state=case.state,
        note=note[:2000],
        data=data,
    )
    audit.record(
        actor=actor_label(actor),
        action=f"cases.{action}",
        obj=case,
        data={"from": before, "to": case.state, **data},
    )
    case_changed.send(sender=Case, case=case, action=action, before=before)


def notify(case: Case, text: str, params: dict | None = None, *, send: bool = True) -> None:
    """In-app always; SMS and (to a confirmed address) e-mail through the accounts gateways
    after commit (unless `send` is False: a bundle's member case, whose receipt the bundle
    sends once), a failing gateway logged and not raised. `text` is a Chinese msgid of the
    translation catalogue, with `%(name)s` placeholders filled from `params`: the message is
    sent in Chinese and shown in the app in the reader's language."""
    msgid = text
    with translation.override("zh-hans"):  # labels in params (lazy) are stored in Chinese too
        params = {k: str(v) for k, v in (params or {}).items()}
        text = msgid % params if params else msgid
    users = sorted(
        account_queries.parties_to_notify(
            applicant_id=case.applicant_id,
            legal_person_id=case.legal_person_id,
            # For a legal person the applicant column holds the person who acted for it.
            agent_ids={case.agent_id, case.applicant_id if case.legal_person_id else None},
            item_code=case.item_code,
        )
    )
    Notification.objects.bulk_create(
        [Notification(user_id=u, case=case, text=text[:300], msgid=msgid[:300], params=params) for u in users]
    )
    if not send:
        return
    message = f"【通办】您的办件{case.number}（{case.item_name}）：{text}"
    subject = f"【通办】办件{case.number}进展"
    for user_id in users:
        transaction.on_commit(
            lambda uid=user_id: account_services.notify_user(user_id=uid, text=message, subject=subject)
        )


def lock_case(number: str) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound("没有找到该办件")
    return case


def expect_state(case: Case, *states: str) -> None:
    if case.state not in states:
        raise Conflict(f"办件当前状态为“{case.get_state_display()}”，不能进行此操作（可能已被他人处理）")


def save_case(case: Case, *fields: str) -> None:
    case.lock_version += 1
    case.save(update_fields=[*fields, "lock_version"])


@dataclass(frozen=True)
class Idempotency:
    key: str
    action: str


def _replayed(actor, idem: Idempotency | None) -> Case | None:
    if idem is None or not idem.key:
        return None
    row = (
        IdempotencyKey.objects.filter(actor_label=actor_label(actor), key=idem.key)
        .select_related("case")
        .first()
    )
    if row is None:
        return None
    if row.action != idem.action:
        raise Conflict("该幂等键已用于另一操作")
    return row.case


def _remember(actor, idem: Idempotency | None, case: Case) -> None:
    if idem is not None and idem.key:
        if len(idem.key) > 80:
            raise InvalidInput.field("idempotency_key", "幂等键不能超过80个字符")
        IdempotencyKey.objects.create(
            actor_label=actor_label(actor), key=idem.key, action=idem.action, case=case
        )


def idempotent(
    actor, idem: Idempotency | None, work: Callable[[], Case], *, replay_first: bool = True
) -> Case:
    """Run `work` once per (actor, key): a retry returns the case the first call produced.
    `replay_first` False: skip the look-up before the work, for a caller whose retries are rare
    (the key's unique row still refuses a second case: the work rolls back, the first returns)."""
    previous = _replayed(actor, idem) if replay_first else None
    if previous is not None:
        return previous
    try:
        with transaction.atomic(), audit.batch():  # the chain's lock only from the end to the commit
            case = work()
            _remember(actor, idem, case)
            return case
    except IntegrityError:
        previous = _replayed(actor, idem)  # a concurrent retry won the race
        if previous is not None:
            return previous
        raise


def run_once(*, actor, idempotency_key: str, action: str, work: Callable[[], Case]) -> Case:
    """Wrap a write whose service takes no idempotency key (the API does, for every write): a
    retry with the same key returns the case instead of acting again."""
    return idempotent(actor, Idempotency(idempotency_key, action), work)


def is_department_staff(actor, case: Case, role: str | tuple[str, ...] | None = None) -> bool:
    """Staff of the case's department holding `role` (or one of several roles)."""
    if is_system(actor):  # a department system: its own department's cases, any back-office role
        return actor.department_id == case.department_id
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff", False):
        return False
    if actor.is_superuser:
        return True
    if actor.department_id != case.department_id:
        return False
    return role is None or account_queries.has_any_role(actor, [role] if isinstance(role, str) else role)


def acts_for_applicant(actor, case: Case) -> bool:
    """Whether the actor may act on the case as (or for) its applicant now: the person
    themselves, or someone whose mandate or helper consent is valid now and covers the case's
    item (`accounts.queries.may_act_for`, asked on every use). Having submitted the case gives
    nothing by itself: a former agent loses it with the grant, and staff act as staff."""
    if is_system(actor):
        return False
    return account_queries.may_act_for(
        actor,
        applicant_id=None if case.legal_person_id else case.applicant_id,
        legal_person_id=case.legal_person_id,
        item_code=case.item_code,
    )


def may_see(actor, case: Case) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if is_system(actor):
        return is_department_staff(actor, case)
    if acts_for_applicant(actor, case):
        return True
    if not getattr(actor, "is_staff", False):
        return False
    if actor.pk == case.submitted_by_id:  # the clerk who keyed it in at a hall (read only)
        return True
    return is_department_staff(actor, case) or account_queries.has_role(actor, StaffRole.INSPECTOR)


def access_case(actor, number: str) -> Case:
    """The case, if the actor may see it; otherwise NotFound (its existence is not revealed)."""
    case = Case.objects.select_related("department", "region").filter(number=(number or "").strip()).first()
    if case is None or not may_see(actor, case):
        raise NotFound("没有找到该办件")
    return case


def require_applicant(actor, case: Case) -> None:
    """Only the applicant's side acts as the applicant (withdraw, delivery, supply)."""
    if not acts_for_applicant(actor, case):
        raise NotFound("没有找到该办件")


def require_staff(actor, case: Case, role: str | None) -> None:
    """Staff (or the system) of the case's department holding `role` (None: any role)."""
    if not is_department_staff(actor, case, role):
        raise Forbidden("只有承办部门的相应岗位人员可以办理此办件")


def require_any_officer(actor, case: Case) -> None:
    roles = (StaffRole.APPROVING_OFFICER, StaffRole.WINDOW_CLERK, StaffRole.DEPARTMENT_ADMIN)
    if not is_department_staff(actor, case, roles):
        raise Forbidden("只有承办部门的工作人员可以预审和受理")


def check_items(items: list[str]) -> list[str]:
    clean = [str(i).strip() for i in items or [] if str(i).strip()]
    if not clean:
        raise InvalidInput.field("items", "请一次性列出需要补正的全部材料或内容")
    if any(len(i) > 200 for i in clean) or len(clean) > 30:
        raise InvalidInput.field("items", "补正清单过长")
    return clean


def chain_of(item_code: str, promised_days: int) -> tuple[list[dict], bool]:
    """The item's approval chain in one read: its steps and whether it keeps separation of
    duties (职责分离). Without a chain of its own: the default 承办 -> 审核 -> 批准, sharing the
    promised time (at least the last step gets 0), with separation of duties."""
    row = (
        ApprovalChain.objects.filter(item_code=item_code).values_list("steps", "separation_of_duties").first()
    )
    if row:
        return row[0], row[1]
    steps, left = [], promised_days
    for i, step in enumerate(DEFAULT_CHAIN):
        days = left if i == len(DEFAULT_CHAIN) - 1 else int(promised_days * step["share"])
        left -= days
        steps.append({"name": step["name"], "role": step["role"], "limit_days": max(days, 0)})
    return steps, True


def chain_for(item_code: str, promised_days: int) -> list[dict]:
    return chain_of(item_code, promised_days)[0]


def chain_separates(item_code: str) -> bool:
    """Whether the item's approval chain keeps separation of duties; the default chain does."""
    return chain_of(item_code, 0)[1]


# Separation of duties (职责分离): when the case's chain keeps it (Case.separation_of_duties,
# copied at acceptance), one person completes at most one approval step (审批环节) of a case.
# 受理 is not a step: the window officer who accepts may also take 承办 (前台受理、后台审批 keeps
# 受理 with any officer of the department); what SoD keeps apart is 承办, 审核 and 批准. No
# one is exempt, not even a superuser. A department system (no person) signs no steps itself.


def step_done_by(case: Case, user) -> CaseStep | None:
    """The step of `case` that `user` already completed, when the case keeps separation of
    duties (so `user` may take no other); None otherwise."""
    if not case.separation_of_duties or not getattr(user, "pk", None) or is_system(user):
        return None
    return case.steps.filter(state=StepState.DONE, completed_by_id=user.pk).order_by("index").first()


def require_separate_duties(actor, case: Case) -> None:
    done = step_done_by(case, actor)
    if done is not None:
        raise Forbidden(
            f"职责分离：您已办理本件的“{done.name}”环节，同一人不能办理同一办件的两个审批环节，"
            "请由本部门其他具备该岗位的人员办理"
        )


def accept_case(case: Case, actor, *, on: dt.date | None = None, deemed: bool = False) -> None:
    before = case.state
    case.state = CaseState.ACCEPTED
    chain, case.separation_of_duties = chain_of(case.item_code, case.promised_days)
    case.accepted_on = on or clock.today()
    case.deemed_accepted = deemed
    if case.commitment:
        case.commitment_check_due = clock.add_days(case.accepted_on, COMMITMENT_CHECK_DAYS)
    recompute_deadlines(case)
    steps = CaseStep.objects.bulk_create(
        [
            CaseStep(case=case, index=i, name=s["name"], role=s["role"], limit_days=s["limit_days"])
            for i, s in enumerate(chain)
        ]
    )
    start_step(case, steps[0], case.accepted_on)
    save_case(
        case,
        "state",
        "accepted_on",
        "deemed_accepted",
        "separation_of_duties",
        "commitment_check_due",
        "promised_due",
        "statutory_due",
        "step_role",
        "step_assignee",
    )
    note = "逾期未告知补正，依法自收到申请之日起视为受理" if deemed else ""
    record_event(
        case,
        actor,
        "accept",
        before=before,
        note=note,
        data={"accepted_on": case.accepted_on, "deemed": deemed},
    )
    # notices: 受理通知书
    notices.do_issue_notice(actor=actor, case=case, kind=notices.NoticeKind.ACCEPTANCE)
    if not case.promised_limit:  # 即办: no date to promise
        notify(case, N_("已受理，即办件，当场办结"))
    elif not case.promised_due:
        notify(case, N_("已受理"))
    elif clock.is_provisional(case.promised_due, case.accepted_on):
        notify(
            case,
            N_("已受理，承诺%(due)s前办结（暂定，节假日安排公布后可能调整，届时另行通知）"),
            {"due": f"{case.promised_due:%Y-%m-%d}"},
        )
    else:
        notify(case, N_("已受理，承诺%(due)s前办结"), {"due": f"{case.promised_due:%Y-%m-%d}"})


def step_due(case: Case, start: dt.date, days: int) -> dt.date:
    """A step's deadline: `days` working days after `start`, never after the case's own due date."""
    due = clock.add_days(start, days)
    return min(due, case.promised_due) if case.promised_due else due


def start_step(case: Case, step: CaseStep, on: dt.date) -> None:
    """Make `step` the active one; the caller saves the case's copy (step_role, step_assignee)."""
    step.state = StepState.ACTIVE
    step.started_on = on
    step.due_on = step_due(case, on, step.limit_days)
    step.save(update_fields=["state", "started_on", "due_on"])
    case.step_role, case.step_assignee_id = step.role, step.assignee_id


STEP_FIELDS = ("step_role", "step_assignee")


def skip_open_steps(case: Case) -> None:
    """The case leaves the approval chain early (withdrawn, 退件): its open steps are skipped;
    the caller saves STEP_FIELDS."""
    case.steps.filter(state__in=[StepState.ACTIVE, StepState.WAITING]).update(state=StepState.SKIPPED)
    case.step_role, case.step_assignee_id = "", None


def recompute_deadlines(case: Case) -> None:
    """The promised and statutory due dates from acceptance, pauses and extensions as stored."""
    if case.accepted_on is None:
        return
    promised, statutory = clock.case_deadlines(case)
    case.promised_due, case.statutory_due = promised.due, statutory.due


def conclude_case(case: Case, actor, code: str, *, licence: tuple[str, str] | None = None) -> None:
    """办结 with `code`; `licence` is the (identifier, name) of the result licence issued."""
    before = case.state
    case.state, case.result_code, case.concluded_at = CaseState.CONCLUDED, code, timezone.now()
    case.concluded_on_time = case.promised_due is None or clock.today() <= case.promised_due
    case.result_licence = licence[0] if licence else ""
    if code == ResultCode.RETURNED:
        case.state = CaseState.DELIVERED  # 退件: nothing to deliver
    save_case(case, "state", "result_code", "concluded_at", "concluded_on_time", "result_licence")
    data = {"result": code, "on_time": case.concluded_on_time}
    with translation.override(settings.LANGUAGE_CODE):  # stored and sent in Chinese
        words = result_words(code, case.item.item_type, licence[1] if licence else "")
    note = words
    if licence:
        data["licence"] = licence[0]
        note = f"{words}（{licence[0]}）"
    record_event(case, actor, "conclude", before=before, note=note, data=data)
    with translation.override(settings.LANGUAGE_CODE):  # a label of the catalogue: shown translated
        result = result_words(code, case.item.item_type)
    if licence:
        notify(
            case,
            N_("已办结：%(result)s，电子%(licence)s已签发，可在“我的证照”查看、下载和出示"),
            {"result": result, "licence": licence[1]},
        )
    else:
        notify(case, N_("已办结：%(result)s"), {"result": result})


def resume_clock(case: Case, pause: ClockPause, actor) -> None:
    on = clock.today()
    pause.ended_on = on
    pause.working_days = clock.working_days_between(pause.started_on, on)
    pause.save(update_fields=["ended_on", "working_days"])
    before = case.state
    case.state = CaseState.ACCEPTED
    case.paused_days += pause.working_days
    recompute_deadlines(case)
    save_case(case, "state", "paused_days", "promised_due", "statutory_due")
    for step in case.steps.filter(state=StepState.ACTIVE):
        step.due_on = step_due(case, step.due_on, pause.working_days)
        step.save(update_fields=["due_on"])
    record_event(
        case,
        actor,
        "resume",
        before=before,
        note=f"暂停{pause.working_days}个工作日，办结期限顺延至{case.promised_due:%Y-%m-%d}",
        data={"paused_days": pause.working_days, "promised_due": case.promised_due},
    )


def form_schema(item) -> dict:
    row = ApplicationForm.objects.filter(item_id=item.pk).first()
    return row.schema if row else formschema.DEFAULT_SCHEMA


def form_data(obj) -> dict:
    """The clear form of a case or a draft (stored SM4-encrypted)."""
    column = CASE_FORM if isinstance(obj, Case) else DRAFT_FORM
    return json.loads(column.read(obj)) if obj.form_enc else {}


def delivery_address(case: Case) -> str:
    """The postal address the applicant gave for the result (stored SM4-encrypted)."""
    return CASE_DELIVERY_ADDRESS.read(case)
