"""The resource catalogue (政务信息资源目录): entries and their versions, and what each resource is
mounted as (挂接).

An entry is a resource code with versions (`Resource` rows). Creating one writes a draft (v1);
publishing makes it the current version. Editing a published entry writes a new draft version
(the next number) copied from the current one; publishing that draft makes it current and leaves
the old versions as history (`is_current=False`, state published). Field keys are stable: a key
keeps its type across versions and cannot be removed while an active grant carries it. Retiring
marks the current version retired (it stays current: the code is retired, not forgotten).

Resource codes (信息资源代码) follow the national guide's two parts, front (classification) and
back (sequence), written `<front>-<back>`:

- front: a class prefix, then up to three segments of 2-12 capitals or digits (the department's
  region code, a sector abbreviation ...). The prefix says the resource class: `RK` 人口, `FR`
  法人, `ZZ` 电子证照, `XY` 社会信用, `KJ` 空间地理, `HG` 宏观经济 for the base registers
  (基础信息资源), `ZT` for theme resources (主题信息资源), `BM` for department resources
  (部门信息资源);
- back: a 3-6 digit sequence.

So `RK-001`, `FR-002`, `BM-420115-SP-001` are codes; the code never changes across versions.

Only the provider department's administrators and data stewards (and platform administrators)
write its entries; to anyone else an entry they may not edit does not exist (404, audited).
Every write records an audit event in its transaction.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts.actors import is_platform_admin
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound

from .enums import (
    BaseRegister,
    EntryState,
    FieldType,
    GrantState,
    MountKind,
    MountState,
    OpenType,
    ResourceClass,
    ResourceFormat,
    Sensitivity,
    ShareType,
    UpdateFrequency,
)
from .models import Grant, Mount, Resource

# The data services the gateway's handlers answer (common.md: fixed for every helper).
SERVICE_HANDLERS = (
    "population.person",
    "population.verify",
    "legal_person.entity",
    "legal_person.verify_status",
    "licence.holdings",
    "licence.verify_holds",
    "credit.record",
)

REGISTER_PREFIXES = {
    BaseRegister.POPULATION: "RK",
    BaseRegister.LEGAL_PERSON: "FR",
    BaseRegister.LICENCE: "ZZ",
    BaseRegister.CREDIT: "XY",
    BaseRegister.GEOSPATIAL: "KJ",
    BaseRegister.ECONOMY: "HG",
}
CLASS_PREFIXES = {ResourceClass.THEME: "ZT", ResourceClass.DEPARTMENT: "BM"}

CODE_RE = re.compile(r"(?P<front>[A-Z]{2}(?:-[A-Z0-9]{2,12}){0,3})-(?P<back>[0-9]{3,6})")
KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
EDIT_ROLES = (StaffRole.DEPARTMENT_ADMIN, StaffRole.DATA_STEWARD)
MAX_FIELDS = 200
FILE_STORE = Path(__file__).resolve().parent / "files"

# The values an entry carries (besides code, version, provider and bookkeeping).
ENTRY_VALUES = (
    "name",
    "summary",
    "resource_class",
    "base_register",
    "subject",
    "format",
    "fields",
    "share_type",
    "share_condition",
    "share_basis",
    "open_type",
    "open_condition",
    "update_frequency",
    "keywords",
)
LIMITS = {"name": 200, "subject": 60, "share_basis": 300, "change_note": 300}
TEXT_LIMIT = 4000


def file_store() -> Path:
    """Where file resources live: the project's own files, or `EXCHANGE_FILE_STORE`."""
    configured = getattr(settings, "EXCHANGE_FILE_STORE", "")
    return Path(configured) if configured else FILE_STORE


# --- Who may write -------------------------------------------------------------------------------


def may_edit(actor, department_id: int) -> bool:
    """Internal callers, platform administrators and superusers; the provider department's
    administrators and data stewards."""
    if is_platform_admin(actor):
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff", False):
        return False
    return actor.department_id == department_id and account_queries.has_any_role(actor, list(EDIT_ROLES))


def may_view_drafts(actor, department_id: int) -> bool:
    """The provider department's staff (any role) see its drafts and history; editors too."""
    if may_edit(actor, department_id):
        return True
    return bool(getattr(actor, "is_staff", False)) and getattr(actor, "department_id", None) == department_id


def _refuse(actor, *, action: str, code: str, reason: str) -> NotFound:
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            object_type="exchange.resource",
            object_id=code,
            data={"reason": reason},
        )
    return NotFound("没有找到该信息资源，或您无权维护它")


def access_entry(actor, code: str, *, action: str = "exchange.entry.refused") -> Resource:
    """The latest version of `code` (a draft if there is one, else the current one) for an
    actor who may edit it; anyone else gets the same 404 as for a code that does not exist."""
    latest = Resource.objects.filter(code=code).order_by("-version").select_related("provider").first()
    if latest is None:
        raise NotFound("没有找到该信息资源，或您无权维护它")
    if not may_edit(actor, latest.provider_id):
        raise _refuse(actor, action=action, code=code, reason="not_provider")
    return latest


def access_entry_for_viewing(actor, code: str) -> Resource:
    """As `access_entry`, for the provider's staff who only read (the workbench's history)."""
    latest = Resource.objects.filter(code=code).order_by("-version").select_related("provider").first()
    if latest is None:
        raise NotFound("没有找到该信息资源，或您无权维护它")
    if not may_view_drafts(actor, latest.provider_id):
        raise _refuse(actor, action="exchange.entry.view_refused", code=code, reason="not_provider")
    return latest


# --- Validation ----------------------------------------------------------------------------------


def check_code(code, *, resource_class: str = "", base_register: str = "") -> str:
    """A resource code by the rule above; with a class (and register), the prefix must fit."""
    code = (code or "").strip().upper() if isinstance(code, str) else ""
    if not code:
        raise InvalidInput.field("code", "请填写信息资源代码")
    m = CODE_RE.fullmatch(code)
    if len(code) > 40 or m is None:
        raise InvalidInput.field(
            "code",
            "信息资源代码由前段码和后段码组成，形如 BM-420115-SP-001："
            "前段码为两位分类字母加至多三段2至12位大写字母或数字，后段码为3至6位顺序号",
        )
    prefix = m.group("front").split("-")[0]
    expected = ""
    if resource_class == ResourceClass.BASE and base_register in REGISTER_PREFIXES:
        expected = REGISTER_PREFIXES[base_register]
    elif resource_class in CLASS_PREFIXES:
        expected = CLASS_PREFIXES[resource_class]
    if expected and prefix != expected:
        raise InvalidInput.field("code", f"该分类的信息资源代码应以 {expected}- 开头")
    return code


def _text(values: dict, key: str, problems: list, *, required: bool, label: str) -> str:
    raw = values.get(key, "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        problems.append(FieldProblem(key, f"{label}应为文字"))
        return ""
    value = raw.strip()
    if required and not value:
        problems.append(FieldProblem(key, f"请填写{label}"))
    limit = LIMITS.get(key, TEXT_LIMIT)
    if len(value) > limit:
        problems.append(FieldProblem(key, f"{label}不能超过{limit}字"))
    return value


def _choice(values: dict, key: str, choices, problems: list, *, label: str) -> str:
    value = values.get(key, "")
    if not isinstance(value, str) or value not in choices.values:
        problems.append(FieldProblem(key, f"请选择有效的{label}"))
        return ""
    return value


def check_fields(raw) -> list[dict]:
    """The data items (信息项): a list of {"key", "name", "type", "sensitivity", "length"?,
    "description"?}; keys unique, lower-case ASCII. Raises naming `fields[i].<part>`."""
    problems: list[FieldProblem] = []
    out = _check_fields(raw, problems)
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return out


def _check_fields(raw, problems: list) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        problems.append(FieldProblem("fields", "请至少列出一个信息项"))
        return []
    if len(raw) > MAX_FIELDS:
        problems.append(FieldProblem("fields", f"信息项不能超过{MAX_FIELDS}个"))
        return []
    out: list[dict] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"fields[{i}]"
        if not isinstance(item, dict):
            problems.append(FieldProblem(where, "信息项格式有误"))
            continue
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            problems.append(
                FieldProblem(f"{where}.key", "信息项标识为小写字母开头的字母、数字或下划线，至多40位")
            )
        elif key in seen:
            problems.append(FieldProblem(f"{where}.key", f"信息项标识“{key}”重复"))
        else:
            seen.add(key)
        name = item.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 60:
            problems.append(FieldProblem(f"{where}.name", "请填写信息项名称（至多60字）"))
        ftype = item.get("type")
        if ftype not in FieldType.values:
            problems.append(FieldProblem(f"{where}.type", "请选择有效的数据类型"))
        sensitivity = item.get("sensitivity")
        if sensitivity not in Sensitivity.values:
            problems.append(FieldProblem(f"{where}.sensitivity", "请选择有效的敏感级别"))
        length = item.get("length")
        if length in ("", None):
            length = None
        elif isinstance(length, bool) or not isinstance(length, int) or not 0 < length <= 100000:
            problems.append(FieldProblem(f"{where}.length", "长度应为1至100000的整数"))
            length = None
        description = item.get("description") or ""
        if not isinstance(description, str) or len(description) > 300:
            problems.append(FieldProblem(f"{where}.description", "说明应为至多300字的文字"))
            description = ""
        clean = {"key": key, "name": name, "type": ftype, "sensitivity": sensitivity}
        if length is not None:
            clean["length"] = length
        if description.strip():
            clean["description"] = description.strip()
        out.append(clean)
    return out


def check_entry(values: dict) -> dict:
    """Every value of an entry checked at once; all problems in one InvalidInput, each naming
    its field."""
    if not isinstance(values, dict):
        raise InvalidInput("信息资源内容格式有误")
    unknown = sorted(set(values) - set(ENTRY_VALUES) - {"change_note"})
    if unknown:
        raise InvalidInput.field(unknown[0], "不是信息资源目录的字段")
    problems: list[FieldProblem] = []
    clean: dict = {
        "name": _text(values, "name", problems, required=True, label="信息资源名称"),
        "summary": _text(values, "summary", problems, required=True, label="信息资源摘要"),
        "resource_class": _choice(values, "resource_class", ResourceClass, problems, label="资源分类"),
        "subject": _text(values, "subject", problems, required=False, label="主题分类"),
        "format": _choice(values, "format", ResourceFormat, problems, label="信息资源格式"),
        "share_type": _choice(values, "share_type", ShareType, problems, label="共享类型"),
        "share_condition": _text(values, "share_condition", problems, required=False, label="共享条件"),
        "share_basis": _text(values, "share_basis", problems, required=False, label="共享依据"),
        "open_type": _choice(values, "open_type", OpenType, problems, label="开放类型"),
        "open_condition": _text(values, "open_condition", problems, required=False, label="开放条件"),
        "update_frequency": _choice(values, "update_frequency", UpdateFrequency, problems, label="更新周期"),
    }
    register = values.get("base_register") or ""
    if clean["resource_class"] == ResourceClass.BASE:
        if register not in BaseRegister.values:
            problems.append(FieldProblem("base_register", "基础信息资源须选择所属基础库"))
            register = ""
    elif register:
        problems.append(FieldProblem("base_register", "只有基础信息资源属于基础库"))
        register = ""
    clean["base_register"] = register
    if clean["share_type"] in (ShareType.CONDITIONAL, ShareType.NONE) and not clean["share_basis"]:
        problems.append(FieldProblem("share_basis", "有条件共享和不予共享须填写依据（法律法规或政策文件）"))
    if clean["share_type"] == ShareType.CONDITIONAL and not clean["share_condition"]:
        problems.append(FieldProblem("share_condition", "有条件共享须写明共享条件"))
    if clean["share_type"] == ShareType.NONE and clean["open_type"] and clean["open_type"] != OpenType.CLOSED:
        problems.append(FieldProblem("open_type", "不予共享的信息资源不能向社会开放"))
    if clean["open_type"] == OpenType.CONDITIONAL and not clean["open_condition"]:
        problems.append(FieldProblem("open_condition", "有条件开放须写明开放条件"))
    keywords = values.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k for k in re.split(r"[,，;；\s]+", keywords) if k]
    if not isinstance(keywords, list) or not all(isinstance(k, str) and 0 < len(k) <= 30 for k in keywords):
        problems.append(FieldProblem("keywords", "关键词为至多30字的词语"))
        keywords = []
    elif len(keywords) > 20:
        problems.append(FieldProblem("keywords", "关键词不能超过20个"))
    clean["keywords"] = [k.strip() for k in keywords][:20]
    clean["fields"] = _check_fields(values.get("fields"), problems)
    note = _text(values, "change_note", problems, required=False, label="变更说明")
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    clean["change_note"] = note
    return clean


def _check_stable_keys(code: str, fields: list[dict], previous: Resource | None) -> None:
    """A key keeps its type across versions, and a key an active grant carries stays."""
    if previous is None:
        return
    types = {f["key"]: f["type"] for f in fields}
    problems = []
    for old in previous.fields:
        key = old.get("key")
        if key in types and types[key] != old.get("type"):
            at = next(j for j, f in enumerate(fields) if f["key"] == key)
            problems.append(FieldProblem(f"fields[{at}].type", f"信息项“{key}”的数据类型不能在新版本中改变"))
    granted: set[str] = set()
    for carried in Grant.objects.filter(
        code=code, state__in=[GrantState.ACTIVE, GrantState.SUSPENDED]
    ).values_list("fields", flat=True):
        granted.update(carried or [])
    removed = sorted(k for k in granted if k not in types)
    if removed:
        problems.append(FieldProblem("fields", f"信息项 {'、'.join(removed)} 仍在有效授权中，不能删除"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)


# --- Entries -------------------------------------------------------------------------------------


def _snapshot(resource: Resource) -> dict:
    return {"code": resource.code, "version": resource.version, "state": resource.state}


def do_create_entry(*, actor, provider_id: int, code: str, values: dict) -> Resource:
    """A new entry: a draft, version 1, of `provider_id`."""
    try:
        provider = core_queries.get_department(int(provider_id))
    except (TypeError, ValueError, NotFound) as exc:
        raise InvalidInput.field("provider", "没有找到该提供部门") from exc
    if not may_edit(actor, provider.pk):
        raise _refuse(
            actor, action="exchange.entry.create_refused", code=str(code)[:40], reason="not_provider"
        )
    try:
        clean = check_entry(values)
    except InvalidInput as exc:  # report a bad code with the other problems
        try:
            check_code(code)
        except InvalidInput as code_exc:
            raise InvalidInput(str(code_exc.problems[0]), problems=code_exc.problems + exc.problems) from exc
        raise
    code = check_code(code, resource_class=clean["resource_class"], base_register=clean["base_register"])
    note = clean.pop("change_note")
    with transaction.atomic():
        if Resource.objects.filter(code=code).exists():
            raise InvalidInput.field("code", "该信息资源代码已被使用")
        try:
            with transaction.atomic():
                resource = Resource.objects.create(
                    code=code,
                    version=1,
                    state=EntryState.DRAFT,
                    is_current=False,
                    provider=provider,
                    change_note=note or "新建",
                    created_by=audit.actor_label(actor),
                    **clean,
                )
        except IntegrityError as exc:
            raise InvalidInput.field("code", "该信息资源代码已被使用") from exc
        audit.record(actor=actor, action="exchange.entry.created", obj=resource, data=_snapshot(resource))
    return resource


def do_edit_entry(*, actor, code: str, values: dict) -> Resource:
    """Change an entry: its draft in place, or (a published entry) a new draft version copied
    from the current one with `values` applied. Returns the draft."""
    latest = access_entry(actor, code, action="exchange.entry.edit_refused")
    if latest.state == EntryState.RETIRED:
        raise Conflict("该信息资源已停用，不能再修改")
    merged = {k: getattr(latest, k) for k in ENTRY_VALUES}
    merged.update(values)
    merged.setdefault("change_note", "")
    clean = check_entry(merged)
    check_code(latest.code, resource_class=clean["resource_class"], base_register=clean["base_register"])
    note = clean.pop("change_note")
    with transaction.atomic():
        current = Resource.objects.select_for_update().filter(code=latest.code, is_current=True).first()
        _check_stable_keys(latest.code, clean["fields"], current)
        draft = Resource.objects.select_for_update().filter(code=latest.code, state=EntryState.DRAFT).first()
        if draft is not None:
            before = {k: getattr(draft, k) for k in ENTRY_VALUES}
            for k, v in clean.items():
                setattr(draft, k, v)
            if note:
                draft.change_note = note
            draft.save()
            changed = sorted(k for k in ENTRY_VALUES if before[k] != getattr(draft, k))
            action = "exchange.entry.draft_edited"
        else:
            top = Resource.objects.filter(code=latest.code).aggregate(v=Max("version"))["v"] or 0
            try:
                with transaction.atomic():
                    draft = Resource.objects.create(
                        code=latest.code,
                        version=top + 1,
                        state=EntryState.DRAFT,
                        is_current=False,
                        provider_id=latest.provider_id,
                        origin=latest.origin,
                        origin_code=latest.origin_code,
                        change_note=note,
                        created_by=audit.actor_label(actor),
                        **clean,
                    )
            except IntegrityError as exc:
                raise Conflict("该信息资源正在被他人修改，请刷新后重试") from exc
            changed = sorted(k for k in ENTRY_VALUES if getattr(latest, k) != getattr(draft, k))
            action = "exchange.entry.revised"
        audit.record(actor=actor, action=action, obj=draft, data={**_snapshot(draft), "changed": changed})
    return draft


def do_publish_entry(*, actor, code: str) -> Resource:
    """The draft becomes the current version; the previous one stays as history."""
    latest = access_entry(actor, code, action="exchange.entry.publish_refused")
    with transaction.atomic():
        draft = Resource.objects.select_for_update().filter(code=latest.code, state=EntryState.DRAFT).first()
        if draft is None:
            raise Conflict("该信息资源没有待发布的草稿")
        previous = Resource.objects.select_for_update().filter(code=latest.code, is_current=True).first()
        _check_stable_keys(latest.code, draft.fields, previous)
        if previous is not None:
            if previous.state == EntryState.RETIRED:
                raise Conflict("该信息资源已停用，不能再发布")
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        draft.state = EntryState.PUBLISHED
        draft.is_current = True
        draft.published_at = timezone.now()
        draft.published_by = audit.actor_label(actor)
        draft.save(update_fields=["state", "is_current", "published_at", "published_by"])
        audit.record(
            actor=actor,
            action="exchange.entry.published",
            obj=draft,
            data={**_snapshot(draft), "previous": previous.version if previous else None},
        )
    return draft


def do_discard_draft(*, actor, code: str) -> None:
    """Drop an unpublished draft (a never-published entry disappears with it)."""
    latest = access_entry(actor, code, action="exchange.entry.discard_refused")
    with transaction.atomic():
        draft = Resource.objects.select_for_update().filter(code=latest.code, state=EntryState.DRAFT).first()
        if draft is None:
            raise Conflict("该信息资源没有草稿")
        if draft.requests.exists() or draft.grants.exists():
            raise Conflict("该草稿已被共享申请引用，不能删除")
        data = _snapshot(draft)
        audit.record(actor=actor, action="exchange.entry.draft_discarded", obj=draft, data=data)
        draft.delete()


def do_retire_entry(*, actor, code: str, reason: str) -> Resource:
    """停用: the current version is marked retired (it stays the code's current row); a draft
    is dropped; the mount, if any, is suspended. Grants are the grants module's to end."""
    latest = access_entry(actor, code, action="exchange.entry.retire_refused")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 300:
        raise InvalidInput.field("reason", "请填写停用原因（至多300字）")
    with transaction.atomic():
        current = Resource.objects.select_for_update().filter(code=latest.code, is_current=True).first()
        if current is None:
            raise Conflict("该信息资源尚未发布，请删除草稿")
        if current.state == EntryState.RETIRED:
            raise Conflict("该信息资源已停用")
        draft = Resource.objects.filter(code=latest.code, state=EntryState.DRAFT).first()
        if draft is not None and not (draft.requests.exists() or draft.grants.exists()):
            draft.delete()
        current.state = EntryState.RETIRED
        current.change_note = f"停用：{reason}"[:300]
        current.save(update_fields=["state", "change_note"])
        Mount.objects.filter(code=current.code, state=MountState.MOUNTED).update(state=MountState.SUSPENDED)
        audit.record(
            actor=actor,
            action="exchange.entry.retired",
            obj=current,
            data={**_snapshot(current), "reason": reason},
        )
    return current


# --- Mounts --------------------------------------------------------------------------------------


def _check_target(kind: str, target, resource: Resource) -> tuple[str, dict]:
    """The target of a mount checked by kind; for files also their size and record count."""
    target = target.strip() if isinstance(target, str) else ""
    if not target:
        raise InvalidInput.field("target", "请填写挂接对象")
    if kind == MountKind.SERVICE:
        remote = resource.origin and re.fullmatch(r"https?://[^\s]{3,290}", target)
        if target not in SERVICE_HANDLERS and not remote:
            raise InvalidInput.field("target", f"数据服务须为已注册的服务：{'、'.join(SERVICE_HANDLERS)}")
        return target, {"media_type": "application/json"}
    if kind == MountKind.TABLE:
        if not re.fullmatch(r"[a-z_]+\.[A-Za-z][A-Za-z0-9]*", target):
            raise InvalidInput.field("target", "库表写作“应用.模型”，如 exchange.CreditRecord")
        try:
            apps.get_model(target)
        except (LookupError, ValueError) as exc:
            raise InvalidInput.field("target", "没有找到该库表") from exc
        return target, {}
    if kind == MountKind.FILE:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", target) or ".." in target:
            raise InvalidInput.field("target", "文件名只能包含字母、数字、点、下划线和连字符")
        path = file_store() / target
        if not path.is_file():
            raise InvalidInput.field("target", "文件库中没有该文件")
        return target, describe_file(path)
    raise InvalidInput.field("kind", "请选择有效的挂接方式")


MEDIA_TYPES = {".csv": "text/csv", ".geojson": "application/geo+json", ".json": "application/json"}


def describe_file(path: Path) -> dict:
    """Media type, size and record count (CSV rows after the header, GeoJSON features)."""
    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    info: dict = {"media_type": media, "byte_size": path.stat().st_size}
    if media == "text/csv":
        with path.open(encoding="utf-8", newline="") as fh:
            info["records"] = max(0, sum(1 for _ in csv.reader(fh)) - 1)
    elif media == "application/geo+json":
        info["records"] = len(json.loads(path.read_text(encoding="utf-8")).get("features", []))
    return info


def _published(actor, code: str, action: str) -> Resource:
    latest = access_entry(actor, code, action=action)
    current = Resource.objects.filter(code=latest.code, is_current=True).first()
    if current is None:
        raise Conflict("信息资源发布后才能挂接")
    if current.state == EntryState.RETIRED:
        raise Conflict("该信息资源已停用")
    return current


def do_mount(*, actor, code: str, kind: str, target: str, records: int | None = None) -> Mount:
    """挂接 (or re-mount) a published resource as a data service, a table or a file."""
    current = _published(actor, code, "exchange.mount.refused")
    if kind not in MountKind.values:
        raise InvalidInput.field("kind", "请选择有效的挂接方式")
    target, info = _check_target(kind, target, current)
    if records is not None:
        if isinstance(records, bool) or not isinstance(records, int) or records < 0:
            raise InvalidInput.field("records", "记录数应为非负整数")
        info["records"] = records
    now = timezone.now()
    with transaction.atomic():
        mount = Mount.objects.select_for_update().filter(code=current.code).first()
        before = None if mount is None else {"kind": mount.kind, "target": mount.target, "state": mount.state}
        if mount is None:
            mount = Mount(code=current.code)
        mount.kind = kind
        mount.target = target
        mount.state = MountState.MOUNTED
        mount.media_type = info.get("media_type", "")
        mount.byte_size = info.get("byte_size")
        mount.records = info.get("records")
        mount.mounted_at = now
        mount.mounted_by = audit.actor_label(actor)
        mount.last_updated_at = now
        mount.save()
        audit.record(
            actor=actor,
            action="exchange.mount.mounted",
            obj=mount,
            data={"code": mount.code, "kind": kind, "target": target, "before": before},
        )
    return mount


def _set_mount_state(actor, code: str, state: str, *, allowed: tuple, action: str, reason: str = "") -> Mount:
    latest = access_entry(actor, code, action="exchange.mount.refused")
    with transaction.atomic():
        mount = Mount.objects.select_for_update().filter(code=latest.code).first()
        if mount is None:
            raise Conflict("该信息资源尚未挂接")
        if mount.state not in allowed:
            raise Conflict(f"挂接状态为“{MountState(mount.state).label}”，不能进行此操作")
        if state == MountState.MOUNTED:
            current = Resource.objects.filter(code=latest.code, is_current=True).first()
            if current is None or current.state == EntryState.RETIRED:
                raise Conflict("该信息资源已停用")
        before = mount.state
        mount.state = state
        mount.save(update_fields=["state"])
        audit.record(
            actor=actor, action=action, obj=mount, data={"code": mount.code, "from": before, "reason": reason}
        )
    return mount


def do_unmount(*, actor, code: str, reason: str = "") -> Mount:
    return _set_mount_state(
        actor,
        code,
        MountState.UNMOUNTED,
        allowed=(MountState.MOUNTED, MountState.SUSPENDED),
        action="exchange.mount.unmounted",
        reason=reason,
    )


def do_suspend_mount(*, actor, code: str, reason: str = "") -> Mount:
    return _set_mount_state(
        actor,
        code,
        MountState.SUSPENDED,
        allowed=(MountState.MOUNTED,),
        action="exchange.mount.suspended",
        reason=reason,
    )


def do_resume_mount(*, actor, code: str) -> Mount:
    return _set_mount_state(
        actor, code, MountState.MOUNTED, allowed=(MountState.SUSPENDED,), action="exchange.mount.resumed"
    )


def do_record_update(*, actor, code: str, at=None, records: int | None = None) -> Mount:
    """The mounted data was refreshed: `last_updated_at` (now by default), and the record count."""
    latest = access_entry(actor, code, action="exchange.mount.refused")
    at = at or timezone.now()
    if at > timezone.now():
        raise InvalidInput.field("at", "更新时间不能晚于现在")
    if records is not None and (isinstance(records, bool) or not isinstance(records, int) or records < 0):
        raise InvalidInput.field("records", "记录数应为非负整数")
    with transaction.atomic():
        mount = Mount.objects.select_for_update().filter(code=latest.code).first()
        if mount is None or mount.state == MountState.UNMOUNTED:
            raise Conflict("该信息资源尚未挂接")
        mount.last_updated_at = at
        if records is not None:
            mount.records = records
        mount.save(update_fields=["last_updated_at", "records"])
        audit.record(
            actor=actor,
            action="exchange.mount.updated",
            obj=mount,
            data={"code": mount.code, "at": at.isoformat(), "records": mount.records},
        )
    return mount


# --- Import (many entries at once: a department's existing catalogue, the demo) ------------------

IMPORT_BATCH = 500


def do_import_entries(*, actor, entries: list[dict]) -> dict[str, int]:
    """Catalogue many entries at once, published as version 1: each item is {"provider_id",
    "code", "values", "mount": {"kind", "target"} or None}. Every item is checked first (a
    problem names `entries[i].<field>` and nothing is written); codes already catalogued are
    left as they are, so importing the same list twice writes nothing. One audit event per
    batch lists the codes it published and mounted. Returns {"created", "mounted", "skipped"}."""
    problems: list[FieldProblem] = []
    rows: list[tuple[int, str, dict, dict | None]] = []
    indexes: list[int] = []  # each row's place in `entries`, for the problems
    seen: set[str] = set()
    for i, item in enumerate(entries):
        where = f"entries[{i}]"
        try:
            clean = check_entry(item.get("values") or {})
            code = check_code(
                item.get("code"), resource_class=clean["resource_class"], base_register=clean["base_register"]
            )
        except InvalidInput as exc:
            problems.extend(FieldProblem(f"{where}.{p.field}", p.message) for p in exc.problems)
            continue
        if code in seen:
            problems.append(FieldProblem(f"{where}.code", "信息资源代码在导入清单中重复"))
            continue
        seen.add(code)
        mount = item.get("mount")
        if mount is not None:
            try:
                target, info = _check_target(mount.get("kind", ""), mount.get("target"), Resource(origin=""))
            except InvalidInput as exc:
                problems.extend(FieldProblem(f"{where}.mount.{p.field}", p.message) for p in exc.problems)
                continue
            mount = {"kind": mount["kind"], "target": target, **info}
        rows.append((item.get("provider_id"), code, clean, mount))
        indexes.append(i)
    providers = {p for p, *_ in rows}
    known = core_queries.departments_by_id([p for p in providers if isinstance(p, int)])
    for i, (provider_id, code, _clean, _mount) in zip(indexes, rows, strict=True):
        if provider_id not in known:
            problems.append(FieldProblem(f"entries[{i}].provider", "没有找到该提供部门"))
        elif not may_edit(actor, provider_id):
            raise _refuse(actor, action="exchange.entry.import_refused", code=code, reason="not_provider")
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    existing = set(Resource.objects.filter(code__in=[r[1] for r in rows]).values_list("code", flat=True))
    fresh = [r for r in rows if r[1] not in existing]
    label = audit.actor_label(actor)
    created = mounted = 0
    for start in range(0, len(fresh), IMPORT_BATCH):
        batch = fresh[start : start + IMPORT_BATCH]
        now = timezone.now()
        with transaction.atomic():
            resources = [
                Resource(
                    code=code,
                    version=1,
                    state=EntryState.PUBLISHED,
                    is_current=True,
                    provider_id=provider_id,
                    change_note="导入",
                    created_by=label,
                    published_at=now,
                    published_by=label,
                    **{k: v for k, v in clean.items() if k != "change_note"},
                )
                for provider_id, code, clean, _mount in batch
            ]
            Resource.objects.bulk_create(resources)
            already = set(Mount.objects.filter(code__in=[r[1] for r in batch]).values_list("code", flat=True))
            mounts = [
                Mount(
                    code=code,
                    kind=m["kind"],
                    target=m["target"],
                    state=MountState.MOUNTED,
                    media_type=m.get("media_type", ""),
                    byte_size=m.get("byte_size"),
                    records=m.get("records"),
                    mounted_at=now,
                    mounted_by=label,
                    last_updated_at=now,
                )
                for _p, code, _c, m in batch
                if m is not None and code not in already
            ]
            Mount.objects.bulk_create(mounts)
            audit.record(
                actor=actor,
                action="exchange.entry.imported",
                object_type="exchange.resource",
                object_id=f"{batch[0][1]}..{batch[-1][1]}",
                data={"published": [r[1] for r in batch], "mounted": [m.code for m in mounts]},
            )
        created += len(resources)
        mounted += len(mounts)
    return {"created": created, "mounted": mounted, "skipped": len(rows) - len(fresh)}
