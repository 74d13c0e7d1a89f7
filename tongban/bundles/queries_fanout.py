"""Reads of bundle applications (联办件): the applicant's one status page and their list.

`bundle_status(number, user)` checks who may see the bundle (NotFound otherwise) and gathers,
per member, its state, department, deadline and result, with the bundle's own promised date on
its own clock (the theme's working days from the day of receipt)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation

from tongban.cases import clock as cases_clock
from tongban.cases import services as case_services
from tongban.cases.enums import CaseState, result_words
from tongban.core import queries as core_queries
from tongban.core.errors import DomainError
from tongban.licences import queries as licence_queries

from .enums_fanout import BundleState, MemberState
from .models_fanout import Bundle
from .progress import access_bundle, acts_for_applicant
from .queries import themes_within


@dataclass
class MemberStatus:
    key: str
    item_name: str
    department: str
    state: str  # a label for people: the member's, or its case's state
    case_number: str = ""
    case_state: str = ""
    due: dt.date | None = None
    result: str = ""
    licence: str = ""  # the result licence's name, when issued
    note: str = ""
    produced_from: list[str] = field(default_factory=list)  # members whose licence it receives
    # What it received from them through the library (免提交): (licence name, member item name)
    received: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BundleStatus:
    bundle: Bundle
    members: list[MemberStatus]
    promised_due: dt.date
    on_time: bool | None  # completed by the promised date (None while running)
    days_left: int | None
    applicant: bool  # the reader acts for the applicant (may withdraw, choose the pickup)

    @property
    def number(self) -> str:
        return self.bundle.number

    @property
    def state_label(self) -> str:
        return str(self.bundle.get_state_display())

    @property
    def can_withdraw(self) -> bool:
        return self.applicant and self.bundle.state in (BundleState.IN_PROGRESS, BundleState.ATTENTION)


def bundle_status(number: str, user) -> BundleStatus:
    bundle = access_bundle(user, number)
    members = list(bundle.members.select_related("department").order_by("position", "id"))
    cases = case_services.bundled.member_cases([m.case_number for m in members])
    names = {m.key: m.item_name for m in members}
    out = []
    for m in members:
        case = cases.get(m.case_number)
        row = MemberStatus(
            key=m.key,
            item_name=m.item_name,
            department=m.department.name,
            state=str(m.get_state_display()),
            case_number=m.case_number,
            note=m.note,
            produced_from=[names.get(r["member"], r["member"]) for r in m.requires],
        )
        if case is not None and m.state != MemberState.CANCELLED:
            row.state = str(case.get_state_display())
            row.case_state = case.state
            row.due = case.promised_due
            if case.result_licence:
                try:
                    row.licence = licence_queries.get_licence(case.result_licence).name
                except DomainError:  # a licence the library no longer knows: no name
                    row.licence = ""
            if case.result_code:
                with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
                    row.result = result_words(case.result_code, case.item.item_type, row.licence)
            if case.state in (CaseState.REFUSED, CaseState.RETURNED) and not row.note:
                row.note = case.return_reason
        out.append(row)
    _received(members, cases, out)
    today = cases_clock.today()
    running = bundle.state in (BundleState.IN_PROGRESS, BundleState.ATTENTION)
    from tongban.core import workdays

    left = None
    if running:
        left = workdays.count_working_days(today, bundle.promised_due) if today <= bundle.promised_due else 0
    return BundleStatus(
        bundle=bundle,
        members=out,
        promised_due=bundle.promised_due,
        on_time=bundle.completed_on_time,
        days_left=left,
        applicant=acts_for_applicant(user, bundle) if not getattr(user, "is_staff", False) else False,
    )


def _received(members, cases: dict, rows: list[MemberStatus]) -> None:
    """Each member's licences that another member of the bundle issued and the library supplied
    to its case (免提交, no upload): named on the status page."""
    by_key = {m.key: (m, row) for m, row in zip(members, rows, strict=True)}
    supplied = case_services.bundled.library_identifiers(
        [m.case_number for m in members if m.requires and m.case_number]
    )
    for m, row in zip(members, rows, strict=True):
        got = supplied.get(m.case_number, set())
        for requirement in m.requires:
            source, source_row = by_key.get(requirement["member"], (None, None))
            case = cases.get(source.case_number) if source is not None else None
            if case is not None and case.result_licence and case.result_licence in got:
                row.received.append((source_row.licence or requirement["result"], source.item_name))


def bundles_of(user, *, limit: int = 50) -> list[Bundle]:
    """The bundles a person may see as (or for) the applicant, newest first (我的办件)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_staff", False):
        return []
    rows = Bundle.objects.filter(applicant_id=user.pk).order_by("-submitted_at")[:limit]
    return [b for b in rows if acts_for_applicant(user, b)]


def ready_for_pickup(clerk, *, limit: int = 200) -> list[Bundle]:
    """Complete bundles a hall's clerk may hand out (综合窗口出件), oldest first."""
    from .progress import is_hall_clerk

    rows = Bundle.objects.filter(state=BundleState.COMPLETED).order_by("completed_at", "id")[:limit]
    return [b for b in rows if is_hall_clerk(clerk, b) or getattr(clerk, "is_superuser", False)]


def themes_at_hall(clerk) -> list:
    """The themes a 综合窗口 clerk may apply for at their hall: those of the hall's region and
    below (what `submission.do_submit_bundle` accepts from the hall)."""
    department = getattr(clerk, "department", None)
    if department is None:
        return []
    try:
        hall = core_queries.get_region(department.region_id)
    except DomainError:
        return []
    return themes_within(hall.prefix)
