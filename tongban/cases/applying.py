"""Applying (申请): forms and drafts, online submission, window intake (前台综合受理, 容缺,
告知承诺), and pre-check (预审): accept, refuse, return, or ask for everything missing at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement
from tongban.core import audit, files
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import is_mobile
from tongban.licences import services as licence_services

from . import clock, documents, facts, formschema, notices, progress, supplied
from .common import (
    ALLOWED_TYPES,
    MAX_FILE_BYTES,
    SUPPLEMENT_DAYS,
    Idempotency,
    accept_case,
    check_items,
    expect_state,
    form_data,
    form_schema,
    idempotent,
    lock_case,
    notify,
    record_event,
    require_any_officer,
    require_applicant,
    resume_clock,
    save_case,
    working_days_of,
)
from .enums import (
    CaseState,
    Channel,
    PauseKind,
)
from .models import (
    CASE_FORM,
    DRAFT_FORM,
    ApplicationForm,
    ApprovalChain,
    Case,
    CaseLicence,
    CaseMaterial,
    Draft,
    StagedFile,
)


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


def do_set_chain(
    *, actor, item_code: str, steps: list[dict], separation_of_duties: bool = True
) -> ApprovalChain:
    """Approval steps as data: name, role (a staff role) and a working-day limit each;
    `separation_of_duties` (职责分离, on by default): one person completes at most one step of
    a case (`common.require_separate_duties`). Cases accepted afterwards follow the new chain.
    Set by a superuser or by a department administrator of the item's own department (another
    department's administrator learns nothing, not even whether the item exists)."""
    if not (actor.is_superuser or account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN)):
        raise Forbidden("只有部门管理员可以设置审批环节")
    if not actor.is_superuser:
        item = catalog_queries.current_items().filter(code=item_code).values("department_id").first()
        if item is None or item["department_id"] != actor.department_id:
            raise Forbidden("只能设置本部门事项的审批环节")
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
        separate = bool(separation_of_duties)
        chain, _ = ApprovalChain.objects.update_or_create(
            item_code=item_code, defaults={"steps": clean, "separation_of_duties": separate}
        )
        audit.record(
            actor=actor,
            action="cases.chain.set",
            obj=chain,
            data={"steps": clean, "separation_of_duties": separate},
        )
    return chain


def prefill_values(actor) -> dict:
    claim = account_queries.acting_claim(actor)
    values = {
        "name": actor.display_name,
        "person_name": actor.display_name,
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
                "form_enc": DRAFT_FORM.encrypt(json.dumps(cleaned), user_id=actor.pk, item_code=item.code),
            },
        )
        audit.record(actor=actor, action="cases.draft.save", obj=draft, data={"item": item.code})
    return draft


def draft_data(draft: Draft) -> dict:
    return form_data(draft)


def _next_number(region_code: str, channel: str, day: dt.date) -> str:
    """办件编号: region (6) + date (8) + channel (1) + daily sequence of the region (6) = 21 chars."""
    # One statement: create the day's counter or take the next number, holding its row lock to
    # the commit (PostgreSQL and SQLite >= 3.35 both speak INSERT .. ON CONFLICT .. RETURNING).
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO cases_casecounter (region_code, day, last) VALUES (%s, %s, 1) ON CONFLICT"
            " (region_code, day) DO UPDATE SET last = cases_casecounter.last + 1 RETURNING last",
            [region_code, day],
        )
        last = cur.fetchone()[0]
    return f"{region_code}{day:%Y%m%d}{channel}{last:06d}"


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
    # Sealed (SM4) and written when the case's transaction commits: a failed submission leaves no file.
    row.file.name = files.store_encrypted(
        upload.content, directory=f"cases/{timezone.localdate():%Y/%m}", suffix=f".{ext}.sealed"
    )
    row.save()
    return row


def missing_required(
    item, uploads: list[Upload], *, excused: set[int] = frozenset(), deferrable: bool = False
) -> list[str]:
    """Names of required materials with no file (the e-licence hook supplies mapped ones later).
    `deferrable`: at the window, a 容缺后补 material is required too unless the clerk defers it."""
    have = {u.material_id for u in uploads}
    kinds = {MaterialRequirement.REQUIRED} | ({MaterialRequirement.DEFERRABLE} if deferrable else set())
    return [
        m.name
        for m in item.materials.all()
        if m.requirement in kinds and m.pk not in have and m.pk not in excused
    ]


# --- Materials the e-licence library supplies (免提交) ------------------------------------------


def _supply_from_library(case: Case, item, materials: list, *, actor, holder_code: str) -> None:
    """Fetch each material's licence with this case as the purpose (logged by the library). A
    required material the library cannot supply is refused like a missing upload."""
    missing = []
    for material in materials:
        try:
            found = licence_services.fetch_for_case(
                actor=actor,
                holder_code=holder_code,
                type_code=material.license_type_code,
                case_number=case.number,
                purpose=f"办理“{item.name}”（免提交{material.name}）",
            )
        except DomainError:
            found = []
        if not found:
            if material.requirement == MaterialRequirement.REQUIRED:
                missing.append(material.name)
            continue
        licence = found[0]
        CaseLicence.objects.create(
            case=case,
            material_id=material.pk,
            name=material.name,
            identifier=licence.identifier,
            licence_name=licence.name,
            number=licence.number,
            issuer_name=licence.issuer_name,
            valid_until=licence.valid_until,
            usage_id=licence.usage_id,
        )
    if missing:
        raise InvalidInput.field("materials", "电子证照库中没有您有效的证照，请上传：" + "、".join(missing))


# --- Files staged with the draft (暂存材料) ----------------------------------------------------

STAGED_DAYS = 7  # staged files of a draft untouched this long are removed by the tick
MAX_STAGED_PER_MATERIAL = 10  # as many as one material input takes (forms.MAX_FILES_PER_MATERIAL)


def staged_files(actor, item_code: str):
    """The files `actor` staged for this item (only ever their own), oldest first."""
    if not getattr(actor, "pk", None):
        return StagedFile.objects.none()
    return StagedFile.objects.filter(user_id=actor.pk, item_code=item_code).order_by("id")


def do_stage_uploads(*, actor, item_code: str, uploads: list[Upload]) -> list[StagedFile]:
    """Keep files chosen on a form that was sent back (sealed, against the person's draft), so
    they need not be chosen again. Each file is checked as at submission."""
    if not uploads:
        return []
    item = catalog_queries.get_guide(item_code)
    material_ids = {m.pk for m in item.materials.all()}
    for upload in uploads:
        check_upload(upload)
        if upload.material_id not in material_ids:
            raise InvalidInput.field("materials", "上传的材料不属于该事项")
    rows = []
    with transaction.atomic():
        held = Counter(
            staged_files(actor, item.code).select_for_update().values_list("material_id", flat=True)
        )
        held.update(u.material_id for u in uploads)
        for material_id, n in held.items():
            if n > MAX_STAGED_PER_MATERIAL:
                raise InvalidInput.field(
                    f"m_{material_id}",
                    f"每项材料最多暂存{MAX_STAGED_PER_MATERIAL}个文件，请先移除不需要的文件",
                )
        for upload in uploads:
            ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[upload.content_type]
            row = StagedFile(
                user=actor,
                item_code=item.code,
                material_id=upload.material_id,
                name=upload.name[:200],
                size=len(upload.content),
                content_type=upload.content_type,
                sha256=hashlib.sha256(upload.content).hexdigest(),
            )
            row.file.name = files.store_encrypted(
                upload.content, directory=f"staged/{timezone.localdate():%Y/%m}", suffix=f".{ext}.sealed"
            )
            row.save()
            rows.append(row)
        audit.record(
            actor=actor,
            action="cases.draft.stage",
            object_type="cases.draft",
            object_id=item.code,
            data={"item": item.code, "files": len(rows)},
        )
    return rows


def _delete_files(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


def do_unstage(*, actor, item_code: str, staged_id: int) -> None:
    """Remove one of the actor's staged files (another person's is not found)."""
    with transaction.atomic():
        row = staged_files(actor, item_code).filter(pk=staged_id).first()
        if row is None:
            raise NotFound("没有找到该暂存文件")
        _delete_files([row.file.name])
        row.delete()
        audit.record(
            actor=actor,
            action="cases.draft.unstage",
            object_type="cases.draft",
            object_id=item_code,
            data={"item": item_code, "files": 1},
        )


def _staged_uploads(rows: list[StagedFile]) -> list[Upload]:
    out = []
    for row in rows:
        try:
            content = files.open_decrypted(row.file.name)
        except FileNotFoundError as exc:
            raise InvalidInput.field(f"m_{row.material_id}", f"暂存的“{row.name}”已失效，请重新选择") from exc
        out.append(Upload(row.material_id, row.name, content, row.content_type))
    return out


def purge_staged(*, now=None) -> int:
    """Remove the staged files of drafts left alone for STAGED_DAYS (the daily tick calls this):
    files older than that whose person has no draft of the item saved since."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=STAGED_DAYS)
    old = StagedFile.objects.filter(created_at__lt=cutoff)
    fresh = Draft.objects.filter(
        user_id=OuterRef("user_id"), item_code=OuterRef("item_code"), updated_at__gte=cutoff
    )
    rows = list(old.exclude(Exists(fresh)).values_list("pk", "file"))
    if not rows:
        return 0
    with transaction.atomic():
        StagedFile.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        _delete_files([name for _, name in rows])
    return len(rows)


# --- What the platform supplies (免提交), checked before anything is written -------------------


def _provided(
    actor, item, who: dict, uploads: list[Upload], *, signed: set[int]
) -> tuple[list[supplied.Plan], list]:
    """(the plan of the materials not uploaded, the materials the library supplies); refuses,
    naming each material's field, when a required material is neither uploaded nor supplied."""
    uploaded = {u.material_id for u in uploads}
    plans = [p for p in supplied.plan(actor, item, who, list(item.materials.all())) if p.pk not in uploaded]
    missing: list[str] = []
    problems: list[FieldProblem] = []
    for p in plans:
        covered = p.how in (supplied.LICENCE, supplied.IDENTITY, supplied.GENERATED, supplied.FACT) or (
            p.how == supplied.SIGNED and p.pk in signed
        )
        if covered or not p.required:
            continue
        missing.append(p.material.name)
        if p.how == supplied.SIGNED:
            problems.append(FieldProblem(f"c_{p.pk}", f"请阅读并勾选确认“{p.material.name}”"))
        elif p.verify_first:
            problems.append(
                FieldProblem(f"m_{p.pk}", f"请上传“{p.material.name}”，或先完成实名认证（L2）后免提交")
            )
        else:
            problems.append(FieldProblem(f"m_{p.pk}", f"请上传“{p.material.name}”"))
    if missing:
        raise InvalidInput(
            "请上传必要材料",
            problems=[FieldProblem("materials", "请上传必要材料：" + "、".join(missing)), *problems],
        )
    return plans, [p.material for p in plans if p.how == supplied.LICENCE]


def _record_provided(
    case: Case,
    item,
    plans: list[supplied.Plan],
    *,
    actor,
    cleaned: dict,
    signed: set[int],
    now,
    schema: dict | None = None,
) -> None:
    """Write what the platform supplied onto the new case: the identity materials, and the PDFs
    of the application form and of a commitment signed online. `schema`: the item's form, when
    the caller has it (read here only when a form is generated)."""
    identity = [
        {
            "material_id": p.pk,
            "name": p.material.name,
            "level": p.level,
            "verified_at": p.verified_at.isoformat(),
        }
        for p in plans
        if p.how == supplied.IDENTITY
    ]
    if identity:
        case.identity_materials = identity
        case.save(update_fields=["identity_materials"])
    for p in plans:
        if p.how == supplied.GENERATED:
            schema = schema if schema is not None else form_schema(item)
            content = documents.application_pdf(case, schema, cleaned)
            name = f"{p.material.name.strip('《》')}（系统生成）.pdf"
        elif p.how == supplied.SIGNED and p.pk in signed:
            content = documents.commitment_pdf(case, p.material.name, signed_at=now)
            name = f"{p.material.name.strip('《》')}（在线签署）.pdf"
        else:
            continue
        upload = Upload(p.pk, name, content, "application/pdf")
        _store(
            case, upload, actor=actor, stage=supplied.GENERATED if p.how == supplied.GENERATED else "signed"
        )


def _applicant_for(actor, item_code: str) -> dict:
    """Who the case is for, from the actor's acting context (checked against the agent's scope).
    Applicants are natural persons: staff act as staff (window intake), never as an applicant."""
    if not account_queries.is_person(actor):
        raise Forbidden("网上申报面向个人和企业用户；工作人员请使用办件工作台")
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


def material_plan(actor, item) -> list[supplied.Plan]:
    """How each material of `item` would be provided if `actor` applied now, as the guide and the
    apply page show it (the submission decides the same way). Someone who may not apply (not
    signed in, staff, an agent outside their scope) is promised nothing per person."""
    who = None
    if getattr(actor, "is_authenticated", False):
        try:
            who = _applicant_for(actor, item.code)
        except DomainError:
            who = None
    return supplied.plan(actor, item, who)


def _new_case(*, actor, item, who: dict, channel: str, cleaned: dict, now, phone: str = "") -> Case:
    promised = working_days_of(item.promised_limit, item.promised_unit)
    statutory = working_days_of(item.statutory_limit, item.statutory_unit)
    # The statutory limit is never shorter than the promised one (nor missing).
    statutory_limit, statutory_unit = (
        (item.statutory_limit, item.statutory_unit)
        if item.statutory_limit and statutory >= promised
        else (item.promised_limit, item.promised_unit)
    )
    case = Case(
        number=_next_number(item.region_id[:6], channel, clock.today()),
        item=item,
        item_code=item.code,
        item_name=item.name,
        department_id=item.department_id,
        region_id=item.region_id,
        submitted_by=actor,
        channel=channel,
        state=CaseState.SUBMITTED,
        case_type=item.case_type,
        promised_limit=item.promised_limit,
        promised_unit=item.promised_unit,
        statutory_limit=statutory_limit,
        statutory_unit=statutory_unit,
        promised_days=promised,
        statutory_days=max(statutory, promised),
        submitted_at=now,
        received_on=clock.today(),
        **who,
    )
    CASE_FORM.encrypt_into(case, json.dumps(cleaned, ensure_ascii=False))
    progress.set_query_secrets(case, phone=phone)
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
    signed: Iterable[int] = (),
    use_staged: bool = False,
) -> Case:
    """An online application (web, mobile or a department system): the form is checked against the
    item version's schema, required materials must be there (uploaded, or supplied by the
    platform: `supplied.plan`), the case waits for 预审. `signed`: the materials (告知承诺书)
    whose commitment the applicant confirmed on the form; `use_staged`: add the files the
    applicant staged with the draft (the web form)."""
    if channel not in (Channel.PC, Channel.MOBILE, Channel.OTHER, Channel.POST):
        raise InvalidInput.field("channel", "申报渠道不正确")
    item = catalog_queries.get_guide(item_code)
    schema = form_schema(item)
    cleaned = formschema.clean_form(schema, data)
    for upload in uploads:
        check_upload(upload)
    staged = list(staged_files(actor, item.code)) if use_staged else []
    uploads = [*uploads, *_staged_uploads(staged)]
    material_ids = {m.pk for m in item.materials.all()}
    if any(u.material_id not in material_ids for u in uploads):
        raise InvalidInput.field("materials", "上传的材料不属于该事项")
    who = _applicant_for(actor, item.code)
    signed = {int(pk) for pk in signed}
    plans, from_library = _provided(actor, item, who, uploads, signed=signed)
    holder_code = supplied.holder_code(actor, who) if from_library else ""

    def work() -> Case:
        now = timezone.now()
        case = _new_case(
            actor=actor,
            item=item,
            who=who,
            channel=channel,
            cleaned=cleaned,
            now=now,
            phone=progress.contact_phone(schema, cleaned),
        )
        for upload in uploads:
            _store(case, upload, actor=actor, stage="application")
        _record_provided(
            case, item, plans, actor=actor, cleaned=cleaned, signed=signed, now=now, schema=schema
        )
        _supply_from_library(case, item, from_library, actor=actor, holder_code=holder_code)
        Draft.objects.filter(user=actor, item_code=item.code).delete()
        if staged:
            _delete_files([row.file.name for row in staged])
            StagedFile.objects.filter(pk__in=[row.pk for row in staged]).delete()
        event = {"channel": channel, "item_version": item.version}
        if case.identity_materials:
            event["identity"] = [{"name": i["name"], "level": i["level"]} for i in case.identity_materials]
        record_event(case, actor, "submit", data=event)
        notify(case, N_("已收到您的申请，正在预审"))
        return case

    case = idempotent(actor, Idempotency(idempotency_key, "submit"), work)
    # Facts other departments hold, through the gateway, once the case is saved (its call-log
    # rows never roll back with the submission): cases.facts.
    fetched = [p for p in plans if p.how == supplied.FACT]
    if fetched:
        facts.fetch_for_case(case, fetched, actor=actor, who=who)
    return case


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
    applicant = account_queries.get_person(applicant_id)
    if applicant is None:
        raise InvalidInput.field("applicant", "请先在窗口查找或登记申请人")
    schema = form_schema(item)
    cleaned = formschema.clean_form(schema, data, landline=True)  # a walk-in may have only a landline
    phone = progress.contact_phone(schema, cleaned)
    for upload in uploads:
        check_upload(upload)
    deferred = _check_missing(item, missing or [])
    absent = missing_required(item, uploads, excused={d["material_id"] for d in deferred}, deferrable=True)
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
            actor=actor,
            item=item,
            who=who,
            channel=Channel.WINDOW,
            cleaned=cleaned,
            now=timezone.now(),
            phone=phone,
        )
        for upload in uploads:
            _store(case, upload, actor=actor, stage="window")
        case.missing_materials = deferred
        case.commitment = commitment
        case.save(update_fields=["missing_materials", "commitment"])
        record_event(case, actor, "window_intake", data={"missing": deferred, "commitment": commitment})
        accept_case(case, actor)
        _text_receipt(case, phone)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "window_intake"), work)


def _text_receipt(case: Case, phone: str) -> None:
    """A window case's receipt by SMS when the contact phone is a mobile (after commit, like
    every message); a landline gets nothing: the printed receipt carries the query code."""
    if not is_mobile(phone):
        return
    text = (
        f"【通办】您的办件{case.number}（{case.item_name}）已在窗口受理，查询码{progress.query_code(case)}，"
        "可凭办件编号和查询码在“办件进度查询”查看进度。"
    )
    transaction.on_commit(
        lambda: account_services.notify_contact_mobile(user_id=case.applicant_id, mobile=phone, text=text)
    )


def may_defer(material) -> bool:
    """容缺受理 is for a required material the catalogue marks 容缺后补 (deferrable), missing at
    the window: an optional material needs no 容缺, an essential one cannot be deferred."""
    return material.requirement == MaterialRequirement.DEFERRABLE


def _check_missing(item, missing: list[dict]) -> list[dict]:
    by_id = {m.pk: m for m in item.materials.all()}
    out = []
    for entry in missing:
        material = by_id.get(entry.get("material_id"))
        if material is None:
            raise InvalidInput.field("missing", "容缺材料不属于该事项")
        if not may_defer(material):
            raise InvalidInput.field("missing", f"“{material.name}”不是可容缺后补的材料，不能容缺")
        try:
            due = dt.date.fromisoformat(str(entry.get("due", "")))
        except ValueError as exc:
            raise InvalidInput.field("missing", f"请填写“{material.name}”的补交承诺日期") from exc
        if due <= clock.today():
            raise InvalidInput.field("missing", "补交承诺日期应晚于今天")
        out.append({"material_id": material.pk, "name": material.name, "due": due.isoformat()})
    return out


def do_accept(*, actor, number: str, idempotency_key: str = "") -> Case:
    """预审通过, 受理."""

    def work() -> Case:
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.SUBMITTED)
        accept_case(case, actor)
        return case

    return idempotent(actor, Idempotency(idempotency_key, "accept"), work)


def do_refuse(*, actor, number: str, reason: str) -> Case:
    """不予受理 with a reason (a notice is issued)."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明不予受理的理由")
    with transaction.atomic():
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.SUBMITTED)
        before, case.state, case.return_reason = case.state, CaseState.REFUSED, reason
        save_case(case, "state", "return_reason")
        record_event(case, actor, "refuse", before=before, note=reason)
        # notices: 不予受理通知书
        notices.do_issue_notice(actor=actor, case=case, kind=notices.NoticeKind.REFUSAL)
        notify(case, N_("不予受理：%(reason)s"), {"reason": reason})
    return case


def do_return(*, actor, number: str, reason: str) -> Case:
    """预审退回: the application is not for this item or cannot be handled; the reason is given."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InvalidInput.field("reason", "请写明退回理由")
    with transaction.atomic():
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.SUBMITTED)
        before, case.state, case.return_reason = case.state, CaseState.RETURNED, reason
        save_case(case, "state", "return_reason")
        record_event(case, actor, "return", before=before, note=reason)
        notify(case, N_("预审退回：%(reason)s"), {"reason": reason})
    return case


def do_request_supplement(*, actor, number: str, items: list[str], note: str = "") -> Case:
    """预审补正 (before acceptance): everything missing, listed at once; the applicant supplies it
    and the case comes back to pre-check with the new date of receipt."""
    items = check_items(items)
    with transaction.atomic():
        case = lock_case(number)
        require_any_officer(actor, case)
        expect_state(case, CaseState.SUBMITTED)
        before = case.state
        case.state = CaseState.SUPPLEMENT
        case.supplement_items = items
        case.supplement_due = clock.add_days(clock.today(), SUPPLEMENT_DAYS)
        save_case(case, "state", "supplement_items", "supplement_due")
        record_event(case, actor, "request_supplement", before=before, note=note, data={"items": items})
        # notices: 补正材料通知书
        notices.do_issue_notice(actor=actor, case=case, kind=notices.NoticeKind.SUPPLEMENT)
        notify(case, N_("请补正材料：%(items)s"), {"items": "；".join(items)})
    return case


def do_supply(*, actor, number: str, uploads: list[Upload], note: str = "") -> Case:
    """The applicant supplies what was asked for: before acceptance the case returns to pre-check
    (received again today); after acceptance the supplement pause ends and the clock resumes."""
    if not uploads:
        raise InvalidInput.field("materials", "请上传补正材料")
    for upload in uploads:
        check_upload(upload)
    with transaction.atomic():
        case = lock_case(number)
        require_applicant(actor, case)
        expect_state(case, CaseState.SUPPLEMENT, CaseState.PAUSED)
        # A supplied file is either loose (no material) or one of the case's item version's materials.
        material_ids = {m.pk for m in catalog_queries.get_item_version(case.item_id).materials.all()}
        if any(u.material_id is not None and u.material_id not in material_ids for u in uploads):
            raise InvalidInput.field("materials", "上传的材料不属于该事项")
        pause = case.pauses.filter(ended_on__isnull=True).first()
        if case.state == CaseState.PAUSED and (pause is None or pause.kind != PauseKind.SUPPLEMENT):
            raise Conflict("办件处于特别程序中，无需补正")
        for upload in uploads:
            _store(case, upload, actor=actor, stage="supplement")
        before = case.state
        if case.state == CaseState.SUPPLEMENT:
            case.state = CaseState.SUBMITTED
            case.received_on = clock.today()
            case.supplement_due = None
            save_case(case, "state", "received_on", "supplement_due")
            record_event(case, actor, "supply", before=before, note=note, data={"files": len(uploads)})
        else:
            record_event(case, actor, "supply", before=before, note=note, data={"files": len(uploads)})
            resume_clock(case, pause, actor)
    return case
