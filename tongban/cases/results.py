"""出证: the result licence (结果证照) a case concluded with 出证 issues into the e-licence library.

The item names its result's licence type (`result_license_type_code`, GB/T 36904). At 办结 the
licence is drafted from what the case already knows, so a complete application needs no typing:

- the holder: the applicant person (by their ID number), the enterprise acted for (by its
  credit code), or, when a person applied for a licence a legal person holds (设立登记), the
  new entity the case creates: its name from the form's `enterprise_name` (or `trade_name`,
  the 字号), its credit code assigned here and recorded in the legal-person register (法人库),
  the applicant linked as its legal representative. What kind of entity that is follows from
  the licence's face: a face with an 经营者 (`operator`) is a 个体工商户's 营业执照, so the
  entity is a 个体工商户 (credit code 92…, GB 32100), its operator the applicant, who sees the
  licence as their own at once; otherwise an enterprise (91…). A 个体工商户 without a 字号 is
  named after its operator;
- each face field (照面信息项) by key: what the officer confirms or corrects (`given`), else the
  application form's field of the same name, else what the case derives (the credit code, the
  legal representative or operator, the date of establishment or registration);
- the period's end for types whose period is set per licence: `valid_until`.

Anything still missing is reported field by field as `licence_face.<key>` and nothing is
written: the officer completes it on the workbench (or a department system in the API call).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import LegalPersonKind
from tongban.core.errors import DomainError, FieldProblem, InvalidInput
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services
from tongban.licences.enums import HolderKind, ValidityKind

from . import clock
from .common import form_data
from .enums import ResultCode
from .models import Case

FIELD = "licence_face"
# Keys of `given` beside the face fields: the new entity's name and code, the period's end.
HOLDER_NAME, HOLDER_CODE, VALID_UNTIL = "holder_name", "holder_code", "valid_until"
# The form fields naming the entity a 设立登记 creates (a 个体工商户's 字号: `trade_name`).
ENTITY_NAMES = ("enterprise_name", "trade_name")
# The face field only a 个体工商户's licence has (经营者).
OPERATOR = "operator"


@dataclass
class LicenceDraft:
    """The result licence as it would be issued now, for the officer to confirm."""

    type_code: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_code: str  # clear; "" for a new entity (assigned at issue) unless given
    new_entity: bool
    fields: list[dict] = field(default_factory=list)  # the face schema, each with its "value"
    needs_valid_until: bool = False
    valid_until: str = ""
    unit_applicant: bool = False
    unknown: list[str] = field(default_factory=list)  # keys of `given` the licence has no place for

    @property
    def face(self) -> dict[str, str]:
        return {f["key"]: f["value"] for f in self.fields if f["value"] != ""}


def result_type(case: Case):
    """The licence type the case's item issues with 出证, or None (none named, or not in the
    library, or retired)."""
    code = case.item.result_license_type_code
    if not code:
        return None
    return licence_queries.licence_types().filter(code=code).first()


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def registered_kind(lt) -> str:
    """The kind of entity a 设立登记 issuing a licence of type `lt` creates."""
    keys = {f["key"] for f in lt.face_fields}
    return LegalPersonKind.SOLE_TRADER if OPERATOR in keys else LegalPersonKind.ENTERPRISE


def _holder(case: Case, lt, given: dict, form: dict, lp: dict | None) -> tuple[str, str, bool]:
    """(name, clear code, new entity?) of the licence's holder; `lp` the enterprise acted for."""
    if lt.holder_kind == HolderKind.PERSON:
        if lp is not None:  # a person's licence, applied for by a unit
            return case.applicant_name, "", False
        return case.applicant_name, account_queries.id_number_of(case.applicant), False
    if lp is not None:
        return lp["name"], lp["credit_code"], False
    name = _text(given.get(HOLDER_NAME)) or next(
        (_text(form.get(key)) for key in ENTITY_NAMES if _text(form.get(key))), ""
    )
    if not name and registered_kind(lt) == LegalPersonKind.SOLE_TRADER:
        name = case.applicant.display_name  # no 字号: the 个体工商户 bears its operator's name
    return name, _text(given.get(HOLDER_CODE)).upper(), True


def _derived(case: Case, holder_code: str, new_entity: bool, lp: dict | None) -> dict[str, str]:
    """Face values the case itself knows, by the keys the standard types use."""
    out = {"credit_code": holder_code} if holder_code else {}
    if lp is not None:
        out["legal_representative"] = out[OPERATOR] = lp["legal_rep_name"]
    elif new_entity:
        out["legal_representative"] = out[OPERATOR] = case.applicant.display_name
        out["established_on"] = out["registered_on"] = clock.today().isoformat()
        out["composition"] = "个人经营"  # the common case; the officer may choose 家庭经营
    return out


def licence_draft(case: Case, given: dict | None = None) -> LicenceDraft | None:
    """The result licence the case would issue with 出证 (None when its item issues none)."""
    lt = result_type(case)
    if lt is None:
        return None
    given = given or {}
    form = form_data(case)
    lp = account_queries.legal_person_summary(case.legal_person_id) if case.legal_person_id else None
    name, code, new_entity = _holder(case, lt, given, form, lp)
    derived = _derived(case, code, new_entity, lp)
    fields = []
    for spec in lt.face_fields:
        key = spec["key"]
        value = _text(given.get(key)) or _text(form.get(key)) or derived.get(key, "")
        fields.append({**spec, "value": value})
    return LicenceDraft(
        type_code=lt.code,
        type_name=lt.name,
        holder_kind=lt.holder_kind,
        holder_name=name,
        holder_code=code,
        new_entity=new_entity,
        fields=fields,
        needs_valid_until=lt.validity_kind == ValidityKind.GIVEN,
        valid_until=_text(given.get(VALID_UNTIL)) or _text(form.get(VALID_UNTIL)),
        unit_applicant=case.legal_person_id is not None,
        unknown=sorted(set(given) - {f["key"] for f in fields} - {HOLDER_NAME, HOLDER_CODE, VALID_UNTIL}),
    )


def _check(draft: LicenceDraft) -> dt.date | None:
    """Every missing or malformed part at once, before anything is written."""
    problems = [
        FieldProblem(f"{FIELD}.{f['key']}", f"请填写证照信息：{f['label']}")
        for f in draft.fields
        if f["required"] and f["value"] == "" and not (draft.new_entity and f["key"] == "credit_code")
    ]
    problems += [
        FieldProblem(f"{FIELD}.{key}", f"{draft.type_name}没有这一照面信息项") for key in draft.unknown
    ]
    if not draft.holder_name:
        problems.append(FieldProblem(f"{FIELD}.{HOLDER_NAME}", "请填写持证主体名称（新设立主体的名称）"))
    if not draft.new_entity and not draft.holder_code:
        problems.append(
            FieldProblem(
                f"{FIELD}.{HOLDER_CODE}",
                "持证人应为个人，本件的申请人是单位，无法签发证照"
                if draft.holder_kind == HolderKind.PERSON and draft.holder_name and draft.unit_applicant
                else "申请人没有可用的身份证件号码（尚未实名认证），无法签发证照",
            )
        )
    until = None
    if draft.needs_valid_until:
        try:
            until = dt.date.fromisoformat(draft.valid_until)
        except ValueError:
            problems.append(FieldProblem(f"{FIELD}.{VALID_UNTIL}", "请填写证照有效期截止日期（YYYY-MM-DD）"))
    if problems:
        raise InvalidInput("请补全结果证照的信息", problems=problems)
    return until


# The library's and the legal-person register's field names -> this API's.
RENAMED = {
    "holder_name": HOLDER_NAME,
    "holder_code": HOLDER_CODE,
    "name": HOLDER_NAME,
    "credit_code": HOLDER_CODE,
    "legal_rep": HOLDER_CODE,  # the founder, whose ID the new company's register row needs
}


def _renamed(exc: DomainError) -> DomainError:
    """Problems named as `licence_face.<key>` (the library's `face.<key>`, its holder fields and
    the register's); the issuer stays as it is."""
    exc.problems = [
        type(p)(
            p.field
            if p.field == "issuer"
            else f"{FIELD}.{RENAMED.get(p.field, p.field.removeprefix('face.'))}",
            p.message,
        )
        for p in exc.problems
    ]
    return exc


def issue_result_licence(case: Case, actor, result_code: str, given: dict | None) -> tuple[str, str] | None:
    """Issue the result licence of a conclusion with `result_code` inside the caller's
    transaction; returns its (identifier, name), None when nothing is issued (not 出证, or the
    item issues no licence). A new entity is registered first."""
    if result_code != ResultCode.ISSUED:
        return None
    draft = licence_draft(case, given)
    if draft is None:
        return None
    until = _check(draft)
    code = draft.holder_code
    face = draft.face
    try:
        if draft.new_entity:
            mandate = account_services.do_register_new_legal_person(
                actor=actor,
                name=draft.holder_name,
                kind=registered_kind(result_type(case)),
                legal_rep=case.applicant,
                region_code=case.region_id,
                established=clock.today(),
                credit_code=code,
            )
            code = mandate.legal_person.credit_code
        if "credit_code" in {f["key"] for f in draft.fields}:
            face["credit_code"] = code
        licence = licence_services.do_issue_licence(
            actor=actor,
            type_code=draft.type_code,
            issuer=case.department_id,
            holder_name=draft.holder_name,
            holder_code=code,
            face=face,
            valid_until=until,
            case_number=case.number,
            case_region=case.region_id,
        )
    except InvalidInput as exc:
        raise _renamed(exc) from None
    return licence.identifier, licence.name
