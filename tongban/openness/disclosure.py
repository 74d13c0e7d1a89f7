"""Disclosure on request (依申请公开, 政府信息公开条例): services and reads.

Flow: a signed-in natural person submits a request for themselves, or for the legal person they
act for (accounts' acting context and mandates) → the body's staff accept it (承办) → may ask the
applicant to clarify (补正: the clock stops until the applicant answers) → may ask to extend the
deadline once, by at most 20 working days, which the body's head (department administrator) or a
platform administrator other than the asker approves (four eyes) → answer once, with one of the
kinds of 第三十六条 (`enums_disclosure.AnswerKind`), producing a notice (告知书, PDF with the
body's seal, `disclosure_notice`). Every write takes `actor=` and is audited in its transaction;
reads outside one's reach are 404 and audited (`openness.disclosure.access_refused`).

The clock (`disclosure_clock`): due = received + 20 + paused + extension working days, stored in
`due_on` (recomputed at each pause's end and each approved extension).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, QuerySet, TextField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import mask_name
from tongban.core.workdays import count_working_days

from . import disclosure_clock as clock
from .enums_disclosure import (
    ANSWER_BASIS,
    GROUND_BASIS,
    MAX_EXTENSION_DAYS,
    NEEDS_GROUND,
    NEEDS_HOLDER,
    NEEDS_WITHHELD,
    OPEN_STATES,
    AnswerKind,
    ApplicantKind,
    ClockLevel,
    Delivery,
    ExtensionState,
    InfoForm,
    RequestState,
    WithholdGround,
)
from .models_disclosure import (
    DisclosureAnswer,
    DisclosureClarification,
    DisclosureExtension,
    DisclosureRequest,
)

log = logging.getLogger(__name__)

# The "item" a mandate must cover for an agent (经办人) to request for the legal person; a legal
# representative's mandate covers every item.
DISCLOSURE_ITEM = "openness.disclosure"
MAX_DESCRIPTION = 2000
MAX_TEXT = 5000
NOTICE_KIND_CODE = "GK"

ACTION_LABELS = {
    "openness.disclosure.submit": _("提交申请"),
    "openness.disclosure.accept": _("受理"),
    "openness.disclosure.clarify": _("要求补正（暂停计时）"),
    "openness.disclosure.clarified": _("申请人补正（恢复计时）"),
    "openness.disclosure.extension_request": _("申请延期"),
    "openness.disclosure.extension_approve": _("批准延期"),
    "openness.disclosure.extension_reject": _("不批准延期"),
    "openness.disclosure.answer": _("答复"),
    "openness.disclosure.warning": _("期限预警"),
}


# --- Who may do what ----------------------------------------------------------------------------


def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or account_queries.has_role(
        user, StaffRole.PLATFORM_ADMIN
    )


def department_of(user) -> int | None:
    """The department a staff account works for (None for people and staff of none)."""
    return account_queries.staff_department_id(user) if getattr(user, "is_staff", False) else None


def is_body_staff(user, department_id: int) -> bool:
    """Staff of the asked body: they handle its requests (an inspector has no department)."""
    return department_of(user) == department_id


def may_handle(user, req: DisclosureRequest) -> bool:
    return is_body_staff(user, req.department_id) or is_platform_admin(user)


def may_approve_extensions(user, department_id: int) -> bool:
    """The body's head (its department administrators) or a platform administrator."""
    if is_platform_admin(user):
        return True
    return is_body_staff(user, department_id) and account_queries.has_role(user, StaffRole.DEPARTMENT_ADMIN)


def applicant_side(user) -> bool:
    """People make requests; staff work on them."""
    return account_queries.is_person(user)


def may_use_workbench(user) -> bool:
    return bool(department_of(user)) or is_platform_admin(user)


def _denied(actor, obj_id) -> NotFound:
    """Audit an access outside the actor's reach (its own transaction) and answer 404."""
    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="openness.disclosure.access_refused",
                object_type="openness.disclosurerequest",
                object_id=obj_id,
                data={"outcome": "not_found"},
            )
    except Exception:  # the 404 is what matters
        log.exception("openness: could not audit a refused access")
    return NotFound("没有找到该政府信息公开申请")


def _requests() -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.select_related("department", "answer")


def _is_applicant(actor, req: DisclosureRequest) -> bool:
    """The person who asked for themselves; for a legal person's request, whoever holds a mandate
    of that legal person valid now that covers disclosure requests (as for cases: whoever
    submitted it — an agent whose mandate ended sees it no more)."""
    if not account_queries.is_person(actor):
        return False
    if req.legal_person_id:
        return account_queries.enterprise_scope(actor, req.legal_person_id).covers(DISCLOSURE_ITEM)
    return req.applicant_id == actor.pk


def access_as_applicant(actor, pk: int) -> DisclosureRequest:
    req = _requests().filter(pk=pk).first()
    if req is None or not _is_applicant(actor, req):
        raise _denied(actor, pk)
    return req


def access_as_staff(actor, pk: int) -> DisclosureRequest:
    req = _requests().filter(pk=pk).first()
    if req is None or not may_handle(actor, req):
        raise _denied(actor, pk)
    return req


def access_notice(actor, pk: int) -> DisclosureRequest:
    """The notice PDF: only the applicant and the body's staff (and platform administrators)."""
    req = _requests().filter(pk=pk).first()
    if req is None or not (_is_applicant(actor, req) or may_handle(actor, req)):
        raise _denied(actor, pk)
    if not hasattr(req, "answer"):
        raise NotFound("该申请尚未答复，没有告知书")
    return req


# --- Submitting ---------------------------------------------------------------------------------


@dataclass
class RequestInput:
    department_id: object = None
    description: str = ""
    purpose: str = ""
    form: str = ""
    delivery: str = ""


def check_request(data: RequestInput) -> dict:
    """Every problem at once, each naming its field; the cleaned values otherwise."""
    problems: list[FieldProblem] = []
    description = (data.description or "").strip()
    purpose = (data.purpose or "").strip()
    if not description:
        problems.append(FieldProblem("description", "请描述所需政府信息的名称、文号或者便于查询的其他特征"))
    elif len(description) < 4:
        problems.append(FieldProblem("description", "所需信息的描述过短，请写明信息名称、文号或其他特征"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(FieldProblem("description", f"所需信息的描述不能超过{MAX_DESCRIPTION}个字"))
    if len(purpose) > 500:
        problems.append(FieldProblem("purpose", "申请用途不能超过500个字"))
    if data.form not in InfoForm.values:
        problems.append(FieldProblem("form", "请选择获取信息的方式（纸质或电子）"))
    if data.delivery not in Delivery.values:
        problems.append(FieldProblem("delivery", "请选择获取信息的途径"))
    elif data.delivery == Delivery.ONLINE and data.form == InfoForm.PAPER:
        problems.append(FieldProblem("delivery", "纸质文本请选择邮寄或当面领取"))
    department = None
    raw = str(data.department_id or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        problems.append(FieldProblem("department", "请选择被申请的行政机关"))
    else:
        department = core_queries.departments_by_id([int(raw)]).get(int(raw))
        if department is None:
            problems.append(FieldProblem("department", "没有找到该行政机关"))
    if problems:
        raise InvalidInput(problems=problems)
    return {
        "department": department,
        "description": description,
        "purpose": purpose,
        "form": data.form,
        "delivery": data.delivery,
    }


def applicant_for(actor) -> dict:
    """Who a request of `actor` is made by now: the person, or the legal person they act for."""
    if not account_queries.is_person(actor):
        raise Forbidden("政府信息公开申请由公民、法人或者其他组织提出；工作人员请使用工作台")
    ctx = account_services.check_may_act_for(actor=actor, item_code=DISCLOSURE_ITEM)
    if ctx["kind"] == "enterprise":
        lp = account_queries.legal_person_summary(ctx["legal_person_id"])
        return {"kind": ApplicantKind.ORGANISATION, "legal_person_id": lp["id"], "name": lp["name"]}
    if ctx["kind"] == "principal":
        raise Forbidden("政府信息公开申请不能代他人提出：请切换为本人或所代表的法人后再申请")
    return {
        "kind": ApplicantKind.PERSON,
        "legal_person_id": None,
        "name": actor.display_name or actor.username,
    }


def do_submit_request(*, actor, data: RequestInput) -> DisclosureRequest:
    who = applicant_for(actor)
    values = check_request(data)
    received = clock.today()
    with transaction.atomic():
        req = DisclosureRequest.objects.create(
            applicant=actor,
            applicant_kind=who["kind"],
            legal_person_id=who["legal_person_id"],
            applicant_name=who["name"],
            received_on=received,
            due_on=clock.due_date(received),
            **values,
        )
        req.number = f"YSQ{received:%Y}{req.pk:07d}"
        req.save(update_fields=["number"])
        audit.record(
            actor=actor,
            action="openness.disclosure.submit",
            obj=req,
            data={"number": req.number, "department": req.department_id, "kind": req.applicant_kind},
        )
        _tell(
            actor.pk,
            f"您的政府信息公开申请{req.number}已提交，{req.department.name}应在{req.due_on:%Y-%m-%d}前答复",
        )
    return req


def _tell(user_id: int, text: str) -> None:
    transaction.on_commit(
        lambda: account_services.notify_user(user_id=user_id, text=text, subject="【通办】政府信息公开申请")
    )


# --- Handling -----------------------------------------------------------------------------------


def _lock(actor, pk: int) -> DisclosureRequest:
    """The request row locked for a write by the body's staff (inside the caller's transaction)."""
    req = DisclosureRequest.objects.select_for_update().filter(pk=pk).first()
    if req is None or not may_handle(actor, req):
        raise NotFound("没有找到该政府信息公开申请")
    return req


def _check_access(actor, pk: int) -> None:
    """Outside the write's transaction, so that a refusal's audit event stays."""
    access_as_staff(actor, pk)


def _save(req: DisclosureRequest, *fields: str) -> None:
    req.lock_version += 1
    req.save(update_fields=[*fields, "lock_version"])


def do_accept(*, actor, pk: int) -> DisclosureRequest:
    """承办: the actor takes the request. Accepting again what one already accepted is nothing."""
    _check_access(actor, pk)
    with transaction.atomic():
        req = _lock(actor, pk)
        if req.state == RequestState.PROCESSING and req.handler_id == actor.pk:
            return req
        if req.state != RequestState.RECEIVED:
            raise Conflict(f"该申请{RequestState(req.state).label}，不能再受理")
        req.state, req.handler, req.accepted_at = RequestState.PROCESSING, actor, timezone.now()
        _save(req, "state", "handler", "accepted_at")
        audit.record(actor=actor, action="openness.disclosure.accept", obj=req, data={"number": req.number})
    return req


def do_ask_clarification(*, actor, pk: int, question: str) -> DisclosureRequest:
    """补正: the clock stops from today until the applicant answers."""
    _check_access(actor, pk)
    question = (question or "").strip()
    if len(question) < 4:
        raise InvalidInput.field("question", "请写明需要申请人补正的内容")
    if len(question) > MAX_TEXT:
        raise InvalidInput.field("question", f"补正内容不能超过{MAX_TEXT}个字")
    with transaction.atomic():
        req = _lock(actor, pk)
        if req.state not in (RequestState.RECEIVED, RequestState.PROCESSING):
            raise Conflict(f"该申请{RequestState(req.state).label}，不能要求补正")
        today = clock.today()
        DisclosureClarification.objects.create(
            request=req, question=question, asked_by=actor, started_on=today
        )
        if req.handler_id is None:
            req.handler, req.accepted_at = actor, timezone.now()
        req.state, req.pause_started_on = RequestState.CLARIFYING, today
        _save(req, "state", "pause_started_on", "handler", "accepted_at")
        audit.record(
            actor=actor,
            action="openness.disclosure.clarify",
            obj=req,
            data={"number": req.number, "since": str(today)},
        )
        _tell(req.applicant_id, f"您的政府信息公开申请{req.number}需要补正，补正期间暂停计时，请登录查看")
    return req


def do_answer_clarification(*, actor, pk: int, answer: str) -> DisclosureRequest:
    """The applicant clarifies: the clock runs again, the paused working days added to it."""
    access_as_applicant(actor, pk)
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise InvalidInput.field("answer", "请填写补正内容")
    if len(answer) > MAX_TEXT:
        raise InvalidInput.field("answer", f"补正内容不能超过{MAX_TEXT}个字")
    with transaction.atomic():
        req = DisclosureRequest.objects.select_for_update().get(pk=pk)
        if req.state != RequestState.CLARIFYING:
            raise Conflict("该申请当前不需要补正")
        pause = req.clarifications.select_for_update().get(ended_on__isnull=True)
        today = clock.today()
        pause.days = count_working_days(pause.started_on, today)
        pause.answer, pause.ended_on = answer, today
        pause.save(update_fields=["answer", "ended_on", "days"])
        req.paused_days += pause.days
        req.pause_started_on = None
        req.state = RequestState.PROCESSING
        req.due_on = clock.due_date(
            req.received_on, paused_days=req.paused_days, extension_days=req.extension_days
        )
        _save(req, "paused_days", "pause_started_on", "state", "due_on")
        audit.record(
            actor=actor,
            action="openness.disclosure.clarified",
            obj=req,
            data={"number": req.number, "paused_days": pause.days, "due_on": str(req.due_on)},
        )
    return req


def do_ask_extension(*, actor, pk: int, days, reason: str) -> DisclosureExtension:
    """The handler asks to extend (once, by at most 20 working days)."""
    _check_access(actor, pk)
    reason = (reason or "").strip()
    if isinstance(days, str):
        days = int(days) if days.strip().isdigit() and len(days.strip()) < 6 else None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput.field("days", f"延期天数应为1到{MAX_EXTENSION_DAYS}个工作日")
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明延期理由")
    if len(reason) > 500:
        raise InvalidInput.field("reason", "延期理由不能超过500个字")
    try:
        with transaction.atomic():
            req = _lock(actor, pk)
            if req.state not in (RequestState.RECEIVED, RequestState.PROCESSING):
                raise Conflict(f"该申请{RequestState(req.state).label}，不能申请延期")
            if req.extensions.filter(state=ExtensionState.PENDING).exists():
                raise Conflict("该申请已有待批准的延期申请")
            if req.extension_days or req.extensions.filter(state=ExtensionState.APPROVED).exists():
                raise InvalidInput.field("days", "答复期限只能延长一次，本申请已经延期")
            ext = DisclosureExtension.objects.create(
                request=req, days=days, reason=reason, requested_by=actor
            )
            _save(req)
            audit.record(
                actor=actor,
                action="openness.disclosure.extension_request",
                obj=req,
                data={"number": req.number, "extension": ext.pk, "days": days, "reason": reason},
            )
    except IntegrityError as exc:  # a concurrent request for the same request committed first
        raise Conflict("该申请已有待批准的延期申请") from exc
    return ext


def do_decide_extension(
    *, actor, pk: int, extension_id: int, approve: bool, note: str = ""
) -> DisclosureRequest:
    """The body's head or a platform administrator, never the asker, approves or rejects."""
    _check_access(actor, pk)
    note = (note or "").strip()
    if not approve and len(note) < 4:
        raise InvalidInput.field("note", "不批准时请写明理由")
    if len(note) > 500:
        raise InvalidInput.field("note", "审批意见不能超过500个字")
    with transaction.atomic():
        req = _lock(actor, pk)
        ext = req.extensions.select_for_update().filter(pk=extension_id).first()
        if ext is None:
            raise NotFound("没有找到该延期申请")
        if not may_approve_extensions(actor, req.department_id):
            raise Forbidden("延期须经本机关负责人（部门管理员）批准")
        if ext.requested_by_id == actor.pk:
            raise Forbidden("申请延期的本人不能批准自己的申请")
        wanted = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
        if ext.state == wanted:
            return req  # the same decision again (a retry): nothing more
        if ext.state != ExtensionState.PENDING:
            raise Conflict(f"该延期申请{ExtensionState(ext.state).label}")
        ext.state, ext.decided_by, ext.decided_at, ext.decision_note = wanted, actor, timezone.now(), note
        ext.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        data = {"number": req.number, "extension": ext.pk, "days": ext.days, "note": note}
        if approve:
            if req.state not in OPEN_STATES:
                raise Conflict(f"该申请{RequestState(req.state).label}，不能延期")
            if req.extension_days + ext.days > MAX_EXTENSION_DAYS:
                raise InvalidInput.field("days", f"延期不能超过{MAX_EXTENSION_DAYS}个工作日")
            req.extension_days += ext.days
            req.due_on = clock.due_date(
                req.received_on, paused_days=req.paused_days, extension_days=req.extension_days
            )
            _save(req, "extension_days", "due_on")
            audit.record(
                actor=actor,
                action="openness.disclosure.extension_approve",
                obj=req,
                data=data | {"due_on": str(req.due_on)},
            )
            _tell(
                req.applicant_id,
                f"您的政府信息公开申请{req.number}经批准延期{ext.days}个工作日，答复期限为{req.due_on:%Y-%m-%d}",
            )
        else:
            _save(req)
            audit.record(actor=actor, action="openness.disclosure.extension_reject", obj=req, data=data)
    return req


@dataclass
class AnswerInput:
    kind: str = ""
    text: str = ""
    withheld: str = ""
    ground: str = ""
    holder_body: str = ""
    publishable: bool = False


def check_answer(data: AnswerInput) -> dict:
    problems: list[FieldProblem] = []
    kind = data.kind
    text = (data.text or "").strip()
    withheld = (data.withheld or "").strip()
    holder = (data.holder_body or "").strip()
    if kind not in AnswerKind.values:
        problems.append(FieldProblem("kind", "请选择答复类型"))
    if len(text) < 4:
        problems.append(FieldProblem("text", "请填写答复内容"))
    elif len(text) > MAX_TEXT:
        problems.append(FieldProblem("text", f"答复内容不能超过{MAX_TEXT}个字"))
    if kind in NEEDS_GROUND and data.ground not in WithholdGround.values:
        problems.append(FieldProblem("ground", "不予公开（含部分公开）须写明法定理由"))
    if kind not in NEEDS_GROUND and data.ground:
        problems.append(FieldProblem("ground", "只有不予公开和部分公开需要填写不予公开的理由"))
    if kind in NEEDS_WITHHELD and len(withheld) < 2:
        problems.append(FieldProblem("withheld", "部分公开须写明不予公开的部分"))
    if len(withheld) > MAX_TEXT:
        problems.append(FieldProblem("withheld", f"不予公开的部分不能超过{MAX_TEXT}个字"))
    if len(holder) > 100:
        problems.append(FieldProblem("holder_body", "机关名称不能超过100个字"))
    if problems:
        raise InvalidInput(problems=problems)
    return {
        "kind": kind,
        "text": text,
        "withheld": withheld if kind in NEEDS_WITHHELD else "",
        "ground": data.ground if kind in NEEDS_GROUND else "",
        "holder_body": holder if kind in NEEDS_HOLDER else "",
    }


def _notice_content(req: DisclosureRequest, values: dict, answered_on) -> dict:
    """What the notice says, frozen at answer time (in Chinese: an official document)."""
    with translation.override("zh-hans"):
        return _notice_values(req, values, answered_on)


def _notice_values(req: DisclosureRequest, values: dict, answered_on) -> dict:
    kind = AnswerKind(values["kind"])
    ground = WithholdGround(values["ground"]) if values["ground"] else None
    return {
        "request_number": req.number,
        "applicant_name": req.applicant_name,
        "department": req.department.name,
        "received_on": req.received_on.isoformat(),
        "description": req.description,
        "kind": kind.value,
        "kind_label": str(kind.label),
        "text": values["text"],
        "withheld": values["withheld"],
        "ground": str(ground.label) if ground else "",
        "ground_basis": GROUND_BASIS.get(ground, "") if ground else "",
        "holder_body": values["holder_body"],
        "basis": ANSWER_BASIS[kind],
        "form": str(InfoForm(req.form).label),
        "delivery": str(Delivery(req.delivery).label),
        "answered_on": answered_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "extension_days": req.extension_days,
        "paused_days": req.paused_days,
    }


def do_answer(*, actor, pk: int, data: AnswerInput) -> DisclosureAnswer:
    """Answer once; the notice (告知书) is written with it. A second answer is a Conflict."""
    _check_access(actor, pk)
    values = check_answer(data)
    try:
        with transaction.atomic():
            req = _lock(actor, pk)
            if req.state == RequestState.ANSWERED:
                raise Conflict("该申请已答复，不能重复答复")
            today = clock.today()
            if req.state == RequestState.CLARIFYING:  # 补正 unanswered: the pause ends with the answer
                pause = req.clarifications.select_for_update().get(ended_on__isnull=True)
                pause.days = count_working_days(pause.started_on, today)
                pause.ended_on = today
                pause.save(update_fields=["ended_on", "days"])
                req.paused_days += pause.days
                req.pause_started_on = None
            req.extensions.filter(state=ExtensionState.PENDING).update(
                state=ExtensionState.REJECTED,
                decided_at=timezone.now(),
                decision_note="已答复，延期申请不再需要",
            )
            answer = DisclosureAnswer.objects.create(
                request=req,
                answered_by=actor,
                answered_on=today,
                notice_number=f"{req.number}-{NOTICE_KIND_CODE}01",
                notice=_notice_content(req, values, today),
                **values,
            )
            req.state = RequestState.ANSWERED
            req.publishable = bool(data.publishable)
            if req.handler_id is None:
                req.handler, req.accepted_at = actor, timezone.now()
            _save(req, "state", "publishable", "paused_days", "pause_started_on", "handler", "accepted_at")
            audit.record(
                actor=actor,
                action="openness.disclosure.answer",
                obj=req,
                data={
                    "number": req.number,
                    "kind": values["kind"],
                    "ground": values["ground"],
                    "notice": answer.notice_number,
                    "publishable": req.publishable,
                    "on_time": today <= req.due_on,
                },
            )
            _tell(req.applicant_id, f"您的政府信息公开申请{req.number}已答复，请登录查看并下载告知书")
    except IntegrityError as exc:  # a concurrent answer committed first
        raise Conflict("该申请已答复，不能重复答复") from exc
    return answer


# --- Reads --------------------------------------------------------------------------------------


def body_has_requests(department_id: int) -> bool:
    return DisclosureRequest.objects.filter(department_id=department_id).exists()


def my_requests(actor) -> QuerySet[DisclosureRequest]:
    """A person's requests, and those of the legal persons they may request for now."""
    if not account_queries.is_person(actor):
        return DisclosureRequest.objects.none()
    grants = account_queries.grants_now(actor)
    firms = [lp for lp, scope in grants.legal_persons.items() if scope.covers(DISCLOSURE_ITEM)]
    return _requests().filter(Q(applicant=actor, legal_person__isnull=True) | Q(legal_person_id__in=firms))


def queue(actor, *, department_id: int | None = None, state: str = "", level: str = "") -> list:
    """The workbench queue: the body's requests (a platform administrator: every body's, or
    one), each with its clock; open ones first by due date."""
    qs = _requests().select_related("handler")
    if is_platform_admin(actor):
        if department_id:
            qs = qs.filter(department_id=department_id)
    else:
        dept = department_of(actor)
        if not dept:
            return []
        qs = qs.filter(department_id=dept)
    if state in RequestState.values:
        qs = qs.filter(state=state)
    rows = list(qs.order_by("due_on", "id")[:500])
    if not rows:
        return []
    on = clock.today()
    cal = clock.calendar_for(rows, on)
    for r in rows:
        r.clock = clock.clock_of(r, on=on, calendar=cal)
    if level in ClockLevel.values:
        rows = [r for r in rows if r.clock.level == level]
    rows.sort(key=lambda r: (r.state == RequestState.ANSWERED, r.due_on, r.pk))
    return rows


def pending_extensions(req: DisclosureRequest) -> list[DisclosureExtension]:
    return list(req.extensions.filter(state=ExtensionState.PENDING).select_related("requested_by"))


def open_clarification(req: DisclosureRequest) -> DisclosureClarification | None:
    return req.clarifications.filter(ended_on__isnull=True).first()


def history(req: DisclosureRequest) -> list:
    """The audit events of a request, oldest first (refused accesses left out)."""
    rows = list(
        core_queries.audit_events_for("openness.disclosurerequest", req.pk).filter(
            action__in=list(ACTION_LABELS)
        )
    )
    for e in rows:
        e.label = ACTION_LABELS[e.action]
    return rows


def masked_applicant(req: DisclosureRequest) -> str:
    """The applicant as a page someone else might glimpse shows it (the workbench's queue)."""
    return (
        req.applicant_name
        if req.applicant_kind == ApplicantKind.ORGANISATION
        else mask_name(req.applicant_name)
    )


# --- The public register (anonymised) -----------------------------------------------------------


def register(*, department_id: int | None = None, kind: str = "", year: int | None = None):
    """Requests and outcomes for the public: number, body, dates, state, outcome and, only when
    the body marked it publishable, the description. No name, ID or contact. Returns
    (rows queryset of dicts, counts per body and outcome, totals per outcome)."""
    qs = DisclosureRequest.objects.all()
    if department_id:
        qs = qs.filter(department_id=department_id)
    if kind in AnswerKind.values:
        qs = qs.filter(answer__kind=kind)
    if year:
        qs = qs.filter(received_on__year=year)
    # The description leaves the database only where the body marked it publishable.
    shown = Case(When(publishable=True, then=F("description")), default=Value(""), output_field=TextField())
    rows = (
        qs.order_by("-received_on", "-id")
        .annotate(shown_description=shown)
        .values(
            "pk",
            "number",
            "department__name",
            "received_on",
            "state",
            "publishable",
            "shown_description",
            "extension_days",
            "answer__kind",
            "answer__answered_on",
        )
    )
    counts = list(
        qs.values("department_id", "department__name", "answer__kind")
        .annotate(n=Count("id"))
        .order_by("department__name")
    )
    return rows, counts


def register_table(counts) -> tuple[list[dict], list[str]]:
    """Counts per body (rows) and outcome (columns: the answer kinds, then 办理中 for open)."""
    kinds = list(AnswerKind.values)
    bodies: dict[int, dict] = {}
    for c in counts:
        row = bodies.setdefault(
            c["department_id"],
            {"name": c["department__name"], "cells": dict.fromkeys([*kinds, "open"], 0), "total": 0},
        )
        row["cells"][c["answer__kind"] or "open"] += c["n"]
        row["total"] += c["n"]
    table = sorted(bodies.values(), key=lambda r: r["name"])
    for row in table:
        row["cells"] = [row["cells"][k] for k in [*kinds, "open"]]
    return table, [*kinds, "open"]


# --- The daily tick -----------------------------------------------------------------------------


@dataclass
class TickReport:
    checked: int = 0
    warning: list[str] = field(default_factory=list)  # request numbers newly near their deadline
    overdue: list[str] = field(default_factory=list)  # newly past it


def tick(*, on=None) -> TickReport:
    """Raise the warnings of the open requests (`manage.py openness tick`, daily): a request
    whose clock level became 临近期限 (5 working days or fewer left) or 已超期 gets one audit
    event `openness.disclosure.warning` and its handler a message; the level is kept on the
    request, so running again the same day warns nobody twice. A paused request (补正) is never
    overdue; an extended one is measured against its extended deadline."""
    on = on or clock.today()
    report = TickReport()
    rows = list(DisclosureRequest.objects.filter(state__in=OPEN_STATES).select_related("department"))
    if not rows:
        return report
    cal = clock.calendar_for(rows, on)
    for req in rows:
        report.checked += 1
        level = clock.clock_of(req, on=on, calendar=cal).level
        if level == req.clock_level:
            continue
        with transaction.atomic():
            locked = DisclosureRequest.objects.select_for_update().get(pk=req.pk)
            if locked.clock_level == level or locked.state not in OPEN_STATES:
                continue
            before, locked.clock_level = locked.clock_level, level
            locked.save(update_fields=["clock_level"])
            if level not in (ClockLevel.WARNING, ClockLevel.OVERDUE):
                continue
            audit.record(
                actor="system:openness-tick",
                action="openness.disclosure.warning",
                obj=locked,
                data={
                    "number": locked.number,
                    "level": level,
                    "before": before,
                    "due_on": str(locked.due_on),
                },
            )
            (report.warning if level == ClockLevel.WARNING else report.overdue).append(locked.number)
            if locked.handler_id:
                words = "已超过答复期限" if level == ClockLevel.OVERDUE else "临近答复期限"
                _tell_staff(
                    locked.handler_id, f"政府信息公开申请{locked.number}{words}（{locked.due_on:%Y-%m-%d}）"
                )
    return report


def _tell_staff(user_id: int, text: str) -> None:
    transaction.on_commit(
        lambda: account_services.notify_user(user_id=user_id, text=text, subject="【通办】依申请公开期限预警")
    )
