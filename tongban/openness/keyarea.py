"""Key-area disclosure (重点领域公开): the public lists and the penalty workbench's writes.

Three lists, each from its source:

- 行政许可 results: decided licensing cases of legal persons, read through
  `cases.queries.published_licensing_results` (the decision, the item, the holder's registered
  name and credit code, the date; never a natural person).
- 行政处罚 decisions: `Penalty` rows entered by the deciding department's staff
  (`do_publish_penalty`), withdrawn with a reason (`do_withdraw_penalty`); both audited.
  Publication rules: a natural person is anonymised before the row is saved (family name only,
  no ID number accepted anywhere); a legal person or 个体工商户 needs a valid credit code; a row
  is public from its decision date until `publish_until` (at most PUBLISH_YEARS_MAX years later,
  PUBLISH_YEARS_DEFAULT by default); a withdrawn row is not public.
- 双随机 inspection results: from supervision, when that app exists (no source yet).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.cases import queries as case_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import FieldProblem, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, check_resident_id, mask_name
from tongban.core.inputs import check_date, has_nul

from .models_keyarea import PartyKind, Penalty, PenaltyKind, PenaltyState

PUBLISH_YEARS_DEFAULT = 3
PUBLISH_YEARS_MAX = 5
MAX_TEXT = 4000
MAX_QUERY = 50
# Staff who may enter and withdraw their department's penalty decisions.
PENALTY_ROLES = (StaffRole.INSPECTOR, StaffRole.APPROVING_OFFICER, StaffRole.DEPARTMENT_ADMIN)
# An 18-character ID number or a 15-digit old one anywhere in free text.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def holds_id_number(text: str) -> bool:
    """Whether the text holds a resident ID number (18 characters with a valid check character,
    or an old 15-digit one)."""
    for match in _ID_LIKE.finditer(text or ""):
        found = match.group(1)
        if len(found) == 15 or check_resident_id(found).ok:
            return True
    return False


# --- Who may write -------------------------------------------------------------------------------


def may_enter_penalties(actor, department_id: int | None) -> bool:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff", False):
        return False
    if actor.is_superuser:
        return True
    return (
        department_id is not None
        and actor.department_id == department_id
        and account_queries.has_any_role(actor, list(PENALTY_ROLES))
    )


def access_penalty(actor, pk: int) -> Penalty:
    """A penalty row the actor may withdraw (their department's), else NotFound."""
    penalty = Penalty.objects.select_related("department").filter(pk=pk).first()
    if penalty is None or not may_enter_penalties(actor, penalty.department_id):
        raise NotFound("没有找到该行政处罚公示")
    return penalty


# --- Checking and writing -------------------------------------------------------------------------


@dataclass
class PenaltyInput:
    decision_number: str = ""
    party_kind: str = ""
    party_name: str = ""
    party_credit_code: str = ""
    violation: str = ""
    basis: str = ""
    kinds: tuple[str, ...] = ()
    content: str = ""
    fine_yuan: str = ""
    decided_on: str = ""
    publish_until: str = ""


def _date(problems: list[FieldProblem], field: str, raw: str, *, required: bool) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            problems.append(FieldProblem(field, "请填写日期，如 2026-03-01"))
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(FieldProblem(field, "日期格式应为 YYYY-MM-DD"))
        return None
    problem = check_date(field, value)
    if problem:
        problems.append(problem)
        return None
    return value


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_penalty(data: PenaltyInput, *, today: dt.date) -> dict:
    """The row's values, or InvalidInput naming every wrong field. A natural person's name is
    masked here; an ID number in any text is refused (it must never be published)."""
    problems: list[FieldProblem] = []
    texts = {
        "decision_number": (data.decision_number, 80, True),
        "party_name": (data.party_name, 200, True),
        "violation": (data.violation, MAX_TEXT, True),
        "basis": (data.basis, MAX_TEXT, True),
        "content": (data.content, MAX_TEXT, True),
    }
    clean: dict = {}
    for field, (raw, limit, required) in texts.items():
        value = (raw or "").strip()
        if has_nul(value):
            problems.append(FieldProblem(field, "不能包含空字符（NUL）"))
        elif required and not value:
            problems.append(FieldProblem(field, "必填"))
        elif len(value) > limit:
            problems.append(FieldProblem(field, f"不能超过 {limit} 字"))
        elif holds_id_number(value):
            problems.append(FieldProblem(field, "不得包含身份证号码：自然人的身份信息不予公示"))
        clean[field] = value
    if data.party_kind not in PartyKind.values:
        problems.append(FieldProblem("party_kind", "请选择当事人类型"))
    code = (data.party_credit_code or "").strip().upper()
    if data.party_kind == PartyKind.NATURAL_PERSON:
        if code:
            problems.append(
                FieldProblem("party_credit_code", "自然人不填写统一社会信用代码，身份证号码不予公示")
            )
        clean["party_name"] = mask_name(clean.get("party_name", ""))
        code = ""
    elif data.party_kind in PartyKind.values:
        result = check_credit_code(code)
        if not result.ok:
            problems.append(FieldProblem("party_credit_code", result.reason))
    clean["party_credit_code"] = code
    kinds = [k for k in dict.fromkeys(data.kinds) if k]
    if not kinds:
        problems.append(FieldProblem("kinds", "请至少选择一种处罚种类"))
    elif any(k not in PenaltyKind.values for k in kinds):
        problems.append(FieldProblem("kinds", "处罚种类不在可选范围内"))
    clean["kinds"] = kinds
    fine = None
    raw_fine = (data.fine_yuan or "").strip()
    if raw_fine:
        try:
            fine = Decimal(raw_fine)
        except InvalidOperation:
            problems.append(FieldProblem("fine_yuan", "罚款金额应为数字，如 5000 或 5000.00"))
        else:
            if not fine.is_finite() or fine <= 0 or fine >= Decimal("1e12") or fine.as_tuple().exponent < -2:
                problems.append(FieldProblem("fine_yuan", "罚款金额应为大于 0 的金额，最多两位小数"))
                fine = None
            else:
                fine = fine.quantize(Decimal("0.01"))
    if PenaltyKind.FINE in kinds and fine is None and not any(p.field == "fine_yuan" for p in problems):
        problems.append(FieldProblem("fine_yuan", "处罚种类含罚款时应填写罚款金额"))
    if fine is not None and PenaltyKind.FINE not in kinds:
        problems.append(FieldProblem("fine_yuan", "未选择罚款时不填写罚款金额"))
    clean["fine_yuan"] = fine
    decided = _date(problems, "decided_on", data.decided_on, required=True)
    until = _date(problems, "publish_until", data.publish_until, required=False)
    if decided is not None and decided > today:
        problems.append(FieldProblem("decided_on", "处罚决定日期不能晚于今天"))
    if decided is not None:
        if until is None and not any(p.field == "publish_until" for p in problems):
            until = _add_years(decided, PUBLISH_YEARS_DEFAULT)
        if until is not None and until <= decided:
            problems.append(FieldProblem("publish_until", "公示截止日期应晚于处罚决定日期"))
        elif until is not None and until > _add_years(decided, PUBLISH_YEARS_MAX):
            problems.append(FieldProblem("publish_until", f"公示期最长 {PUBLISH_YEARS_MAX} 年"))
    clean["decided_on"], clean["publish_until"] = decided, until
    clean["party_kind"] = data.party_kind
    if problems:
        raise InvalidInput(problems=problems)
    return clean


def _audit_data(p: Penalty) -> dict:
    return {
        "decision_number": p.decision_number,
        "department": p.department_id,
        "party_kind": p.party_kind,
        "party": p.party_name,  # masked for a natural person
        "kinds": p.kinds,
        "fine_yuan": str(p.fine_yuan) if p.fine_yuan is not None else None,
        "decided_on": p.decided_on.isoformat(),
        "publish_until": p.publish_until.isoformat(),
        "state": p.state,
    }


def do_publish_penalty(
    *, actor, department_id: int, data: PenaltyInput, today: dt.date | None = None
) -> Penalty:
    """Publish one penalty decision of the actor's department (audited)."""
    if not may_enter_penalties(actor, department_id):
        raise NotFound("没有找到该部门的行政处罚公示")
    today = today or timezone.localdate()
    clean = check_penalty(data, today=today)
    with transaction.atomic():
        if Penalty.objects.filter(
            department_id=department_id, decision_number=clean["decision_number"]
        ).exists():
            raise InvalidInput.field("decision_number", "本机关已公示过该文号的处罚决定")
        penalty = Penalty.objects.create(department_id=department_id, created_by=actor, **clean)
        audit.record(actor=actor, action="openness.penalty.publish", obj=penalty, data=_audit_data(penalty))
    return penalty


def do_withdraw_penalty(*, actor, pk: int, reason: str) -> Penalty:
    """Withdraw a published penalty from the public list (e.g. the decision was revoked)."""
    access_penalty(actor, pk)
    reason = (reason or "").strip()
    if not reason or has_nul(reason) or len(reason) > 300:
        raise InvalidInput.field("reason", "请填写撤回理由（不超过300字）")
    with transaction.atomic():
        penalty = Penalty.objects.select_for_update().get(pk=pk)
        if penalty.state != PenaltyState.PUBLISHED:
            raise InvalidInput.field("reason", "该公示已撤回")
        penalty.state = PenaltyState.WITHDRAWN
        penalty.withdraw_reason = reason
        penalty.save(update_fields=["state", "withdraw_reason", "updated_at"])
        audit.record(
            actor=actor,
            action="openness.penalty.withdraw",
            obj=penalty,
            data={**_audit_data(penalty), "reason": reason},
        )
    return penalty


# --- Public reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    department: int | None = None
    year: int | None = None
    q: str = ""


YEAR_MIN = 2000


def check_list_filters(params, *, today: dt.date | None = None) -> ListFilters:
    """`department`, `year` and `q` from a query string; anything else is named and refused."""
    today = today or timezone.localdate()
    unknown = sorted(k for k in params if k not in ("department", "year", "q", "page"))
    if unknown:
        raise InvalidInput.field(unknown[0], "不支持的筛选条件")
    department = None
    raw = (params.get("department") or "").strip()
    if raw:
        if not raw.isdigit() or len(raw) > 12:
            raise InvalidInput.field("department", "部门应为部门编号")
        department = core_queries.get_department(int(raw)).pk
    year = None
    raw = (params.get("year") or "").strip()
    if raw:
        if not raw.isdigit() or not YEAR_MIN <= int(raw) <= today.year:
            raise InvalidInput.field("year", f"年份应在 {YEAR_MIN} 至 {today.year} 之间")
        year = int(raw)
    q = (params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise InvalidInput.field("q", f"关键词不能超过 {MAX_QUERY} 字")
    return ListFilters(department=department, year=year, q=q)


def public_penalties(f: ListFilters, *, today: dt.date | None = None) -> QuerySet[Penalty]:
    today = today or timezone.localdate()
    qs = Penalty.objects.filter(
        state=PenaltyState.PUBLISHED, decided_on__lte=today, publish_until__gte=today
    ).select_related("department", "department__region")
    if f.department is not None:
        qs = qs.filter(department_id=f.department)
    if f.year is not None:
        qs = qs.filter(decided_on__year=f.year)
    if f.q:
        qs = qs.filter(
            Q(party_name__icontains=f.q)
            | Q(decision_number__icontains=f.q)
            | Q(party_credit_code=f.q.upper())
        )
    return qs.order_by("-decided_on", "-id")


def department_penalties(department_id: int) -> QuerySet[Penalty]:
    """Every row of a department, withdrawn ones too (the workbench list)."""
    return Penalty.objects.filter(department_id=department_id).order_by("-created_at", "-id")


def licensing_results(f: ListFilters) -> QuerySet:
    """行政许可 results (dicts; see cases.queries.LICENSING_RESULT_FIELDS)."""
    return case_queries.published_licensing_results(department_id=f.department, year=f.year, q=f.q)
