"""Case writes (办件): apply, pre-check, accept, the approval steps, pauses and extensions, the
decision, conclusion and delivery, and the daily tick of the clock.

One transaction per step: the case row is locked (`select_for_update`), the expected state is
checked, the change, its timeline event and its audit event are written together, and side
effects (SMS) run on commit. Two officers acting on the same step: the second finds the state
changed and gets a Conflict. A retried request with the same idempotency key returns the case
without acting again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement, TimeUnit
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import decrypt_personal, encrypt_personal
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import clock, formschema
from .enums import (
    CaseState,
    Channel,
    Decision,
    Delivery,
    PauseKind,
    ResultCode,
    SpecialProcedure,
    StepOutcome,
    StepState,
)
from .models import (
    ApplicationForm,
    ApprovalChain,
    Case,
    CaseCounter,
    CaseEvent,
    CaseMaterial,
    CaseStep,
    ClockPause,
    Draft,
    IdempotencyKey,
    Notification,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
SUPPLEMENT_DAYS = 10  # working days an applicant has to supply what was asked for
MAX_EXTENSION_DAYS = 10
COMMITMENT_CHECK_DAYS = 20
DEFAULT_CHAIN = [
    {"name": "承办", "role": StaffRole.APPROVING_OFFICER.value, "share": 0.4},
    {"name": "审核", "role": StaffRole.APPROVING_OFFICER.value, "share": 0.3},
    {"name": "批准", "role": StaffRole.DEPARTMENT_ADMIN.value, "share": 0.3},
]


def today() -> dt.date:
    return timezone.localdate()


# --- Helpers ------------------------------------------------------------------------------------


def working_days_of(limit: int, unit: str) -> int:
    """An item's limit in working days (自然日 counted 5 in 7, a month as 21 working days, hours
    and minutes within a working day as 0: same day)."""
    if unit == TimeUnit.WORKDAY:
        return limit
    if unit == TimeUnit.CALENDAR_DAY:
        return (limit * 5 + 6) // 7
    if unit == TimeUnit.MONTH:
        return limit * 21
    if unit == TimeUnit.HOUR:
        return (limit + 7) // 8 if limit > 8 else 0
    return 0


def _actor_label(actor) -> str:
    return audit.actor_label(actor)


def _event(
    case: Case, actor, action: str, *, before: str = "", note: str = "", data: dict | None = None
) -> None:
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))  # dates as ISO strings
    CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        from_state=before,
        to_state=case.state,
        note=note[:2000],
        data=data,
    )
    audit.record(
        actor=actor, action=f"cases.{action}", obj=case, data={"from": before, "to": case.state, **data}
    )


def _notify(case: Case, text: str) -> None:
    """In-app always; SMS through the accounts gateway after commit."""
    users = {case.applicant_id} | ({case.agent_id} if case.agent_id else set())
    Notification.objects.bulk_create([Notification(user_id=u, case=case, text=text[:300]) for u in users])
    message = f"【通办】您的办件{case.number}（{case.item_name}）：{text}"
    for user_id in users:
        transaction.on_commit(lambda uid=user_id: account_services.notify_by_sms(user_id=uid, text=message))


def _lock(number: str) -> Case:
    case = Case.objects.select_for_update().filter(number=number).first()
    if case is None:
        raise NotFound("没有找到该办件")
    return case


def _expect(case: Case, *states: str) -> None:
    if case.state not in states:
        raise Conflict(f"办件当前状态为“{case.get_state_display()}”，不能进行此操作（可能已被他人处理）")


def _save(case: Case, *fields: str) -> None:
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
        IdempotencyKey.objects.filter(actor_label=_actor_label(actor), key=idem.key)
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
            actor_label=_actor_label(actor), key=idem.key, action=idem.action, case=case
        )


def idempotent(actor, idem: Idempotency | None, work: Callable[[], Case]) -> Case:
    """Run `work` once per (actor, key): a retry returns the case the first call produced."""
    previous = _replayed(actor, idem)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            case = work()
            _remember(actor, idem, case)
            return case
    except IntegrityError:
        previous = _replayed(actor, idem)  # a concurrent retry won the race
        if previous is not None:
            return previous
        raise


# --- Authorisation ----------------------------------------------------------------------------------


def is_department_staff(actor, case: Case, role: str | None = None) -> bool:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff", False):
        return False
    if actor.is_superuser:
        return True
    if actor.department_id != case.department_id:
        return False
    return role is None or account_queries.has_role(actor, role)


def may_see(actor, case: Case) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.pk in (case.applicant_id, case.agent_id, case.submitted_by_id):
        return True
    if case.legal_person_id and account_queries.holds_mandate(actor, case.legal_person_id):
        return True
    return is_department_staff(actor, case) or account_queries.has_role(actor, StaffRole.INSPECTOR)


def access_case(actor, number: str) -> Case:
    """The case, if the actor may see it; otherwise NotFound (its existence is not revealed)."""
    case = Case.objects.select_related("department", "region").filter(number=(number or "").strip()).first()
    if case is None or not may_see(actor, case):
        raise NotFound("没有找到该办件")
    return case


def _require_applicant(actor, case: Case) -> None:
    if actor.pk not in (case.applicant_id, case.agent_id, case.submitted_by_id) and not (
        case.legal_person_id and account_queries.holds_mandate(actor, case.legal_person_id)
    ):
        raise NotFound("没有找到该办件")


def _require_staff(actor, case: Case, role: str) -> None:
    if not is_department_staff(actor, case, role):
        raise Forbidden("只有承办部门的相应岗位人员可以办理此办件")


# --- Forms and drafts ----------------------------------------------------------------------------------


def form_schema(item) -> dict:
    row = ApplicationForm.objects.filter(item_id=item.pk).first()
    return row.schema if row else formschema.DEFAULT_SCHEMA


def do_set_form(*, actor, item_pk: int, schema: dict) -> None:
    formschema.check_schema(schema)
    item = catalog_queries.get_item_version(item_pk)
    if not (actor.is_superuser or account_queries.has_role(actor, StaffRole.CATALOG_EDITOR)):
        raise Forbidden("只有事项编制人员可以设置申请表")
    with transaction.atomic():
        ApplicationForm.objects.update_or_create(item_id=item.pk, defaults={"schema": schema})
        audit.record(
            actor=actor,
            action="cases.form.set",
            object_type="catalog.implementationitem",
            object_id=item.pk,
            data={},
        )


def do_set_chain(*, actor, item_code: str, steps: list[dict]) -> ApprovalChain:
    """Approval steps as data: name, role (a staff role) and a working-day limit each."""
    if not (actor.is_superuser or account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN)):
        raise Forbidden("只有部门管理员可以设置审批环节")
    if not steps or len(steps) > 8:
        raise InvalidInput.field("steps", "审批环节应为1到8个")
    clean = []
    for i, step in enumerate(steps, 1):
        name = str(step.get("name", "")).strip()
        role = str(step.get("role", ""))
        try:
            limit = int(step.get("limit_days", -1))
        except (TypeError, ValueError):
            limit = -1
        if not name or len(name) > 40:
            raise InvalidInput.field("steps", f"第{i}个环节缺少名称")
        if role not in StaffRole.values:
            raise InvalidInput.field("steps", f"第{i}个环节的岗位不存在")
        if not 0 <= limit <= 60:
            raise InvalidInput.field("steps", f"第{i}个环节的时限应为0到60个工作日")
        clean.append({"name": name, "role": role, "limit_days": limit})
    catalog_queries.get_guide(item_code)  # the item must exist
    with transaction.atomic():
        chain, _ = ApprovalChain.objects.update_or_create(item_code=item_code, defaults={"steps": clean})
        audit.record(actor=actor, action="cases.chain.set", obj=chain, data={"steps": clean})
    return chain


def chain_for(item_code: str, promised_days: int) -> list[dict]:
    row = ApprovalChain.objects.filter(item_code=item_code).first()
    if row:
        return row.steps
    # The default 承办 -> 审核 -> 批准, sharing the promised time (at least the last step gets 0).
    steps, left = [], promised_days
    for i, step in enumerate(DEFAULT_CHAIN):
        days = left if i == len(DEFAULT_CHAIN) - 1 else int(promised_days * step["share"])
        left -= days
        steps.append({"name": step["name"], "role": step["role"], "limit_days": max(days, 0)})
    return steps


def prefill_values(actor) -> dict:
    claim = account_queries.acting_claim(actor)
    values = {
        "name": actor.display_name,
        "mobile_masked": actor.mobile_masked,
        "id_number_masked": actor.id_number_masked,
    }
    if claim["kind"] == "enterprise":
        values.update(name=claim["name"], legal_person_name=claim["name"], credit_code=claim["credit_code"])
    elif claim["kind"] == "principal":
        values.update(name=claim["name"], principal_name=claim["name"])
    return values


def prefilled_form(actor, item) -> dict:
    values = prefill_values(actor)
    out = {}
    for section in form_schema(item)["sections"]:
        for field in section["fields"]:
            if field.get("prefill"):
                out[field["name"]] = values.get(field["prefill"], "")
    return out


def do_save_draft(*, actor, item_code: str, data: dict) -> Draft:
    item = catalog_queries.get_guide(item_code)
    cleaned = formschema.clean_form(form_schema(item), data, partial=True)
    with transaction.atomic():
        draft, _ = Draft.objects.update_or_create(
            user=actor,
            item_code=item.code,
            defaults={
                "item": item,
                "acting": actor.acting or {},
                "form_enc": encrypt_personal(json.dumps(cleaned)),
            },
        )
        audit.record(actor=actor, action="cases.draft.save", obj=draft, data={"item": item.code})
    return draft


def draft_data(draft: Draft) -> dict:
    return json.loads(decrypt_personal(draft.form_enc)) if draft.form_enc else {}


def form_data(case: Case) -> dict:
    return json.loads(decrypt_personal(case.form_enc)) if case.form_enc else {}


# --- Applying -------------------------------------------------------------------------------------------


def _next_number(region_code: str, channel: str, day: dt.date) -> str:
    """办件编号: region (6) + date (8) + channel (1) + daily sequence of the region (6) = 21 chars."""
    counter, _ = CaseCounter.objects.get_or_create(region_code=region_code, day=day)
    counter = CaseCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{region_code}{day:%Y%m%d}{channel}{counter.last:06d}"


@dataclass(frozen=True)
class Upload:
    material_id: int | None
    name: str
    content: bytes
    content_type: str


def check_upload(upload: Upload, *, field: str = "file") -> None:
    if not upload.content:
        raise InvalidInput.field(field, f"“{upload.name}”是空文件")
    if len(upload.content) > MAX_FILE_BYTES:
        raise InvalidInput.field(field, f"“{upload.name}”超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    magic = ALLOWED_TYPES.get(upload.content_type)
    if magic is None or not upload.content.startswith(magic):
        raise InvalidInput.field(field, f"“{upload.name}”不是PDF、JPG或PNG文件")


def _store(case: Case, upload: Upload, *, actor, stage: str) -> CaseMaterial:
    digest = hashlib.sha256(upload.content).hexdigest()
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[upload.content_type]
    row = CaseMaterial(
        case=case,
        material_id=upload.material_id,
        name=upload.name[:200],
        size=len(upload.content),
        content_type=upload.content_type,
        sha256=digest,
        stage=stage,
        uploaded_by=actor,
    )
    row.file.save(f"{case.number}-{digest[:12]}.{ext}", ContentFile(upload.content), save=False)
    row.save()
    return row


def missing_required(item, uploads: list[Upload], *, excused: set[int] = frozenset()) -> list[str]:
    """Names of required materials with no file (the e-licence hook supplies mapped ones later)."""
    have = {u.material_id for u in uploads}
    return [
        m.name
        for m in item.materials.all()
        if m.requirement == MaterialRequirement.REQUIRED and m.pk not in have and m.pk not in excused
    ]


def _applicant_for(actor, item_code: str) -> dict:
    """Who the case is for, from the actor's acting context (checked against the agent's scope)."""
    ctx = account_services.check_may_act_for(actor=actor, item_code=item_code)
    if ctx["kind"] == "enterprise":
        lp = account_queries.legal_person_summary(ctx["legal_person_id"])
        return {
            "applicant_id": actor.pk,
            "legal_person_id": lp["id"],
            "applicant_name": lp["name"],
            "agent_id": None,
        }
    if ctx["kind"] == "principal":
        principal = account_queries.get_user(ctx["principal_id"])
        return {
            "applicant_id": principal.pk,
            "legal_person_id": None,
            "applicant_name": principal.display_name,
            "agent_id": actor.pk,
        }
    return {
        "applicant_id": actor.pk,
        "legal_person_id": None,
        "applicant_name": actor.display_name,
        "agent_id": None,
    }


def _new_case(*, actor, item, who: dict, channel: str, cleaned: dict, now) -> Case:
    promised = working_days_of(item.promised_limit, item.promised_unit)
    statutory = working_days_of(item.statutory_limit, item.statutory_unit)
    case = Case(
        number=_next_number(item.region_id[:6], channel, today()),
        item=item,
        item_code=item.code,
        item_name=item.name,
        department_id=item.department_id,
        region_id=item.region_id,
        submitted_by=actor,
        channel=channel,
        state=CaseState.SUBMITTED,
        case_type=item.case_type,
        form_enc=encrypt_personal(json.dumps(cleaned, ensure_ascii=False)),
        promised_days=promised,
        statutory_days=max(statutory, promised),
        submitted_at=now,
        received_on=today(),
        **who,
    )
    case.save()
    return case


def do_submit(
    *,
    actor,
    item_code: str,
    data: dict,
    uploads: list[Upload],
    channel: str = Channel.PC,
    idempotency_key: str = "",
) -> Case:
    """An online application (web, mobile or a department system): the form is checked against the
    item version's schema, required materials must be there, the case waits for 预审."""
    if channel not in (Channel.PC, Channel.MOBILE, Channel.OTHER, Channel.POST):
        raise InvalidInput.field("channel", "申报渠道不正确")
    item = catalog_queries.get_guide(item_code)
    cleaned = formschema.clean_form(form_schema(item), data)
    for upload in uploads:
        check_upload(upload)
    material_ids = {m.pk for m in item.materials.all()}
    if any(u.material_id not in material_ids for u in uploads):
        raise InvalidInput.field("materials", "上传的材料不属于该事项")
    missing = missing_required(item, uploads)
    if missing:
        raise InvalidInput.field("materials", "请上传必要材料：" + "、".join(missing))
    who = _applicant_for(actor, item.code)

    def work() -> Case:
        case = _new_case(
            actor=actor, item=item, who=who, channel=channel, cleaned=cleaned, now=timezone.now()
        )
        for upload in uploads:
            _store(case, upload, actor=actor, stage="application")
        Draft.objects.filter(user=actor, item_code=item.code).delete()
        _event(case, actor, "submit", data={"channel": channel, "item_version": item.version})
        _notify(case, "已收到您的申请，正在预审")
        return case

    return idempotent(actor, Idempotency(idempotency_key, "submit"), work)


def do_window_intake(
    *,
    actor,
    applicant_id: int,
    item_code: str,
    data: dict,
    uploads: list[Upload],
    missing: list[dict] | None = None,
    commitment: bool = False,
    idempotency_key: str = "",
) -> Case:
    """前台综合受理: a clerk of a hall accepts any item of the hall's region for a walk-in applicant
    (registered or found on the clerk desk), with scanned materials. 容缺受理: `missing` lists
    non-essential materials with a commitment date; 告知承诺: `commitment` accepts on the
    applicant's signed commitment and schedules a follow-up check."""
    if not account_queries.has_role(actor, StaffRole.WINDOW_CLERK):
        raise Forbidden("只有窗口人员可以窗口受理")
    item = catalog_queries.get_guide(item_code)
    hall = core_queries.get_region(actor.department.region_id) if actor.department_id else None
    if hall is None or not item.region_id.startswith(hall.prefix):
        raise Forbidden("只能受理本服务大厅所在地区的事项")
    applicant = account_queries.get_user(applicant_id)
    if applicant is None or applicant.kind != "person":
        raise InvalidInput.field("applicant", "请先在窗口查找或登记申请人")
    cleaned = formschema.clean_form(form_schema(item), data)
    for upload in uploads:
        check_upload(upload)
    deferred = _check_missing(item, missing or [])
    absent = missing_required(item, uploads, excused={d["material_id"] for d in deferred})
    if absent and not commitment:
        raise InvalidInput.field("materials", "请扫描必要材料：" + "、".join(absent))
    who = {
        "applicant_id": applicant.pk,
        "legal_person_id": None,
        "applicant_name": applicant.display_name,
        "agent_id": None,
    }

    def work() -> Case:
        case = _new_case(
            actor=actor, item=item, who=who, channel=Channel.WINDOW, cleaned=cleaned, now=timezone.now()
        )
        for upload in uploads:
            _store(case, upload, actor=actor, stage="window")
        case.missing_materials = deferred
        case.commitment = commitment
        case.save(update_fields=["missing_materials", "commitment"])
        _event(case, actor, "window_intake", data={"missing": deferred, "commitment": commitment})
        _accept(case, actor)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "window_intake"), work)


def _check_missing(item, missing: list[dict]) -> list[dict]:
    by_id = {m.pk: m for m in item.materials.all()}
    out = []
    for entry in missing:
        material = by_id.get(entry.get("material_id"))
        if material is None:
            raise InvalidInput.field("missing", "容缺材料不属于该事项")
        if material.requirement == MaterialRequirement.REQUIRED and not material.license_type_code:
            raise InvalidInput.field("missing", f"“{material.name}”是必要材料，不能容缺")
        try:
            due = dt.date.fromisoformat(str(entry.get("due", "")))
        except ValueError as exc:
            raise InvalidInput.field("missing", f"请填写“{material.name}”的补交承诺日期") from exc
        if due <= today():
            raise InvalidInput.field("missing", "补交承诺日期应晚于今天")
        out.append({"material_id": material.pk, "name": material.name, "due": due.isoformat()})
    return out


# --- Pre-check and acceptance -------------------------------------------------------------------------


def _accept(case: Case, actor, *, on: dt.date | None = None, deemed: bool = False) -> None:
    before = case.state
    case.state = CaseState.ACCEPTED
    case.accepted_on = on or today()
    case.deemed_accepted = deemed
    if case.commitment:
        case.commitment_check_due = clock.add_days(case.accepted_on, COMMITMENT_CHECK_DAYS)
    _recompute(case)
    _save(
        case,
        "state",
        "accepted_on",
        "deemed_accepted",
        "commitment_check_due",
        "promised_due",
        "statutory_due",
    )
    steps = chain_for(case.item_code, case.promised_days)
    CaseStep.objects.bulk_create(
        [
            CaseStep(case=case, index=i, name=s["name"], role=s["role"], limit_days=s["limit_days"])
            for i, s in enumerate(steps)
        ]
    )
    _start_step(case, case.steps.get(index=0), case.accepted_on)
    note = "逾期未告知补正，依法自收到申请之日起视为受理" if deemed else ""
    _event(
        case,
        actor,
        "accept",
        before=before,
        note=note,
        data={"accepted_on": case.accepted_on, "deemed": deemed},
    )
    _notify(case, "已受理" + (f"，承诺{case.promised_due:%Y-%m-%d}前办结" if case.promised_due else ""))


def _start_step(case: Case, step: CaseStep, on: dt.date) -> None:
    step.state = StepState.ACTIVE
    step.started_on = on
    step.due_on = clock.add_days(on, step.limit_days)
    step.save(update_fields=["state", "started_on", "due_on"])


def _recompute(case: Case) -> None:
    if case.accepted_on is None:
        return
    kw = {"paused_days": case.paused_days, "extension_days": case.extension_days}
    case.promised_due = clock.deadline(case.accepted_on, case.promised_days, **kw).due
    case.statutory_due = clock.deadline(case.accepted_on, case.statutory_days, **kw).due


def do_accept(*, actor, number: str, idempotency_key: str = "") -> Case:
    """预审通过, 受理."""

    def work() -> Case:
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.SUBMITTED)
        _accept(case, actor)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "accept"), work)


def _require_any_officer(actor, case: Case) -> None:
    if not (
        is_department_staff(actor, case, StaffRole.APPROVING_OFFICER)
        or is_department_staff(actor, case, StaffRole.WINDOW_CLERK)
        or is_department_staff(actor, case, StaffRole.DEPARTMENT_ADMIN)
    ):
        raise Forbidden("只有承办部门的工作人员可以预审和受理")


def do_refuse(*, actor, number: str, reason: str) -> Case:
    """不予受理 with a reason (a notice is issued)."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明不予受理的理由")
    with transaction.atomic():
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.SUBMITTED)
        before, case.state, case.return_reason = case.state, CaseState.REFUSED, reason
        _save(case, "state", "return_reason")
        _event(case, actor, "refuse", before=before, note=reason)
        _notify(case, "不予受理：" + reason)
    return case


def do_return(*, actor, number: str, reason: str) -> Case:
    """预审退回: the application is not for this item or cannot be handled; the reason is given."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明退回理由")
    with transaction.atomic():
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.SUBMITTED)
        before, case.state, case.return_reason = case.state, CaseState.RETURNED, reason
        _save(case, "state", "return_reason")
        _event(case, actor, "return", before=before, note=reason)
        _notify(case, "预审退回：" + reason)
    return case


def _check_items(items: list[str]) -> list[str]:
    clean = [str(i).strip() for i in items or [] if str(i).strip()]
    if not clean:
        raise InvalidInput.field("items", "请一次性列出需要补正的全部材料或内容")
    if any(len(i) > 200 for i in clean) or len(clean) > 30:
        raise InvalidInput.field("items", "补正清单过长")
    return clean


def do_request_supplement(*, actor, number: str, items: list[str], note: str = "") -> Case:
    """预审补正 (before acceptance): everything missing, listed at once; the applicant supplies it
    and the case comes back to pre-check with the new date of receipt."""
    items = _check_items(items)
    with transaction.atomic():
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.SUBMITTED)
        before = case.state
        case.state = CaseState.SUPPLEMENT
        case.supplement_items = items
        case.supplement_due = clock.add_days(today(), SUPPLEMENT_DAYS)
        _save(case, "state", "supplement_items", "supplement_due")
        _event(case, actor, "request_supplement", before=before, note=note, data={"items": items})
        _notify(case, "请补正材料：" + "；".join(items))
    return case


def do_supply(*, actor, number: str, uploads: list[Upload], note: str = "") -> Case:
    """The applicant supplies what was asked for: before acceptance the case returns to pre-check
    (received again today); after acceptance the supplement pause ends and the clock resumes."""
    if not uploads:
        raise InvalidInput.field("materials", "请上传补正材料")
    for upload in uploads:
        check_upload(upload)
    with transaction.atomic():
        case = _lock(number)
        _require_applicant(actor, case)
        _expect(case, CaseState.SUPPLEMENT, CaseState.PAUSED)
        pause = case.pauses.filter(ended_on__isnull=True).first()
        if case.state == CaseState.PAUSED and (pause is None or pause.kind != PauseKind.SUPPLEMENT):
            raise Conflict("办件处于特别程序中，无需补正")
        for upload in uploads:
            _store(case, upload, actor=actor, stage="supplement")
        before = case.state
        if case.state == CaseState.SUPPLEMENT:
            case.state = CaseState.SUBMITTED
            case.received_on = today()
            case.supplement_due = None
            _save(case, "state", "received_on", "supplement_due")
            _event(case, actor, "supply", before=before, note=note, data={"files": len(uploads)})
        else:
            _event(case, actor, "supply", before=before, note=note, data={"files": len(uploads)})
            _resume(case, pause, actor)
    return case


# --- Approval steps ------------------------------------------------------------------------------------


def do_assign_step(*, actor, number: str, step_index: int, assignee_id: int | None) -> Case:
    """Put the active step in the department queue (None) or on a named officer."""
    with transaction.atomic():
        case = _lock(number)
        _require_staff(actor, case, StaffRole.DEPARTMENT_ADMIN)
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
        step.assignee_id = assignee_id
        step.save(update_fields=["assignee"])
        _save(case)
        _event(case, actor, "assign", before=case.state, data={"step": step.name, "assignee": assignee_id})
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
        case = _lock(number)
        _expect(case, CaseState.ACCEPTED)
        step = case.steps.filter(index=step_index).first()
        if step is None or step.state != StepState.ACTIVE:
            raise Conflict("该环节已由他人办理或尚未开始")
        _require_staff(actor, case, step.role)
        if step.assignee_id and step.assignee_id != actor.pk:
            raise Forbidden("该环节已指派给其他人员")
        now = timezone.now()
        step.state, step.completed_at, step.completed_by = StepState.DONE, now, actor
        step.outcome, step.comment = outcome, comment
        step.save(update_fields=["state", "completed_at", "completed_by", "outcome", "comment"])
        following = case.steps.filter(index__gt=step.index).order_by("index").first()
        _save(case)
        _event(
            case, actor, "step", before=case.state, note=comment, data={"step": step.name, "outcome": outcome}
        )
        if following is not None:
            _start_step(case, following, today())
        else:
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
    _save(case, "state", "decision", "decision_reason", "decided_at")
    _event(case, actor, "decide", before=before, note=reason, data={"decision": decision})
    _notify(case, "审批决定：" + Decision(decision).label)


def do_conclude(*, actor, number: str, result_code: str = "", idempotency_key: str = "") -> Case:
    """办结 with the national result code (出证 / 准予 / 不予许可 ...); on time or not is recorded."""

    def work() -> Case:
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.DECIDED)
        code = result_code or (ResultCode.ISSUED if case.decision == Decision.GRANT else ResultCode.DENIED)
        if code not in ResultCode.values:
            raise InvalidInput.field("result_code", "办结结果代码不正确")
        if (case.decision == Decision.GRANT) != (code in (ResultCode.ISSUED, ResultCode.GRANTED)):
            raise InvalidInput.field("result_code", "办结结果与审批决定不一致")
        _conclude(case, actor, code)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "conclude"), work)


def _conclude(case: Case, actor, code: str) -> None:
    before = case.state
    case.state, case.result_code, case.concluded_at = CaseState.CONCLUDED, code, timezone.now()
    case.concluded_on_time = case.promised_due is None or today() <= case.promised_due
    if code == ResultCode.RETURNED:
        case.state = CaseState.DELIVERED  # 退件: nothing to deliver
    _save(case, "state", "result_code", "concluded_at", "concluded_on_time")
    _event(case, actor, "conclude", before=before, data={"result": code, "on_time": case.concluded_on_time})
    _notify(case, "已办结：" + ResultCode(code).label)


# --- The clock: pauses and extensions --------------------------------------------------------------------


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
        items = _check_items(items or [])
    elif procedure not in SpecialProcedure.values:
        raise InvalidInput.field("procedure", "请选择特别程序的种类")
    with transaction.atomic():
        case = _lock(number)
        _require_staff(actor, case, StaffRole.APPROVING_OFFICER)
        _expect(case, CaseState.ACCEPTED)
        on = today()
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
        _save(case, "state")
        _event(
            case,
            actor,
            "pause",
            before=before,
            note=reason,
            data={"kind": kind, "items": items or [], "procedure": procedure},
        )
        _notify(
            case, "暂停计时：" + (("请补正：" + "；".join(items)) if kind == PauseKind.SUPPLEMENT else reason)
        )
    return case


def do_resume(*, actor, number: str) -> Case:
    """End a 特别程序 pause (a supplement pause ends when the applicant supplies)."""
    with transaction.atomic():
        case = _lock(number)
        _require_staff(actor, case, StaffRole.APPROVING_OFFICER)
        _expect(case, CaseState.PAUSED)
        pause = case.pauses.get(ended_on__isnull=True)
        _resume(case, pause, actor)
    return case


def _resume(case: Case, pause: ClockPause, actor) -> None:
    on = today()
    pause.ended_on = on
    pause.working_days = clock.working_days_between(pause.started_on, on)
    pause.save(update_fields=["ended_on", "working_days"])
    before = case.state
    case.state = CaseState.ACCEPTED
    case.paused_days += pause.working_days
    _recompute(case)
    _save(case, "state", "paused_days", "promised_due", "statutory_due")
    for step in case.steps.filter(state=StepState.ACTIVE):
        step.due_on = clock.add_days(step.due_on, pause.working_days)
        step.save(update_fields=["due_on"])
    _event(
        case,
        actor,
        "resume",
        before=before,
        note=f"暂停{pause.working_days}个工作日，办结期限顺延至{case.promised_due:%Y-%m-%d}",
        data={"paused_days": pause.working_days, "promised_due": case.promised_due},
    )


def do_extend(*, actor, number: str, days: int, approver_id: int, reason: str) -> Case:
    """An extension of up to 10 working days in all, approved by a named department administrator."""
    reason = (reason or "").strip()
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput.field("days", f"延期天数应为1到{MAX_EXTENSION_DAYS}个工作日")
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明延期理由")
    with transaction.atomic():
        case = _lock(number)
        _require_staff(actor, case, StaffRole.APPROVING_OFFICER)
        _expect(case, CaseState.ACCEPTED, CaseState.PAUSED)
        approver = account_queries.get_user(approver_id)
        if approver is None or not is_department_staff(approver, case, StaffRole.DEPARTMENT_ADMIN):
            raise InvalidInput.field("approver", "延期须由本部门负责人（部门管理员）批准")
        if case.extension_days + days > MAX_EXTENSION_DAYS:
            raise InvalidInput.field("days", f"累计延期不能超过{MAX_EXTENSION_DAYS}个工作日")
        case.extension_days += days
        case.extension_reason = reason
        case.extension_approver = approver
        _recompute(case)
        _save(
            case, "extension_days", "extension_reason", "extension_approver", "promised_due", "statutory_due"
        )
        _event(
            case,
            actor,
            "extend",
            before=case.state,
            note=reason,
            data={"days": days, "approver": approver.pk},
        )
        _notify(case, f"经批准延期{days}个工作日，办结期限为{case.promised_due:%Y-%m-%d}")
    return case


# --- Applicant actions ---------------------------------------------------------------------------------------


def do_withdraw(*, actor, number: str, reason: str = "") -> Case:
    with transaction.atomic():
        case = _lock(number)
        _require_applicant(actor, case)
        _expect(case, CaseState.SUBMITTED, CaseState.SUPPLEMENT, CaseState.ACCEPTED, CaseState.PAUSED)
        before, case.state = case.state, CaseState.WITHDRAWN
        _save(case, "state")
        case.pauses.filter(ended_on__isnull=True).update(ended_on=today())
        case.steps.filter(state__in=[StepState.ACTIVE, StepState.WAITING]).update(state=StepState.SKIPPED)
        _event(case, actor, "withdraw", before=before, note=reason)
    return case


def do_choose_delivery(*, actor, number: str, method: str, address: str = "") -> Case:
    if method not in Delivery.values:
        raise InvalidInput.field("delivery", "请选择送达方式")
    if method == Delivery.POST and len((address or "").strip()) < 6:
        raise InvalidInput.field("address", "邮寄送达请填写完整的收件地址")
    with transaction.atomic():
        case = _lock(number)
        _require_applicant(actor, case)
        if case.state in CaseState.final():
            raise Conflict("办件已结束，不能更改送达方式")
        case.delivery = method
        _save(case, "delivery")
        _event(case, actor, "choose_delivery", before=case.state, data={"delivery": method})
    return case


def do_deliver(*, actor, number: str, tracking_number: str = "") -> Case:
    """送达: window pickup (a pickup code is issued at conclusion), post (tracking number), or
    electronic (the result licence, completed by the e-licence library)."""
    with transaction.atomic():
        case = _lock(number)
        _require_any_officer(actor, case)
        _expect(case, CaseState.CONCLUDED)
        method = case.delivery or Delivery.WINDOW
        tracking_number = (tracking_number or "").strip()
        if method == Delivery.POST and not (4 <= len(tracking_number) <= 40 and tracking_number.isalnum()):
            raise InvalidInput.field("tracking_number", "请填写快递单号（字母和数字）")
        before = case.state
        case.state, case.delivered_at, case.delivery = CaseState.DELIVERED, timezone.now(), method
        case.tracking_number = tracking_number if method == Delivery.POST else ""
        if method == Delivery.WINDOW and not case.pickup_code:
            case.pickup_code = f"{secrets.randbelow(10**6):06d}"
        _save(case, "state", "delivered_at", "delivery", "tracking_number", "pickup_code")
        _event(
            case, actor, "deliver", before=before, data={"delivery": method, "tracking": case.tracking_number}
        )
        _notify(
            case,
            {
                "window": f"请凭取件码{case.pickup_code}到窗口领取",
                "post": f"已邮寄，快递单号{case.tracking_number}",
                "electronic": "结果已电子送达",
            }[method],
        )
    return case


def do_mark_read(*, actor, notification_ids: list[int]) -> int:
    with transaction.atomic():
        return Notification.objects.filter(user=actor, pk__in=notification_ids, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# --- The daily tick -----------------------------------------------------------------------------------------------


@dataclass
class TickReport:
    deemed_accepted: int = 0
    supplements_expired: int = 0
    steps_escalated: int = 0
    levels_changed: int = 0


def do_tick(*, on: dt.date | None = None) -> TickReport:
    """Run daily (`manage.py cases tick`): deemed acceptance after 5 working days without a
    pre-check answer, 退件 for supplements not delivered in time, escalation of overdue steps,
    and the 电子监察 levels. Idempotent: a second run the same day changes nothing."""
    on = on or today()
    report = TickReport()
    actor = "system:clock"
    for number in Case.objects.filter(
        state=CaseState.SUBMITTED, channel__in=list(Channel.online())
    ).values_list("number", flat=True):
        with transaction.atomic():
            case = _lock(number)
            if case.state == CaseState.SUBMITTED and on > clock.precheck_deadline(case.received_on):
                _accept(case, actor, on=case.received_on, deemed=True)
                report.deemed_accepted += 1
    for number in Case.objects.filter(state=CaseState.SUPPLEMENT, supplement_due__lt=on).values_list(
        "number", flat=True
    ):
        with transaction.atomic():
            case = _lock(number)
            before, case.state, case.return_reason = case.state, CaseState.RETURNED, "逾期未补正，作退件处理"
            case.result_code = ResultCode.RETURNED
            _save(case, "state", "return_reason", "result_code")
            _event(case, actor, "supplement_expired", before=before)
            report.supplements_expired += 1
    expired = ClockPause.objects.filter(kind=PauseKind.SUPPLEMENT, ended_on__isnull=True, due_on__lt=on)
    for number in expired.values_list("case__number", flat=True):
        with transaction.atomic():
            case = _lock(number)
            pause = case.pauses.get(ended_on__isnull=True)
            pause.ended_on = on
            pause.save(update_fields=["ended_on"])
            case.steps.filter(state__in=[StepState.ACTIVE, StepState.WAITING]).update(state=StepState.SKIPPED)
            _conclude(case, actor, ResultCode.RETURNED)
            report.supplements_expired += 1
    overdue = CaseStep.objects.filter(
        state=StepState.ACTIVE, escalated=False, due_on__lt=on, case__state=CaseState.ACCEPTED
    )
    for step_id, number in overdue.values_list("pk", "case__number"):
        with transaction.atomic():
            case = _lock(number)
            step = CaseStep.objects.get(pk=step_id)
            step.escalated = True
            step.save(update_fields=["escalated"])
            _event(
                case,
                actor,
                "escalate",
                before=case.state,
                note=f"“{step.name}”环节超期，已提请部门负责人督办",
                data={"step": step.name},
            )
            report.steps_escalated += 1
    report.levels_changed = refresh_levels(on=on)
    return report


def refresh_levels(*, on: dt.date) -> int:
    changed = 0
    open_cases = Case.objects.filter(state__in=[CaseState.ACCEPTED, CaseState.PAUSED]).exclude(
        accepted_on=None
    )
    for case in open_cases.only(
        "pk",
        "accepted_on",
        "paused_days",
        "extension_days",
        "promised_days",
        "promised_due",
        "clock_level",
        "state",
    ):
        pause = case.pauses.filter(ended_on__isnull=True).first() if case.state == CaseState.PAUSED else None
        used = clock.used_days(
            case.accepted_on,
            on,
            paused_days=case.paused_days,
            open_pause_since=pause.started_on if pause else None,
        )
        new = clock.level(
            used=used, allowed=case.promised_days + case.extension_days, today=on, due=case.promised_due
        )
        if new != case.clock_level:
            Case.objects.filter(pk=case.pk).update(clock_level=new)
            changed += 1
    return changed
