"""Using licences (用证): an agency's business scope (grants), supplying a holder's valid
licences to a case or a query, and the usage log (用证记录) that records every attempt.

`use_licence` is the one path: it checks the input (purpose 申请事由 always, a case number when
the action or the grant needs one), decides who the agency is and whether its scope covers the
type, finds the holder's live licences of the type, verifies each (seal, key, state, period),
and logs one usage row per licence supplied — or one row for an attempt that supplied nothing
(bad input, refused, none found). Refusals are logged before the error is raised. The log is the
record of a use; uses are not also written to the audit chain (see README: "Usage log").

Who may use what:
- a person: their own licences (ID number = their account's), or a legal person's they hold a
  valid mandate for; no grant needed;
- a department system (client_credentials token) or staff of a department holding one of
  `QUERY_ROLES`: types granted to their department (or to that client), only;
- an internal caller (`"system:<name>"`): the grants of the `department_id` it names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import normalize

from . import canonical, queries, validity
from .enums import HolderCodeType, LicenceState, RefusalReason, UsageAction, UsageOutcome
from .holders import masked
from .models import LICENCE_FACE_PERSONAL, Licence, LicenceGrant, LicenceUsage
from .permissions import actor_label, require_type_admin
from .problems import raise_problems as _raise
from .sharing import NOT_HELD, check_verify_code
from .verification import verify, verify_licence

PURPOSE_MIN = 2
PURPOSE_MAX = 200
CASE_NUMBER_MAX = 50
CASE_NUMBER_RE = re.compile(r"^[0-9A-Za-z\-_.]+$")
QUERY_ROLES = (
    StaffRole.WINDOW_CLERK,
    StaffRole.APPROVING_OFFICER,
    StaffRole.DEPARTMENT_ADMIN,
    StaffRole.INSPECTOR,
)
MASK = "***"


class UseRefused(Forbidden):
    """A use the scope does not cover (403); `reason` is the RefusalReason logged."""

    def __init__(self, reason: RefusalReason, message: str | None = None):
        self.reason = reason
        super().__init__(message or str(reason.label))

    def as_dict(self) -> dict:
        return super().as_dict() | {"reason": self.reason.value}


@dataclass(frozen=True)
class Agency:
    """Who is using: the label for the log, and whose grants apply."""

    label: str
    user_id: int | None = None
    client_id: str = ""
    department_id: int | None = None
    holder_self: bool = False  # a person using their own (or their company's) licences


@dataclass(frozen=True)
class SuppliedLicence:
    """A licence handed out for one use: the metadata, the face (personal fields masked unless
    the scope allows them or the holder asked) and the usage record's id."""

    identifier: str
    type_code: str
    name: str
    number: str
    issuer_name: str
    issuer_code: str
    issued_on: dt.date
    holder_name: str
    holder_code_masked: str
    valid_from: dt.date
    valid_until: dt.date | None
    face: dict[str, str]
    masked_fields: tuple[str, ...]
    usage_id: int | None
    licence: Licence = field(repr=False, compare=False)


@dataclass
class UseResult:
    licences: list[SuppliedLicence]
    purpose: str
    case_number: str
    agency: Agency
    at: dt.datetime
    invalid: list[str] = field(default_factory=list)  # identifiers found but failing verification


# --- the log ---------------------------------------------------------------------------------


def _row(agency: Agency, *, at, action, outcome, **kw) -> LicenceUsage:
    return LicenceUsage(
        at=at,
        action=action,
        actor=agency.label[:120],
        user_id=agency.user_id,
        client_id=agency.client_id[:100],
        department_id=agency.department_id,
        outcome=outcome,
        **kw,
    )


def write_usage(rows: list[LicenceUsage]) -> list[LicenceUsage]:
    """Append usage rows (the one writer; see `usage_log` for batching)."""
    from . import usage_log

    return usage_log.append(rows)


def _log_refusal(agency: Agency, *, action, error: DomainError, reason: RefusalReason, log: dict) -> None:
    fields = {name: str(log.get(name) or "")[:size] for name, size in _LOG_FIELDS}
    row = _row(
        agency,
        at=timezone.now(),
        action=action,
        outcome=UsageOutcome.REFUSED,
        reason_code=reason.value,
        reason=error.message[:300],
        **fields,
    )
    write_usage([row])


_LOG_FIELDS = (
    ("type_code", 30),
    ("holder_code_index", 64),
    ("holder_code_masked", 18),
    ("purpose", 200),
    ("case_number", 50),
)


# --- who is asking -------------------------------------------------------------------------


def _is_internal(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def agency_of(actor, *, department_id: int | None = None) -> Agency:
    """The agency behind an actor (no authorisation yet)."""
    label = actor_label(actor)
    if _is_internal(actor):
        return Agency(label=label, department_id=department_id)
    if getattr(actor, "pk", None) is None and getattr(actor, "department_id", None) is not None:
        return Agency(
            label=label, client_id=getattr(actor, "client_id", ""), department_id=actor.department_id
        )
    if getattr(actor, "is_staff", False):
        return Agency(label=label, user_id=actor.pk, department_id=actor.department_id)
    return Agency(label=label, user_id=getattr(actor, "pk", None), holder_self=True)


def _is_holder(actor, code: str, code_type: str, index: str, type_code: str) -> bool:
    """The person themselves, or someone whose mandate valid now reaches this type of the
    enterprise's licences (an agent's item scope, `accounts.queries.licence_types_for`)."""
    if code_type == HolderCodeType.RESIDENT_ID:
        return bool(getattr(actor, "id_number_index", None)) and actor.id_number_index == index
    types = account_queries.licence_types_for(actor, credit_code=code)
    return types is None or type_code in types


def active_grant(agency: Agency, type_id: int) -> LicenceGrant | None:
    """The grant covering this agency and type: its client's own, else its department's."""
    grants = LicenceGrant.objects.filter(licence_type_id=type_id, revoked_at__isnull=True)
    if agency.client_id:
        grant = grants.filter(client_id=agency.client_id).first()
        if grant is not None:
            return grant
    if agency.department_id is None:
        return None
    return grants.filter(department_id=agency.department_id).first()


def _authorise(actor, agency: Agency, lt, code: str, code_type: str, index: str) -> LicenceGrant | None:
    """The grant that lets this agency use this type (None for a holder using their own)."""
    if agency.holder_self:
        if not account_queries.is_person(actor) or not _is_holder(actor, code, code_type, index, lt.code):
            raise UseRefused(RefusalReason.NOT_HOLDER)
        return None
    if agency.department_id is None:
        reason = RefusalReason.NO_AGENCY if _is_internal(actor) else RefusalReason.NO_SCOPE
        raise UseRefused(reason)
    if agency.user_id is not None and not account_queries.has_any_role(actor, list(QUERY_ROLES)):
        raise UseRefused(RefusalReason.NO_ROLE)
    grant = active_grant(agency, lt.pk)
    if grant is None:
        raise UseRefused(
            RefusalReason.NO_SCOPE, f"证照类型“{lt.name}”不在本部门的用证范围内，请联系平台管理员申请授权"
        )
    return grant


# --- checking the request ------------------------------------------------------------------


def check_purpose(purpose) -> str:
    text = " ".join(str(purpose or "").split())
    if len(text) < PURPOSE_MIN:
        raise InvalidInput.field("purpose", "请填写申请事由（用证目的），至少2个字")
    if len(text) > PURPOSE_MAX:
        raise InvalidInput.field("purpose", f"申请事由不能超过{PURPOSE_MAX}个字")
    return text


def check_case_number(case_number, *, required: bool) -> str:
    text = str(case_number or "").strip()
    if not text:
        if required:
            raise InvalidInput.field("case_number", "请填写办件编号")
        return ""
    if len(text) > CASE_NUMBER_MAX or not CASE_NUMBER_RE.match(text):
        raise InvalidInput.field("case_number", f"办件编号应为不超过{CASE_NUMBER_MAX}位的字母、数字或 - _ .")
    return text


def _holder(holder_code, lt) -> tuple[str, str, str]:
    """(code, code type, blind index) of a holder code of the type's holder kind (InvalidInput
    naming holder_code)."""
    code = normalize(str(holder_code or ""))
    if not code:
        raise InvalidInput.field("holder_code", "请填写持证主体代码（公民身份号码或统一社会信用代码）")
    code_type = HolderCodeType.for_kind(lt.holder_kind)
    return code, code_type, queries.holder_index_of(code, code_type, field="holder_code")


def _type(type_code):
    code = normalize(str(type_code or ""))
    if not code:
        raise InvalidInput.field("type_code", "请填写证照类型代码")
    lt = queries.licence_types(active_only=False).filter(code=code).first()
    if lt is None:
        raise InvalidInput.field("type_code", f"证照类型 {code} 不存在")
    return lt


# --- shaping -------------------------------------------------------------------------------


def personal_keys(lt) -> set[str]:
    return {f["key"] for f in lt.face_fields if f.get("personal")}


def _face(licence: Licence, *, personal: bool) -> tuple[dict[str, str], tuple[str, ...]]:
    keys = personal_keys(licence.licence_type)
    if personal:
        return canonical.stored_face(licence), ()
    face = dict(licence.face)
    hidden = tuple(sorted(k for k in keys if k in _personal_face_keys(licence)))
    for key in hidden:
        face[key] = MASK
    return face, hidden


def _personal_face_keys(licence: Licence) -> set[str]:
    if not licence.face_personal_enc:
        return set()
    return set(json.loads(LICENCE_FACE_PERSONAL.read(licence)))


META_FIELDS = (
    "identifier",
    "type_code",
    "name",
    "number",
    "issuer_name",
    "issuer_code",
    "issued_on",
    "holder_name",
    "holder_code_masked",
    "valid_from",
    "valid_until",
)


def _supplied(licence: Licence, *, personal: bool, usage_id) -> SuppliedLicence:
    face, hidden = _face(licence, personal=personal)
    meta = {name: getattr(licence, name) for name in META_FIELDS}
    return SuppliedLicence(**meta, face=face, masked_fields=hidden, usage_id=usage_id, licence=licence)


def copy_entry(supplied: SuppliedLicence) -> dict:
    """A supplied licence as the annotated copy lists it."""
    meta = {name: getattr(supplied, name) for name in META_FIELDS}
    return meta | {
        "face": supplied.face,
        "masked_fields": list(supplied.masked_fields),
        "usage_id": supplied.usage_id,
    }


# --- grants (用证授权) ----------------------------------------------------------------------

BASIS_MAX = 200
CLIENT_ID_MAX = 100


def do_grant_use(
    *,
    actor,
    type_code: str,
    department: str | int | None = None,
    client_id: str = "",
    basis: str,
    personal: bool = False,
    case_number_required: bool = False,
) -> LicenceGrant:
    """Let a department (its systems and officers) or one OIDC client use licences of a type.
    Platform administrators only; an active grant for the same grantee and type is refused."""
    require_type_admin(actor)
    problems: list[FieldProblem] = []
    lt = queries.licence_types(active_only=False).filter(code=normalize(str(type_code or ""))).first()
    if lt is None:
        problems.append(FieldProblem("type_code", f"证照类型 {type_code} 不存在"))
    client_id = str(client_id or "").strip()
    dept = None
    if (department in (None, "")) == (not client_id):
        problems.append(FieldProblem("department", "请指定一个部门或一个业务系统客户端（二者选一）"))
    elif client_id and len(client_id) > CLIENT_ID_MAX:
        problems.append(FieldProblem("client_id", f"客户端标识不能超过{CLIENT_ID_MAX}个字符"))
    elif department not in (None, ""):
        try:
            dept = core_queries.get_department(department)
        except NotFound:
            problems.append(FieldProblem("department", f"部门 {department} 不存在"))
    basis = " ".join(str(basis or "").split())
    if not basis:
        problems.append(FieldProblem("basis", "请填写授权依据（如业务范围、文件号）"))
    elif len(basis) > BASIS_MAX:
        problems.append(FieldProblem("basis", f"授权依据不能超过{BASIS_MAX}个字"))
    _raise(problems)
    with transaction.atomic():
        existing = LicenceGrant.objects.select_for_update().filter(
            licence_type=lt, revoked_at__isnull=True, department=dept, client_id=client_id
        )
        if existing.exists():
            raise Conflict("该部门（或业务系统）已有此证照类型的有效授权")
        try:
            with transaction.atomic():
                grant = LicenceGrant.objects.create(
                    licence_type=lt,
                    department=dept,
                    client_id=client_id,
                    basis=basis,
                    personal=bool(personal),
                    case_number_required=bool(case_number_required),
                    granted_by=actor_label(actor)[:100],
                )
        except IntegrityError:
            raise Conflict("该部门（或业务系统）已有此证照类型的有效授权") from None
        audit.record(actor=actor, action="licences.grant.create", obj=grant, data=_grant_audit(grant))
    return grant


def do_end_grant(*, actor, grant_id: int, reason: str) -> LicenceGrant:
    """End a grant (kept, with who ended it and when). Platform administrators only."""
    require_type_admin(actor)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput.field("reason", "请填写终止授权的原因")
    with transaction.atomic():
        grant = LicenceGrant.objects.select_for_update().filter(pk=grant_id).first()
        if grant is None:
            raise NotFound(f"用证授权 {grant_id} 不存在")
        if grant.revoked_at is not None:
            raise Conflict("该用证授权已终止")
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor_label(actor)[:100]
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="licences.grant.end",
            obj=grant,
            data=_grant_audit(grant) | {"reason": reason[:200]},
        )
    return grant


def grants(*, active_only: bool = True):
    qs = LicenceGrant.objects.select_related("licence_type", "department").order_by(
        "licence_type__code", "pk"
    )
    return qs.filter(revoked_at__isnull=True) if active_only else qs


def _grant_audit(grant: LicenceGrant) -> dict:
    return {
        "type_code": grant.licence_type.code,
        "department": grant.department_id,
        "client_id": grant.client_id,
        "personal": grant.personal,
        "case_number_required": grant.case_number_required,
        "basis": grant.basis,
    }


# --- the service ---------------------------------------------------------------------------


def use_licence(
    *,
    actor,
    holder_code: str,
    type_code: str,
    purpose: str,
    case_number: str = "",
    department_id: int | None = None,
    action: str = UsageAction.QUERY,
    copy_expires_at: dt.datetime | None = None,
) -> UseResult:
    """The holder's valid licences of the type, for one stated use, logged.

    Raises InvalidInput (naming the field) for bad input and UseRefused (403) outside the
    agency's scope; both are logged as refused before raising. Licences that fail verification
    are left out (logged `invalid`, listed in `UseResult.invalid`); none at all is an empty result
    (logged `not_found`), not an error."""
    agency = agency_of(actor, department_id=department_id)
    log: dict = {
        "type_code": str(type_code or ""),
        "holder_code_index": "",
        "holder_code_masked": "",
        "purpose": str(purpose or ""),
        "case_number": str(case_number or ""),
    }
    try:
        lt = _type(type_code)
        code, code_type, index = _holder(holder_code, lt)
        log |= {
            "type_code": lt.code,
            "holder_code_index": index,
            "holder_code_masked": masked(code, code_type),
        }
        text = check_purpose(purpose)
        log["purpose"] = text
        number = check_case_number(case_number, required=action == UsageAction.CASE)
        grant = _authorise(actor, agency, lt, code, code_type, index)
        if grant is not None and grant.case_number_required and not number:
            raise UseRefused(
                RefusalReason.NO_CASE_NUMBER, "该证照类型的用证授权要求提供办件编号（case_number）"
            )
    except DomainError as error:
        reason = getattr(error, "reason", None) or _input_reason(error)
        _log_refusal(agency, action=action, error=error, reason=reason, log=log)
        raise
    at = timezone.now()
    found = list(
        Licence.objects.filter(holder_code_index=index, licence_type_id=lt.pk, state=LicenceState.VALID)
        .select_related("licence_type", "seal_key", "seal_batch")
        .order_by("-issued_on", "-pk")
    )
    today = validity.today()
    common = {
        "type_code": lt.code,
        "holder_code_index": index,
        "holder_code_masked": masked(code, code_type),
        "purpose": text,
        "case_number": number,
        "copy_expires_at": copy_expires_at,
    }
    rows, good, invalid = [], [], []
    for licence in found:
        check = verify(licence, on=today)
        outcome = UsageOutcome.SUPPLIED if check.valid else UsageOutcome.INVALID
        (good if check.valid else invalid).append(licence)
        rows.append(
            _row(
                agency,
                at=at,
                action=action,
                outcome=outcome,
                licence_id=licence.pk,
                identifier=licence.identifier,
                reason_code=",".join(check.codes)[:40],
                reason="；".join(check.messages)[:300],
                **common,
            )
        )
    if not found:
        rows.append(_row(agency, at=at, action=action, outcome=UsageOutcome.NOT_FOUND, **common))
    written = write_usage(rows)
    ids = {r.licence_id: r.pk for r in written if r.licence_id}
    personal = agency.holder_self or (grant is not None and grant.personal)
    return UseResult(
        licences=[_supplied(lic, personal=personal, usage_id=ids.get(lic.pk)) for lic in good],
        purpose=text,
        case_number=number,
        agency=agency,
        at=at,
        invalid=[lic.identifier for lic in invalid],
    )


def _input_reason(error: DomainError) -> RefusalReason:
    """Missing purpose and missing case number have their own codes; the rest is bad input."""
    problem = error.problems[0] if error.problems else None
    missing = problem is not None and problem.message.startswith("请填写")
    if missing and problem.field == "purpose":
        return RefusalReason.NO_PURPOSE
    if missing and problem.field == "case_number":
        return RefusalReason.NO_CASE_NUMBER
    return RefusalReason.BAD_INPUT


COPY_VALID = dt.timedelta(hours=24)


def do_annotated_copy(
    *, actor, holder_code: str, type_code: str, purpose: str, case_number: str = "", department_id=None
) -> dict:
    """An agency's query (部门查询): the holder's valid licences of the type as an annotated copy
    (加注件) stamped with the purpose, the case number, the requester and an expiry; logged like
    every use (with the copy's expiry). The digest is SM3 over the copy's canonical JSON, so a copy
    passed on can be checked against the usage log's record of it."""
    expires = timezone.now() + COPY_VALID
    result = use_licence(
        actor=actor,
        holder_code=holder_code,
        type_code=type_code,
        purpose=purpose,
        case_number=case_number,
        department_id=department_id,
        action=UsageAction.QUERY,
        copy_expires_at=expires,
    )
    agency = result.agency
    until = timezone.localtime(expires)
    text = f"本件仅供{agency.label}办理“{result.purpose}”使用"
    if result.case_number:
        text += f"（办件编号 {result.case_number}）"
    text += f"，{until:%Y年%m月%d日 %H:%M}前有效，他用无效。"
    annotation = {
        "text": text,
        "purpose": result.purpose,
        "case_number": result.case_number,
        "requester": agency.label,
        "department_id": agency.department_id,
        "stamped_at": result.at,
        "expires_at": expires,
    }
    licences = [copy_entry(supplied) for supplied in result.licences]
    body = {"annotation": annotation, "licences": licences}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return body | {"digest": sm3_hex(text.encode("utf-8"))}


def verify_and_log(actor, identifier: str, *, on: dt.date | None = None, check_code: str | None = None):
    """Verify a licence (验证) and log the check (action `verify`): who asked, which licence,
    the outcome and its reasons. A malformed identifier is InvalidInput (logged as refused).

    An agency (a department system, or staff of a department) verifies by identifier and is
    named in the holder's log by its department. Anyone else must bring the check code printed
    on the face (`sharing.check_verify_code`): without it, or with a wrong one, the answer is
    the same NotFound as for an unknown licence, and nothing is written to anyone's log."""
    agency = agency_of(actor)
    needs_code = agency.department_id is None and not _is_internal(actor)
    if needs_code and not check_verify_code(identifier or "", check_code or ""):
        raise NotFound(NOT_HELD)
    try:
        check = verify_licence(identifier, on=on)
    except DomainError as error:
        log = {"type_code": "", "purpose": ""}
        _log_refusal(agency, action=UsageAction.VERIFY, error=error, reason=RefusalReason.BAD_INPUT, log=log)
        raise
    licence = check.licence
    if licence is None:
        outcome = UsageOutcome.NOT_FOUND
    else:
        outcome = UsageOutcome.SUPPLIED if check.valid else UsageOutcome.INVALID
    row = _row(
        agency,
        at=timezone.now(),
        action=UsageAction.VERIFY,
        outcome=outcome,
        licence_id=licence.pk if licence else None,
        identifier=check.identifier,
        type_code=licence.type_code if licence else "",
        holder_code_index=licence.holder_code_index if licence else "",
        holder_code_masked=licence.holder_code_masked if licence else "",
        reason_code=",".join(check.codes)[:40],
        reason="；".join(check.messages)[:300],
    )
    write_usage([row])
    return check


def usable_for_case(actor, *, holder_code: str, type_code: str) -> list[SuppliedLicence]:
    """The licences `fetch_for_case` would supply to this applicant now, without using them (nothing
    is logged, nothing leaves the library but what the applicant may see of their own): the apply
    page and the guide promise 免提交 only when this is not empty. Bad input or an actor outside
    the holder's scope: none."""
    agency = agency_of(actor)
    try:
        lt = _type(type_code)
        code, code_type, index = _holder(holder_code, lt)
        _authorise(actor, agency, lt, code, code_type, index)
    except DomainError:
        return []
    today = validity.today()
    found = (
        Licence.objects.filter(holder_code_index=index, licence_type_id=lt.pk, state=LicenceState.VALID)
        .select_related("licence_type", "seal_key", "seal_batch")
        .order_by("-issued_on", "-pk")
    )
    return [_supplied(lic, personal=False, usage_id=None) for lic in found if verify(lic, on=today).valid]


def fetch_for_case(
    *,
    actor,
    holder_code: str,
    type_code: str,
    case_number: str,
    purpose: str,
    department_id: int | None = None,
) -> list[SuppliedLicence]:
    """The valid licences of a holder and type for a case (办件用证): the cases app calls this
    when an applicant applies. The case number is required; the use is logged."""
    return use_licence(
        actor=actor,
        holder_code=holder_code,
        type_code=type_code,
        purpose=purpose,
        case_number=case_number,
        department_id=department_id,
        action=UsageAction.CASE,
    ).licences


__all__ = [
    "QUERY_ROLES",
    "Agency",
    "SuppliedLicence",
    "UseRefused",
    "UseResult",
    "active_grant",
    "agency_of",
    "check_case_number",
    "check_purpose",
    "do_annotated_copy",
    "do_end_grant",
    "do_grant_use",
    "fetch_for_case",
    "grants",
    "usable_for_case",
    "use_licence",
    "verify_and_log",
    "write_usage",
]
