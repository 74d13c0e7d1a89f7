"""One submission of a theme (一次提交): the questionnaire's answers choose the members, the
combined form (一表申请) is checked against every member item's own form, materials are
de-duplicated (one upload serves every member that needs it) and 免提交 applies across members,
including licences the bundle itself will produce ("由本次联办自动获取").

`plan_application` decides all of that for one applicant, once, for the apply page and for
`do_submit_bundle` alike (the page never promises what the submission refuses).
`do_submit_bundle` writes, in ONE transaction, the bundle, its members, its files and an outbox
row for every member that can start now; the dispatcher (`fanout`) turns the outbox rows into
member cases after the commit (and again on recovery). All or nothing: a crash before the
commit leaves no bundle; one after it leaves pending outbox rows that `fanout.dispatch_pending`
completes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.cases import clock as cases_clock  # the one "today" of case work (tests set it)
from tongban.cases import services as case_services
from tongban.cases.enums import Channel
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement
from tongban.core import audit, files, workdays
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound

from . import queries, spec
from .enums_fanout import MemberState, Policy
from .models_fanout import BUNDLE_FORM, Bundle, BundleFile, BundleKey, BundleMember, BundleOutbox

Upload = case_services.Upload

# How a member's material is provided (the apply page says so per material).
SHARED = "shared"  # uploaded once for the bundle (a shared material of the theme)
UPLOAD = "upload"  # a member-only upload
HELD = "held"  # 免提交: a licence the applicant (or the enterprise) holds now
PRODUCED = "produced"  # 免提交: a licence another member of this bundle will issue
PLATFORM = "platform"  # the platform supplies it (申请表 generated, verified identity, a fact)
OPTIONAL = "optional"  # not required, not given


@dataclass
class MaterialLine:
    material: object
    how: str
    key: str = ""  # the upload's key: a shared material key or "<member>.m_<id>"
    produced_by: str = ""  # the member that issues it (PRODUCED)
    type_code: str = ""

    @property
    def required(self) -> bool:
        return self.material.requirement == MaterialRequirement.REQUIRED


@dataclass
class MemberPlan:
    member: object  # spec.Member
    item: object
    requires: list[dict]  # [{"member", "result"}] among the applicable members
    mapped: dict[str, str]  # member form field -> shared field key
    own_fields: list[dict]  # the member-only form fields (asked where the member applies)
    materials: list[MaterialLine] = field(default_factory=list)
    schema: dict = field(default_factory=dict)  # the member item's form
    # What the platform supplies to the member case (cases.bundled.provided_entries), decided
    # here once and carried to the dispatcher with the member.
    provided: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.member.key


@dataclass
class SharedMaterial:
    key: str
    name: str
    members: list[str]  # the member keys it serves
    how: str  # SHARED (upload once) or HELD (免提交) or PRODUCED
    required: bool = False
    produced_by: str = ""


@dataclass
class ApplicationPlan:
    theme: object  # queries.PublishedTheme
    members: list[MemberPlan]
    shared_fields: list  # spec shared fields used by the applicable members
    shared_materials: list[SharedMaterial]
    who: dict

    def member(self, key: str) -> MemberPlan:
        return next(m for m in self.members if m.key == key)

    @property
    def upload_keys(self) -> list[str]:
        keys = [s.key for s in self.shared_materials if s.how == SHARED]
        for m in self.members:
            keys += [line.key for line in m.materials if line.how == UPLOAD]
        return keys


def _fields(schema: dict) -> list[dict]:
    return [f for section in schema["sections"] for f in section["fields"]]


def _material_key(mapping: dict, material) -> str:
    """The shared material key a member's mapping gives this material (by id, code or name)."""
    for name in (
        str(material.pk),
        getattr(material, "code", "") or "",
        material.name,
        material.name.strip("《》"),
    ):
        if name and name in mapping:
            return mapping[name]
    return ""


def theme_or_404(code: str, region_code: str = ""):
    """The published theme to apply for (NotFound when unknown, withdrawn or of another region)."""
    return queries.theme_for_apply(code, region_code)


def who_for(actor, theme, members) -> dict:
    """The applicant side of every member case, from the actor's acting context: the same for
    every member (the mandate must cover each member item). A person may apply for an
    enterprise theme as themselves: 企业开办 opens a company that does not exist yet."""
    who = None
    for member in members:
        who = case_services.bundled.applicant_for(actor, member.item_code)
    return who


def who_at_window(applicant) -> dict:
    """The applicant side of the member cases a 综合窗口 clerk files for a walk-in person."""
    return {
        "applicant_id": applicant.pk,
        "legal_person_id": None,
        "applicant_name": applicant.display_name,
        "agent_id": None,
    }


def plan_application(actor, theme, answers: dict, *, who: dict | None = None) -> ApplicationPlan:
    """What the applicant will be asked, given these answers (raises InvalidInput "answers"
    when they exclude every member or miss one the theme needs)."""
    members = spec.applicable(theme.spec, answers or {})
    keys = {m.key for m in members}
    if who is None and getattr(actor, "is_authenticated", False):
        try:
            who = who_for(actor, theme, members)
        except DomainError:
            who = None
    shared_defs = {s.key: s for s in theme.spec.shared_materials}
    plans: list[MemberPlan] = []
    shared: dict[str, SharedMaterial] = {}
    used_fields: set[str] = set()
    # Every member item and its form read once, for the whole plan (and the forms' check).
    items = case_services.bundled.member_items(m.item_code for m in members)
    schemas = case_services.bundled.form_schemas(items.values())
    for member in members:
        item = items.get(member.item_code)
        try:
            if item is None:
                item = catalog_queries.get_guide(member.item_code)
        except NotFound as exc:
            raise InvalidInput.field(
                f"members.{member.key}", "该成员事项已不在办事指南中，暂不能申请"
            ) from exc
        requires = [{"member": r.member, "result": r.result} for r in member.requires if r.member in keys]
        produced = {r["result"]: r["member"] for r in requires if r["result"]}
        mapped = member.field_map
        used_fields.update(mapped.values())
        schema = schemas[item.pk] if item.pk in schemas else case_services.form_schema(item)
        own = [f for f in _fields(schema) if f["name"] not in mapped]
        plan = MemberPlan(
            member=member, item=item, requires=requires, mapped=mapped, own_fields=own, schema=schema
        )
        supplied_plans = case_services.bundled.member_plan(actor, item.code, who, item=item) if who else []
        supplied = {p.pk: p for p in supplied_plans}
        for material in item.materials.all():  # the guide's order ("order", "id")
            line = MaterialLine(material=material, how=UPLOAD, type_code=material.license_type_code or "")
            sp = supplied.get(material.pk)
            skey = _material_key(member.material_map, material)
            if material.license_type_code and material.license_type_code in produced:
                line.how, line.produced_by = PRODUCED, produced[material.license_type_code]
            elif sp is not None and sp.how == "licence":
                line.how = HELD
            elif sp is not None and sp.how in ("identity", "generated", "fact"):
                line.how = PLATFORM
            elif skey:
                line.how, line.key = SHARED, skey
            else:
                line.key = f"{member.key}.m_{material.pk}"
            if line.how in (HELD, PRODUCED) and skey:
                line.key = skey
            plan.materials.append(line)
            if line.how == PLATFORM and sp is not None:
                plan.provided += case_services.bundled.provided_entries([sp])
            if skey:
                definition = shared_defs.get(skey)
                entry = shared.setdefault(
                    skey,
                    SharedMaterial(
                        key=skey,
                        name=definition.name if definition else material.name,
                        members=[],
                        how=line.how if line.how in (HELD, PRODUCED) else SHARED,
                        produced_by=line.produced_by,
                    ),
                )
                entry.members.append(member.key)
                entry.required = entry.required or line.required
                if line.how == SHARED:
                    entry.how = SHARED  # one member needs the file itself: the upload serves them all
        plans.append(plan)
    fields = [f for f in theme.spec.shared_fields if f.key in used_fields]
    return ApplicationPlan(
        theme=theme,
        members=plans,
        shared_fields=fields,
        shared_materials=list(shared.values()),
        who=who or {},
    )


def _problems_under(exc: InvalidInput, plan: MemberPlan) -> list[FieldProblem]:
    """A member form's problems named by the combined form's field: the shared key for a mapped
    field, "<member>.<field>" for a member-only one."""
    out = []
    for p in exc.problems:
        shared_key = plan.mapped.get(p.field)
        out.append(FieldProblem(shared_key or f"{plan.key}.{p.field}", p.message))
    return out


def member_data(actor, plan: MemberPlan, shared: dict, own: dict, *, prefill: dict | None = None) -> dict:
    """The member item's form: mapped fields from the shared answers, the rest from the member's
    own answers (prefilled from the identity where the form says so)."""
    if prefill is None:
        prefill = case_services.prefill_values(actor) if getattr(actor, "is_authenticated", False) else {}
    data = {}
    for f in _fields(plan.schema or case_services.form_schema(plan.item)):
        name = f["name"]
        if name in plan.mapped:
            data[name] = shared.get(plan.mapped[name], "")
        elif name in own:
            data[name] = own[name]
        elif f.get("prefill") and not getattr(actor, "is_staff", False):
            data[name] = prefill.get(f["prefill"], "")
    return data


def check_forms(
    actor, plan: ApplicationPlan, shared: dict, own: dict[str, dict], *, landline: bool = False
) -> dict:
    """Every member's cleaned form, or every problem of every member at once (nothing written)."""
    problems: list[FieldProblem] = []
    for f in plan.shared_fields:
        value = str(shared.get(f.key, "") or "").strip()
        if getattr(f, "required", False) and not value:
            problems.append(FieldProblem(f.key, f"请填写{f.label}"))
    cleaned = {}
    prefill = case_services.prefill_values(actor) if getattr(actor, "is_authenticated", False) else {}
    for m in plan.members:
        data = member_data(actor, m, shared, own.get(m.key) or {}, prefill=prefill)
        try:
            cleaned[m.key] = case_services.bundled.clean_member_form(
                m.item.code, data, landline=landline, schema=m.schema or None
            )
        except InvalidInput as exc:
            problems += [p for p in _problems_under(exc, m) if p.field not in {q.field for q in problems}]
    if problems:
        raise InvalidInput("申请表有需要修改的地方", problems=problems)
    return cleaned


def check_uploads(plan: ApplicationPlan, uploads: dict[str, Upload]) -> dict[str, Upload]:
    """The files by key; a required material neither uploaded nor supplied is named."""
    wanted = set(plan.upload_keys)
    unknown = sorted(set(uploads) - wanted)
    if unknown:
        raise InvalidInput.field(unknown[0], "上传的材料不属于本次申请")
    problems = []
    for key, upload in uploads.items():
        try:
            case_services.check_upload(upload, field=key)
        except InvalidInput as exc:
            problems += exc.problems
    missing = []
    for s in plan.shared_materials:
        if s.how == SHARED and s.required and s.key not in uploads:
            missing.append(s.name)
            problems.append(FieldProblem(s.key, f"请上传“{s.name}”"))
    for m in plan.members:
        for line in m.materials:
            if line.how == UPLOAD and line.required and line.key not in uploads:
                missing.append(line.material.name)
                problems.append(FieldProblem(line.key, f"请上传“{line.material.name}”"))
    if problems:
        head = [FieldProblem("materials", "请上传必要材料：" + "、".join(missing))] if missing else []
        raise InvalidInput("请上传必要材料", problems=[*head, *problems])
    return uploads


def _number(region_code: str, day) -> str:
    return f"LB{region_code[:6]}{day:%Y%m%d}{secrets.randbelow(10**8):08d}"


def _actor_label(actor) -> str:
    return audit.actor_label(actor)


def _digest(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _replayed(actor, key: str, digest: str) -> Bundle | None:
    if not key:
        return None
    row = BundleKey.objects.filter(actor_label=_actor_label(actor), key=key).select_related("bundle").first()
    if row is None:
        return None
    if digest and row.digest and row.digest != digest:
        raise Conflict("该幂等键已用于另一份申请")
    return row.bundle


def do_submit_bundle(
    *,
    actor,
    theme_code: str,
    answers: dict,
    shared: dict,
    own: dict[str, dict] | None = None,
    uploads: dict[str, Upload] | None = None,
    channel: str = Channel.PC,
    idempotency_key: str = "",
    region_code: str = "",
    applicant_id: int | None = None,
    pickup: str = "window",
) -> Bundle:
    """One submission of a theme. Online: `actor` is the person (for themselves, or an
    enterprise / principal they act for). At a hall (`channel` "1"): `actor` is a window clerk
    (综合窗口) and `applicant_id` the walk-in person. Checks everything first (nothing written on
    bad input), then one transaction writes the bundle, its members, its files (sealed, each
    once) and the outbox rows; member cases are created after the commit (`fanout`).
    Idempotent per (actor, key): a retry returns the first bundle; the same key with another
    content is a Conflict."""
    if len(idempotency_key or "") > 80:
        raise InvalidInput.field("idempotency_key", "幂等键不能超过80个字符")
    own = own or {}
    uploads = uploads or {}
    digest = _digest(
        {
            "theme": theme_code,
            "answers": answers,
            "shared": shared,
            "own": own,
            "files": {k: hashlib.sha256(u.content).hexdigest() for k, u in uploads.items()},
        }
    )
    previous = _replayed(actor, idempotency_key, digest)
    if previous is not None:
        return previous
    if channel not in Channel.values:
        raise InvalidInput.field("channel", "申报渠道不正确")
    window = channel == Channel.WINDOW
    if window and not account_queries.has_role(actor, StaffRole.WINDOW_CLERK):
        raise Forbidden("只有综合窗口人员可以代为提交联办申请")
    if not window and not account_queries.is_person(actor):
        raise Forbidden("网上申报面向个人和企业用户；工作人员请使用综合窗口")
    theme = theme_or_404(theme_code, region_code)
    hall = None
    if window:
        hall = core_queries.get_region(actor.department.region_id) if actor.department_id else None
        if hall is None or not theme.region_code.startswith(hall.prefix):
            raise Forbidden("只能受理本服务大厅所在地区的一件事")
        applicant = account_queries.get_person(applicant_id) if applicant_id else None
        if applicant is None:
            raise InvalidInput.field("applicant", "请先在窗口查找或登记申请人")
        who = who_at_window(applicant)
    else:
        who = None
    if not isinstance(answers, dict):
        raise InvalidInput.field("answers", "情形引导答案应为键值对")
    plan = plan_application(actor, theme, answers, who=who)
    if not window:
        who = who_for(actor, theme, [m.member for m in plan.members])  # raises for a mandate out of scope
        plan.who = who
    cleaned = check_forms(actor, plan, shared or {}, own, landline=window)
    check_uploads(plan, uploads)
    if pickup not in ("window", "post"):
        raise InvalidInput.field("pickup", "出件方式不正确")
    today = cases_clock.today()

    def write() -> Bundle:
        bundle = Bundle(
            number=_number(theme.region_code, today),
            theme_code=theme.code,
            theme_version=theme.version,
            theme_name=theme.name,
            region_code=theme.region_code,
            applicant_id=who["applicant_id"],
            legal_person_id=who["legal_person_id"],
            applicant_name=who["applicant_name"],
            agent_id=who["agent_id"],
            submitted_by=actor,
            channel=channel,
            hall=actor.department if window else None,
            answers=answers,
            promised_days=theme.spec.promised_days,
            submitted_at=timezone.now(),
            received_on=today,
            promised_due=workdays.add_working_days(today, theme.spec.promised_days),
            pickup=pickup,
        )
        bundle.form_enc = BUNDLE_FORM.encrypt(
            json.dumps({"shared": shared, "members": cleaned}, ensure_ascii=False), number=bundle.number
        )
        bundle.save()
        stored: dict[str, int] = {}
        for key, upload in uploads.items():
            ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[upload.content_type]
            row = BundleFile(
                bundle=bundle,
                key=key,
                name=upload.name[:200],
                size=len(upload.content),
                content_type=upload.content_type,
                sha256=hashlib.sha256(upload.content).hexdigest(),
            )
            row.file.name = files.store_encrypted(
                upload.content, directory=f"bundles/{today:%Y/%m}", suffix=f".{ext}.sealed"
            )
            row.save()
            stored[key] = row.pk
        ready: list[BundleOutbox] = []
        for position, m in enumerate(plan.members):
            member_uploads, library = [], []
            for line in m.materials:
                if line.how in (SHARED, UPLOAD) and line.key in stored:
                    member_uploads.append({"material_id": line.material.pk, "file_id": stored[line.key]})
                elif line.how in (HELD, PRODUCED):
                    library.append(
                        {
                            "material_id": line.material.pk,
                            "type_code": line.type_code,
                            "member": line.produced_by,
                        }
                    )
            member = BundleMember.objects.create(
                bundle=bundle,
                key=m.key,
                position=position,
                item_code=m.item.code,
                item_name=m.item.name,
                department_id=m.item.department_id,
                requires=m.requires,
                policy=m.member.on_requirement_refused or Policy.CANCEL,
                state=MemberState.WAITING if m.requires else MemberState.QUEUED,
                uploads=member_uploads,
                library=library,
                provided=m.provided,
            )
            if not m.requires:
                ready.append(BundleOutbox(member=member))
        BundleOutbox.objects.bulk_create(ready)
        if idempotency_key:
            BundleKey.objects.create(
                actor_label=_actor_label(actor), key=idempotency_key, bundle=bundle, digest=digest
            )
        audit.record(
            actor=actor,
            action="bundles.submit",
            obj=bundle,
            data={
                "theme": theme.code,
                "version": theme.version,
                "members": [m.key for m in plan.members],
                "files": len(stored),
                "channel": channel,
            },
        )
        return bundle

    try:
        with transaction.atomic(), audit.batch():
            bundle = write()
    except IntegrityError:
        previous = _replayed(actor, idempotency_key, digest)  # a concurrent retry won
        if previous is not None:
            return previous
        raise
    from . import fanout

    number = bundle.number
    _send_receipt(bundle, members=len(plan.members))
    # After the commit (the files are written then too); at once when no transaction is open.
    # The last hook: the fan-out runs after the files and the receipt.
    transaction.on_commit(lambda: fanout.dispatch_bundle(number))
    return bundle


def _send_receipt(bundle: Bundle, *, members: int) -> None:
    """One SMS (and e-mail) for the whole bundle after the commit, instead of one per member
    case: the number to follow it by and how many departments handle it."""
    text = (
        f"【通办】您的一件事联办{bundle.number}（{bundle.theme_name}）已收到，{members}个事项由各部门分别办理，"
        f"承诺{bundle.promised_due:%Y-%m-%d}前办结，可在“我的办件”查看进度。"
    )
    user_id, subject = bundle.applicant_id, f"【通办】联办件{bundle.number}已收到"
    transaction.on_commit(lambda: account_services.notify_user(user_id=user_id, text=text, subject=subject))
