"""Licence writes (电子证照): licence types, issuing, state changes, new versions, the daily
expiry tick; seal keys (`seals`) and verification (`verification`) are re-exported here, so
this module is the one entry point other apps and the views use.

Every write takes `actor=`, checks the input completely before writing (InvalidInput names
each bad field; nothing is written), locks the rows it changes, and records an audit event in
the same transaction. No audit event carries personal data in clear: holder codes appear
masked, personal face fields not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, check_resident_id, normalize
from tongban.core.inputs import check_dates

from . import canonical, faces, standard, validity
from .enums import (
    HolderCodeType,
    HolderKind,
    LicenceState,
    NumberScheme,
    ValidityKind,
    VersionReason,
)
from .holders import holder_index, masked
from .identifiers import build_identifier, check_identifier, format_serial
from .models import LICENCE_FACE_PERSONAL, LICENCE_HOLDER_CODE, Licence, LicenceCounter, LicenceType
from .permissions import actor_label, require_issuer_staff, require_type_admin
from .problems import raise_problems as _raise
from .seals import (
    active_key_for_signing,
    do_revoke_seal_key,
    do_rotate_seal_key,
    key_valid_at,
    kid_for,
    sign_bytes,
    verify_bytes,
)
from .usage import (
    SuppliedLicence,
    UseRefused,
    UseResult,
    do_annotated_copy,
    do_end_grant,
    do_grant_use,
    fetch_for_case,
    grants,
    usable_for_case,
    use_licence,
    verify_and_log,
)
from .verification import Verification, verify, verify_licence

__all__ = [
    "TICK_ACTOR",
    "TRANSITIONS",
    "SuppliedLicence",
    "UseRefused",
    "UseResult",
    "Verification",
    "check_licence_type",
    "do_annotated_copy",
    "do_end_grant",
    "do_expire_licences",
    "do_grant_use",
    "do_issue_licence",
    "do_register_licence_type",
    "do_restore_licence",
    "do_revoke_licence",
    "do_revoke_seal_key",
    "do_rotate_seal_key",
    "do_seed_standard_types",
    "do_supersede_licence",
    "do_suspend_licence",
    "do_update_licence_type",
    "fetch_for_case",
    "grants",
    "holder_index",
    "key_valid_at",
    "kid_for",
    "usable_for_case",
    "use_licence",
    "verify",
    "verify_and_log",
    "verify_bytes",
    "verify_licence",
]

TICK_ACTOR = "system:licences-tick"
REASON_MAX = 500
TEMPLATE_RE = re.compile(r"^[a-z0-9_]+(/[a-z0-9_-]+)*/[a-z0-9_-]+\.html$")
PREFIX_RE = re.compile(r"^[A-Z]{0,8}$")
NUMBER_MAX = 60
CASE_NUMBER_MAX = 50
# Type fields a caller may set; issuing_departments is a list of core department ids.
TYPE_FIELDS = (
    "name",
    "ministry_name",
    "holder_kind",
    "face_fields",
    "validity_kind",
    "validity_years",
    "number_scheme",
    "number_prefix",
    "template",
    "issuing_departments",
    "is_active",
)


# --- Licence types (证照类型) ----------------------------------------------------------------


def _check_type_code(code: str) -> list[FieldProblem]:
    if len(code) != 21 or not code[18:].isdigit():
        return [FieldProblem("code", "证照类型代码应为21位：定义机构的18位统一社会信用代码加3位顺序码")]
    result = check_credit_code(code[:18])
    if not result:
        return [FieldProblem("code", f"证照类型代码前18位（定义机构代码）：{result.reason}")]
    return []


def check_licence_type(data: Mapping, *, code: str, current: LicenceType | None = None) -> tuple[dict, list]:
    """The type's fields in normal form, and every problem. With `current`, fields missing from
    `data` keep their current values (an update)."""
    unknown = set(data) - set(TYPE_FIELDS)
    problems = [FieldProblem(k, "不认识的字段") for k in sorted(unknown)]
    if current is None:
        problems += _check_type_code(code)
        base = {
            "validity_years": None,
            "number_scheme": NumberScheme.SEQUENCE,
            "number_prefix": "",
            "is_active": True,
        }
    else:
        base = {f: getattr(current, f) for f in TYPE_FIELDS if f != "issuing_departments"}
        base["issuing_departments"] = list(
            current.issuing_departments.order_by("pk").values_list("pk", flat=True)
        )
    merged = {**base, **{k: v for k, v in data.items() if k in TYPE_FIELDS}}
    clean: dict = {}
    for name, label, limit in (("name", "证照类型名称", 100), ("ministry_name", "定义机构名称", 100)):
        value = str(merged.get(name) or "").strip()
        if not value or len(value) > limit:
            problems.append(FieldProblem(name, f"{label}不能为空，最长{limit}字"))
        clean[name] = value
    holder_kind = merged.get("holder_kind")
    if holder_kind not in HolderKind.values:
        problems.append(FieldProblem("holder_kind", f"持证主体类别应为 {'、'.join(HolderKind.values)}"))
    elif current is not None and holder_kind != current.holder_kind and current.licences.exists():
        problems.append(FieldProblem("holder_kind", "已有证照的类型不能改变持证主体类别"))
    clean["holder_kind"] = holder_kind
    schema, schema_problems = faces.check_schema(merged.get("face_fields"))
    problems += schema_problems
    clean["face_fields"] = schema
    years = merged.get("validity_years")
    problems += validity.check_rule(merged.get("validity_kind"), years)
    clean["validity_kind"], clean["validity_years"] = merged.get("validity_kind"), years
    scheme = merged.get("number_scheme")
    if scheme not in NumberScheme.values:
        problems.append(FieldProblem("number_scheme", f"证照编号规则应为 {'、'.join(NumberScheme.values)}"))
    clean["number_scheme"] = scheme
    prefix = str(merged.get("number_prefix") or "")
    if not PREFIX_RE.match(prefix):
        problems.append(FieldProblem("number_prefix", "证照编号前缀应为0-8位大写字母"))
    clean["number_prefix"] = prefix
    template = str(merged.get("template") or "").strip()
    if not TEMPLATE_RE.match(template) or len(template) > 200:
        problems.append(
            FieldProblem("template", "照面模板应为模板路径，如 licences/faces/business_licence.html")
        )
    clean["template"] = template
    if not isinstance(merged.get("is_active"), bool):
        problems.append(FieldProblem("is_active", "启用应为 true 或 false"))
    clean["is_active"] = merged.get("is_active")
    ids = merged.get("issuing_departments")
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        problems.append(FieldProblem("issuing_departments", "颁发部门应为部门编号列表"))
        ids = []
    else:
        ids = sorted(set(ids))
        found = set(core_queries.departments().filter(pk__in=ids).values_list("pk", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            problems.append(
                FieldProblem("issuing_departments", f"部门 {'、'.join(map(str, missing))} 不存在")
            )
    clean["issuing_departments"] = ids
    return clean, problems


def _type_audit(lt: LicenceType, departments: list[int]) -> dict:
    return {
        "code": lt.code,
        "name": lt.name,
        "revision": lt.revision,
        "holder_kind": lt.holder_kind,
        "validity": [lt.validity_kind, lt.validity_years],
        "fields": [f["key"] for f in lt.face_fields],
        "issuing_departments": departments,
        "is_active": lt.is_active,
    }


def do_register_licence_type(*, actor, code: str, data: Mapping) -> LicenceType:
    """Register a licence type (code = the defining ministry's credit code + 3 digits)."""
    require_type_admin(actor)
    code = normalize(code)
    clean, problems = check_licence_type(data, code=code)
    if LicenceType.objects.filter(code=code).exists():
        problems.insert(0, FieldProblem("code", f"证照类型代码 {code} 已登记"))
    _raise(problems)
    departments = clean.pop("issuing_departments")
    with transaction.atomic():
        try:
            with transaction.atomic():
                lt = LicenceType.objects.create(code=code, ministry_code=code[:18], **clean)
        except IntegrityError:
            raise InvalidInput.field("code", f"证照类型代码 {code} 已登记") from None
        lt.issuing_departments.set(departments)
        audit.record(actor=actor, action="licences.type.register", obj=lt, data=_type_audit(lt, departments))
    return lt


def do_update_licence_type(*, actor, code: str, changes: Mapping) -> LicenceType:
    """Change a licence type. Issued licences keep the face they were signed with; a changed
    schema applies to licences issued (or re-issued) afterwards. Nothing changed, nothing
    written."""
    require_type_admin(actor)
    with transaction.atomic():
        lt = LicenceType.objects.select_for_update().filter(code=normalize(code)).first()
        if lt is None:
            raise NotFound(f"证照类型 {code} 不存在")
        clean, problems = check_licence_type(changes, code=lt.code, current=lt)
        _raise(problems)
        departments = clean.pop("issuing_departments")
        before_departments = list(lt.issuing_departments.order_by("pk").values_list("pk", flat=True))
        changed = sorted(k for k, v in clean.items() if getattr(lt, k) != v)
        if departments != before_departments:
            changed.append("issuing_departments")
        if not changed:
            return lt
        for key, value in clean.items():
            setattr(lt, key, value)
        lt.revision += 1
        lt.save()
        lt.issuing_departments.set(departments)
        audit.record(
            actor=actor,
            action="licences.type.update",
            obj=lt,
            data={**_type_audit(lt, departments), "changed": changed},
        )
    return lt


def do_seed_standard_types(
    *, actor, codes: Mapping[str, str], issuers: Mapping[str, Iterable[int]] | None = None
) -> int:
    """Register or bring up to date the standard licence types (`standard.STANDARD_TYPES`)
    named in `codes` (name -> type code; the codes are the defining ministries' business, so
    the caller gives them). `issuers` adds issuing departments (name -> department ids); the
    ones already there stay. Idempotent; returns how many types were written."""
    unknown = sorted(set(codes) - set(standard.STANDARD_TYPES))
    if unknown:
        raise InvalidInput.field("codes", f"没有这些标准证照类型：{'、'.join(unknown)}")
    written = 0
    with transaction.atomic():
        for name, code in codes.items():
            spec = standard.STANDARD_TYPES[name]
            wanted = set((issuers or {}).get(name, ()))
            current = LicenceType.objects.filter(code=normalize(code)).first()
            if current is None:
                do_register_licence_type(
                    actor=actor, code=code, data={**spec.data(), "issuing_departments": sorted(wanted)}
                )
                written += 1
                continue
            # An existing type keeps what staff made of it; only missing issuers are added.
            have = set(current.issuing_departments.values_list("pk", flat=True))
            if wanted - have:
                do_update_licence_type(
                    actor=actor, code=code, changes={"issuing_departments": sorted(have | wanted)}
                )
                written += 1
    return written


# --- Issuing (颁发) ---------------------------------------------------------------------------


def _check_holder(lt: LicenceType, holder_name: str, holder_code: str) -> tuple[str, str, list[FieldProblem]]:
    problems = []
    name = (holder_name or "").strip()
    if not name or len(name) > 200:
        problems.append(FieldProblem("holder_name", "持证主体名称不能为空，最长200字"))
    code = normalize(holder_code)
    result = check_resident_id(code) if lt.holder_kind == HolderKind.PERSON else check_credit_code(code)
    if not result:
        problems.append(FieldProblem("holder_code", result.reason))
    return name, code, problems


def _require_jurisdiction(department, lt: LicenceType, code: str, *, case_region: str) -> None:
    """管辖: a department issues only within its own region. For a case (出证) that is the
    case's region (the item's, checked at intake); otherwise, for a legal person, where it is
    registered: 法人库's region, else the registration authority's region in its credit code
    (GB 32100 digits 3-8). A person's licence is issued where they apply (no register region).
    Refused (403) before anything is written."""
    if case_region:
        where = case_region
    elif lt.holder_kind == HolderKind.PERSON:
        return
    else:
        record = account_queries.legal_register_records(credit_code=code).values_list(
            "region_code", flat=True
        )
        where = record.first() or code[2:8]
    prefix = department.region.prefix
    if not where.startswith(prefix):
        raise Forbidden(f"持证主体不在{department.name}的管辖区域内，不能颁发")


def _check_reason(reason: str, *, required: bool = True) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput.field("reason", "请填写原因")
    if len(text) > REASON_MAX:
        raise InvalidInput.field("reason", f"原因最长{REASON_MAX}字")
    return text


def _check_number(lt: LicenceType, number: str | None, *, keep: str = "") -> tuple[str, list[FieldProblem]]:
    """The given number of a GIVEN-scheme type (or `keep`, the previous version's)."""
    text = (number or "").strip()
    if lt.number_scheme == NumberScheme.SEQUENCE:
        if text and text != keep:
            return "", [FieldProblem("number", "该类证照的编号由平台生成，不能填写")]
        return keep, []
    text = text or keep
    if not text:
        return "", [FieldProblem("number", "请填写证照编号")]
    if len(text) > NUMBER_MAX or not text.isprintable():
        return "", [FieldProblem("number", f"证照编号最长{NUMBER_MAX}字，不能含控制字符")]
    if (
        text != keep
        and Licence.objects.filter(licence_type=lt, number=text, state__in=LicenceState.live()).exists()
    ):
        return "", [FieldProblem("number", f"证照编号 {text} 已被有效证照使用")]
    return text, []


def _check_case_number(case_number: str) -> list[FieldProblem]:
    if len(case_number or "") > CASE_NUMBER_MAX:
        return [FieldProblem("case_number", f"办件编号最长{CASE_NUMBER_MAX}位")]
    return []


def _next_serial(type_code: str, region6: str) -> int:
    counter, _ = LicenceCounter.objects.get_or_create(type_code=type_code, region_code=region6)
    counter = LicenceCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _make_licence(
    lt: LicenceType,
    *,
    actor,
    issuer: tuple[int, str, str],
    serial: str,
    previous: Licence | None,
    reason: str,
    number: str,
    issued_on: dt.date,
    period: tuple[dt.date, dt.date | None],
    holder: tuple[str, str],
    face: tuple[dict[str, str], dict[str, str]],
    case_number: str,
) -> Licence:
    """Build, encrypt, sign with the issuer's active key, insert and audit one licence version.
    `issuer` is (department id, name, credit code), `holder` (name, clear code), `face` (plain
    fields, personal fields)."""
    issuer_id, issuer_name, issuer_code = issuer
    holder_name, holder_code = holder
    plain, personal = face
    version = previous.version + 1 if previous else 1
    code_type = HolderCodeType.for_kind(lt.holder_kind)
    key = active_key_for_signing(actor=actor, department_id=issuer_id)
    licence = Licence(
        licence_type=lt,
        type_code=lt.code,
        type_revision=lt.revision,
        name=lt.name,
        number=number,
        serial=serial,
        version=version,
        version_reason=reason,
        previous=previous,
        identifier=build_identifier(
            type_code=lt.code, issuer_code=issuer_code, serial=serial, version=version
        ),
        issuer_id=issuer_id,
        issuer_name=issuer_name,
        issuer_code=issuer_code,
        issued_on=issued_on,
        holder_kind=lt.holder_kind,
        holder_name=holder_name,
        holder_code_type=code_type,
        holder_code_index=holder_index(holder_code, code_type),
        holder_code_masked=masked(holder_code, code_type),
        valid_from=period[0],
        valid_until=period[1],
        face=plain,
        seal_key=key,
        signed_at=timezone.now(),
        case_number=(case_number or "").strip(),
        issued_by=actor_label(actor),
    )
    LICENCE_HOLDER_CODE.encrypt_into(licence, holder_code)
    LICENCE_FACE_PERSONAL.encrypt_into(licence, canonical.face_json(personal) if personal else "")
    content = canonical.content_for(
        licence,
        holder_code=holder_code,
        face={**plain, **personal},
        previous=previous.identifier if previous else None,
        kid=key.kid,
    )
    message = canonical.canonical_bytes(content)
    licence.signature = sign_bytes(key, message)
    licence.digest = sm3_hex(message)
    try:
        with transaction.atomic():
            licence.save(force_insert=True)
    except IntegrityError:
        raise Conflict("证照编号或标识已被占用（可能是并发颁发），请重试") from None
    data = _licence_audit(licence)
    if previous is not None:
        data["previous"] = previous.identifier
    audit.record(actor=actor, action="licences.licence.issue", obj=licence, data=data)
    return licence


def _licence_audit(licence: Licence) -> dict:
    return {
        "identifier": licence.identifier,
        "type": licence.type_code,
        "number": licence.number,
        "issuer": licence.issuer_code,
        "holder": licence.holder_code_masked,
        "version": licence.version,
        "reason": licence.version_reason,
        "valid": [licence.valid_from, licence.valid_until],
        "seal_key": licence.seal_key.kid,
        "digest": licence.digest,
        "case": licence.case_number,
    }


def _check_dates(
    lt: LicenceType, *, issued_on, valid_from, valid_until
) -> tuple[dt.date, dt.date, dt.date | None, list[FieldProblem]]:
    # Out-of-range dates are refused before any arithmetic (year 9999 plus a period overflows).
    problems = check_dates(issued_on=issued_on, valid_from=valid_from, valid_until=valid_until)
    if problems:
        return issued_on, valid_from, valid_until, problems
    today = validity.today()
    issued_on = issued_on or today
    if issued_on > today:
        problems.append(FieldProblem("issued_on", "颁发日期不能晚于今天"))
    valid_from = valid_from or issued_on
    if valid_from < issued_on:
        problems.append(FieldProblem("valid_from", "有效期起始日期不能早于颁发日期"))
    end, more = validity.period(
        kind=lt.validity_kind, years=lt.validity_years, valid_from=valid_from, valid_until=valid_until
    )
    return issued_on, valid_from, end, problems + more


def _issuable_type(type_code: str) -> LicenceType:
    lt = LicenceType.objects.filter(code=normalize(type_code)).first()
    if lt is None:
        raise InvalidInput.field("type_code", f"证照类型 {type_code} 未登记")
    if not lt.is_active:
        raise InvalidInput.field("type_code", f"证照类型 {lt.name} 已停用")
    return lt


def do_issue_licence(
    *,
    actor,
    type_code: str,
    issuer: int,
    holder_name: str,
    holder_code: str,
    face: Mapping,
    number: str = "",
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    case_number: str = "",
    case_region: str = "",
) -> Licence:
    """Issue (颁发) a licence: number, identifier, encryption of the personal data, the e-seal
    signature. `issuer` is a core department id that must issue this type, within its own
    region (管辖, `_require_jurisdiction`); `case_region` is the region of the case that
    concludes with this licence (出证), when there is one."""
    lt = _issuable_type(type_code)
    if not lt.issuing_departments.filter(pk=issuer).exists():
        raise InvalidInput.field("issuer", f"部门 {issuer} 不是{lt.name}的颁发部门")
    require_issuer_staff(actor, issuer)
    department = core_queries.get_department(issuer)
    name, code, problems = _check_holder(lt, holder_name, holder_code)
    checked_face, face_problems = faces.check_face(lt.face_fields, face)
    number, number_problems = _check_number(lt, number)
    issued_on, valid_from, valid_until, date_problems = _check_dates(
        lt, issued_on=issued_on, valid_from=valid_from, valid_until=valid_until
    )
    _raise(problems + face_problems + number_problems + date_problems + _check_case_number(case_number))
    _require_jurisdiction(department, lt, code, case_region=case_region)
    plain, personal = faces.split_personal(lt.face_fields, checked_face)
    with transaction.atomic():
        region6 = department.region_id[:6]
        seq = _next_serial(lt.code, region6)
        licence = _make_licence(
            lt,
            actor=actor,
            issuer=(department.pk, department.name, department.credit_code),
            serial=format_serial(seq),
            previous=None,
            reason=VersionReason.NEW,
            number=number or f"{lt.number_prefix}{region6}{seq:08d}",
            issued_on=issued_on,
            period=(valid_from, valid_until),
            holder=(name, code),
            face=(plain, personal),
            case_number=case_number,
        )
    return licence


# --- State changes (暂停、恢复、撤销) -----------------------------------------------------------

# action -> (states it may start from, state it ends in)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({LicenceState.VALID}), LicenceState.SUSPENDED),
    "restore": (frozenset({LicenceState.SUSPENDED}), LicenceState.VALID),
    "revoke": (frozenset({LicenceState.VALID, LicenceState.SUSPENDED}), LicenceState.REVOKED),
}


def _locked(identifier: str) -> Licence:
    """The licence row, locked for the caller's transaction."""
    ident = check_identifier(identifier)
    licence = Licence.objects.select_for_update().select_related("seal_key").filter(identifier=ident).first()
    if licence is None:
        raise NotFound(f"电子证照 {ident} 不存在")
    return licence


def _require_state(licence: Licence, allowed: Iterable[str], action_label: str) -> None:
    if licence.state not in allowed:
        raise Conflict(f"证照当前状态为“{LicenceState(licence.state).label}”，不能{action_label}")


def _transition(*, actor, identifier: str, action: str, reason: str, label: str) -> Licence:
    reason = _check_reason(reason)
    allowed, target = TRANSITIONS[action]
    with transaction.atomic():
        licence = _locked(identifier)
        require_issuer_staff(actor, licence.issuer_id)
        _require_state(licence, allowed, label)
        before = licence.state
        licence.state, licence.state_reason, licence.state_changed_at = target, reason, timezone.now()
        licence.save(update_fields=["state", "state_reason", "state_changed_at"])
        audit.record(
            actor=actor,
            action=f"licences.licence.{action}",
            obj=licence,
            data={"identifier": licence.identifier, "from": before, "to": target, "reason": reason},
        )
    return licence


def do_suspend_licence(*, actor, identifier: str, reason: str) -> Licence:
    """暂停: a valid licence stops verifying until restored."""
    return _transition(actor=actor, identifier=identifier, action="suspend", reason=reason, label="暂停")


def do_restore_licence(*, actor, identifier: str, reason: str) -> Licence:
    """恢复: a suspended licence is valid again."""
    return _transition(actor=actor, identifier=identifier, action="restore", reason=reason, label="恢复")


def do_revoke_licence(*, actor, identifier: str, reason: str) -> Licence:
    """撤销 (also 吊销, 注销): final; the number becomes free for a new licence."""
    return _transition(actor=actor, identifier=identifier, action="revoke", reason=reason, label="撤销")


# --- New versions (变更、延续) ------------------------------------------------------------------


def _renewal_dates(
    lt: LicenceType, old: Licence, *, issued_on: dt.date, valid_from, valid_until
) -> tuple[dt.date, dt.date | None, list[FieldProblem]]:
    if lt.validity_kind == ValidityKind.LONG_TERM or old.valid_until is None:
        return issued_on, None, [FieldProblem("reason", "长期有效的证照无需延续，请使用变更")]
    out_of_range = check_dates(valid_from=valid_from, valid_until=valid_until)
    if out_of_range:
        return valid_from, valid_until, out_of_range
    if valid_from is None:
        valid_from = max(issued_on, old.valid_until + dt.timedelta(days=1))
    problems = []
    if valid_from < issued_on:
        problems.append(FieldProblem("valid_from", "有效期起始日期不能早于颁发日期"))
    end, more = validity.period(
        kind=lt.validity_kind, years=lt.validity_years, valid_from=valid_from, valid_until=valid_until
    )
    return valid_from, end, problems + more


def do_supersede_licence(
    *,
    actor,
    identifier: str,
    reason: str,
    face: Mapping | None = None,
    holder_name: str | None = None,
    number: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    note: str = "",
    case_number: str = "",
) -> Licence:
    """Issue the next version of a licence and mark this one superseded (已被新版本替代).

    `reason` "change" (变更: a valid licence; new face or holder name; the period stays) or
    "renewal" (延续: a valid or expired licence; a new period from the day after the old one
    ends, or from today when it already ended). The holder, issuer, serial and (unless given
    for a GIVEN-scheme type) the number stay; the version grows by one. `face` is the whole
    new face (default: the current one, checked against the type's current schema)."""
    if reason not in (VersionReason.CHANGE, VersionReason.RENEWAL):
        raise InvalidInput.field("reason", "新版本原因应为 change（变更）或 renewal（延续）")
    note = _check_reason(note, required=False)
    with transaction.atomic():
        old = _locked(identifier)
        require_issuer_staff(actor, old.issuer_id)
        if reason == VersionReason.CHANGE:
            _require_state(old, {LicenceState.VALID}, "变更")
        else:
            _require_state(old, {LicenceState.VALID, LicenceState.EXPIRED}, "延续")
        lt = LicenceType.objects.get(pk=old.licence_type_id)
        holder_code = LICENCE_HOLDER_CODE.read(old)
        name, _, problems = _check_holder(
            lt, old.holder_name if holder_name is None else holder_name, holder_code
        )
        checked_face, face_problems = faces.check_face(
            lt.face_fields, canonical.stored_face(old) if face is None else face
        )
        number, number_problems = _check_number(lt, number, keep=old.number)
        issued_on = validity.today()
        if reason == VersionReason.CHANGE:
            if valid_from is not None or valid_until is not None:
                problems.append(FieldProblem("valid_until", "变更不改变有效期；需要新的有效期请办理延续"))
            start, end = issued_on, old.valid_until
            if end is not None and end < issued_on:
                problems.append(FieldProblem("reason", "证照已过有效期，请办理延续"))
        else:
            start, end, more = _renewal_dates(
                lt, old, issued_on=issued_on, valid_from=valid_from, valid_until=valid_until
            )
            problems += more
        _raise(problems + face_problems + number_problems + _check_case_number(case_number))
        plain, personal = faces.split_personal(lt.face_fields, checked_face)
        before = old.state
        old.state, old.state_changed_at = LicenceState.SUPERSEDED, timezone.now()
        old.state_reason = f"{VersionReason(reason).label}为第{old.version + 1}版" + (
            f"：{note}" if note else ""
        )
        old.save(update_fields=["state", "state_reason", "state_changed_at"])
        new = _make_licence(
            lt,
            actor=actor,
            issuer=(old.issuer_id, old.issuer_name, old.issuer_code),
            serial=old.serial,
            previous=old,
            reason=reason,
            number=number,
            issued_on=issued_on,
            period=(start, end),
            holder=(name, holder_code),
            face=(plain, personal),
            case_number=case_number,
        )
        audit.record(
            actor=actor,
            action="licences.licence.supersede",
            obj=old,
            data={
                "identifier": old.identifier,
                "from": before,
                "by": new.identifier,
                "reason": reason,
                "note": note,
            },
        )
    return new


# --- The daily tick (有效期届满) ------------------------------------------------------------------


@dataclass(frozen=True)
class TickReport:
    on: dt.date
    expired: int


def do_expire_licences(*, on: dt.date | None = None, actor=TICK_ACTOR, batch: int = 500) -> TickReport:
    """Mark valid and suspended licences whose period ended before `on` as expired. Runs in
    batches (one transaction and one audit event listing the identifiers per batch); running
    it again the same day changes nothing."""
    on = on or validity.today()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Licence.objects.select_for_update()
                .filter(state__in=LicenceState.live(), valid_until__lt=on)
                .order_by("pk")
                .values_list("pk", "identifier")[:batch]
            )
            if not rows:
                break
            now = timezone.now()
            Licence.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                state=LicenceState.EXPIRED, state_reason="有效期届满", state_changed_at=now
            )
            audit.record(
                actor=actor,
                action="licences.licence.expire",
                object_type="licences.licence",
                object_id=f"expire:{on.isoformat()}",
                data={"on": on, "identifiers": [ident for _, ident in rows]},
            )
            total += len(rows)
    return TickReport(on=on, expired=total)


# --- Department seal signatures for other apps ------------------------------------------------
# (appended for supervision's joint-task chain: each step is signed with the acting department's
# seal key; the private key never leaves `seals.sign_bytes`.)


def department_seal_kid(*, actor, department_id: int) -> str:
    """Lock (and create, audited, when there is none) the department's active e-seal key until
    the caller's transaction ends, and return its kid: a record stamped after this call is
    inside the key's validity. Must run inside the caller's transaction."""
    from .seals import active_key_for_signing

    return active_key_for_signing(actor=actor, department_id=department_id).kid


def sign_for_department(*, actor, department_id: int, message: bytes) -> tuple[str, str]:
    """Sign `message` with the department's active e-seal key (created, audited, when it has
    none): (kid, base64 DER SM2 signature). Must run inside the caller's transaction."""
    from .seals import active_key_for_signing, sign_bytes

    key = active_key_for_signing(actor=actor, department_id=department_id)
    return key.kid, sign_bytes(key, message)
