"""A person's "my data use" (我的 → 数据使用记录, `/accounts/me/data-use/`): every read of their
data, newest first, in one paged list merged from two logs:

- the gateway's call log (`CallLog`): calls whose subject is the person (the blind index of
  their ID number, purpose "id", the accounts app's `id_number_index`) or an enterprise they
  represent (the legal representative under a valid mandate, or the 经营者 of a 个体工商户: the
  blind index of its credit code, purpose "credit", as the licence library indexes holders);
- the licence library's usage log (`licences.sharing.usage_of_holders`): uses of the licences
  held under the same indexes.

Each row says who read (the calling department and its system, by name), when, why (purpose and
case number) and which fields (their names from the catalogue, never values). Refused or failed
calls are listed but marked as such: no data left the provider.

The subject index is the contract with the gateway's call log (`calllog`): a resident ID number
is indexed as `blind_index(normalize(id), purpose="id")` and a credit code as
`blind_index(normalize(code), purpose="credit")` (`subject_index` below).
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tongban.accounts import queries as account_queries
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index
from tongban.core.errors import Forbidden
from tongban.core.identifiers import check_credit_code, check_resident_id, normalize
from tongban.licences import sharing as licence_sharing

from .enums import CallOutcome, Purpose
from .models import CallLog, Resource

PAGE_SIZE = 20
GATEWAY, LICENCE = "gateway", "licence"
READ_OUTCOMES = {CallOutcome.OK.value}
LICENCE_SUPPLIED = "supplied"


def subject_index(subject: str) -> str:
    """The call log's blind index of a subject identifier: a resident ID number under purpose
    "id", a credit code under "credit" (anything else under "id")."""
    value = normalize(subject)
    credit = not check_resident_id(value).ok and check_credit_code(value).ok
    return blind_index(value, purpose="credit" if credit else "id")


@dataclass(frozen=True)
class Subjects:
    """Whose reads a person sees: themselves (None before real-name verification) and the
    enterprises they represent, each as (name, blind index)."""

    person_index: str | None
    enterprises: tuple[tuple[str, str], ...] = ()

    def indexes(self) -> list[str]:
        return sorted({i for i in (self.person_index, *(idx for _, idx in self.enterprises)) if i})

    def whose(self, index: str) -> str:
        if index and index == self.person_index:
            return _("本人")
        return next((name for name, idx in self.enterprises if idx == index), "")


def subjects_of(user) -> Subjects:
    """Forbidden for anyone but a natural person (staff have the workbench)."""
    if not account_queries.is_person(user):
        raise Forbidden(_("数据使用记录面向个人和企业用户"))
    enterprises = tuple(
        (e["name"], blind_index(normalize(e["credit_code"]), purpose="credit"))
        for e in account_queries.represented_enterprises(user)
    )
    return Subjects(person_index=user.id_number_index or None, enterprises=enterprises)


@dataclass
class Read:
    """One row of the page."""

    at: dt.datetime
    source: str  # GATEWAY or LICENCE
    who: str
    purpose: str
    case_number: str
    fields: list[str] = field(default_factory=list)
    whose: str = ""
    what: str = ""  # the resource (gateway) or the licence (library) read
    outcome: str = ""
    is_read: bool = True  # False: refused or failed, nothing was handed over
    ref: str = ""  # the call id or the licence identifier
    sort_key: tuple = ()


def _outcome_label(call, is_read: bool) -> str:
    if is_read:
        return _("已读取")
    if call.outcome == CallOutcome.REFUSED:
        return _("已拒绝，未提供数据")
    if call.outcome == CallOutcome.OK:
        return _("未查到，未提供数据")
    return _("调用失败，未提供数据")


def _gateway_rows(subjects: Subjects, limit: int) -> tuple[int, list[Read]]:
    rows = CallLog.objects.filter(subject_index__in=subjects.indexes())
    total = rows.count()
    calls = list(rows.order_by("-at", "-id")[:limit]) if limit > 0 and total else []
    departments = core_queries.departments_by_id({c.department_id for c in calls})
    systems = account_queries.client_names({c.client_id for c in calls})
    resources = {
        r.code: r
        for r in Resource.objects.filter(code__in={c.service_code for c in calls}, is_current=True).only(
            "code", "name", "fields"
        )
    }
    purposes = dict(Purpose.choices)
    out = []
    for c in calls:
        dept = departments.get(c.department_id)
        who = dept.name if dept else _("未登记部门")
        system = systems.get(c.client_id) or c.client_id
        if system:
            who = _("%(department)s（业务系统：%(system)s）") % {"department": who, "system": system}
        if c.node:
            who = _("%(who)s，经由%(node)s") % {"who": who, "node": c.node}
        resource = resources.get(c.service_code)
        names = {f.get("key"): f.get("name") or f.get("key") for f in (resource.fields if resource else [])}
        is_read = c.outcome in READ_OUTCOMES and not c.error_code  # SUBJECT_NOT_FOUND: nothing read
        out.append(
            Read(
                at=c.at,
                source=GATEWAY,
                who=who,
                purpose=str(purposes.get(c.purpose, c.purpose)),
                case_number=c.case_number,
                fields=[names.get(k, k) for k in c.fields] if is_read else [],
                whose=subjects.whose(c.subject_index),
                what=f"{resource.name if resource else c.service_code}（{c.service_code}）",
                outcome=_outcome_label(c, is_read),
                is_read=is_read,
                ref=str(c.pk),
                sort_key=(c.at, 1, c.pk),
            )
        )
    return total, out


def _licence_rows(subjects: Subjects, limit: int) -> tuple[int, list[Read]]:
    total, uses = licence_sharing.usage_of_holders(subjects.indexes(), limit=limit)
    out = []
    for n, u in enumerate(uses):
        is_read = u.outcome_code == LICENCE_SUPPLIED
        out.append(
            Read(
                at=u.at,
                source=LICENCE,
                who=u.who,
                purpose=u.purpose or u.action,
                case_number=u.case_number,
                fields=[u.licence_name] if is_read else [],
                whose="",
                what=_("电子证照：%(name)s") % {"name": u.licence_name},
                outcome=u.outcome if is_read else _("%(outcome)s，未提供证照") % {"outcome": u.outcome},
                is_read=is_read,
                ref=u.identifier,
                sort_key=(u.at, 0, -n),
            )
        )
    return total, out


@dataclass
class Page:
    rows: list[Read]
    number: int
    total: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def reads(user, *, page: int = 1, page_size: int = PAGE_SIZE) -> tuple[Subjects, Page]:
    """The person's reads, newest first, page `page` (a page past the last gives the last)."""
    subjects = subjects_of(user)
    if not subjects.indexes():
        return subjects, Page(rows=[], number=1, total=0, page_size=page_size)
    page = max(1, page)
    # How many there are first (two counts), then only as many rows of each log as the page needs.
    total = _gateway_rows(subjects, 0)[0] + _licence_rows(subjects, 0)[0]
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    need = page * page_size
    _, calls = _gateway_rows(subjects, need)
    _, uses = _licence_rows(subjects, need)
    merged = heapq.merge(calls, uses, key=lambda r: r.sort_key, reverse=True)
    rows = list(merged)[(page - 1) * page_size : need]
    return subjects, Page(rows=rows, number=page, total=total, page_size=page_size)
