"""The call log as staff browse it (`/exchange/workbench/calls/`): every gateway call, allowed or
refused, newest first, limited to what the viewer may see:

- a platform administrator (or superuser): every call;
- a department's staff: the calls to the services their department provides (the provider's
  view: who read what of ours, what was refused, what went over the rate) and the calls their
  department's systems made (the caller's view);
- anybody else: nothing (the page answers 404, audited).

Rows carry the subject only as the gateway masked it (`calllog.mask`), never the identifier or
its blind index; fields are the keys returned (none for a refused call). Filters: service code,
outcome, error code; paged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import NotFound

from . import grants
from .enums import CallOutcome
from .errors import CODES
from .models import CallLog, Resource

PAGE_SIZE = 30
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filters:
    code: str = ""
    outcome: str = ""
    error: str = ""

    @classmethod
    def parse(cls, params) -> Filters:
        """From a query string; anything unknown is dropped (never an error, never a 500)."""
        code = str(params.get("code", "")).strip().upper()[:40]
        outcome = str(params.get("outcome", "")).strip()
        error = str(params.get("error", "")).strip().upper()[:40]
        return cls(
            code=code,
            outcome=outcome if outcome in CallOutcome.values else "",
            error=error if error in CODES else "",
        )


def may_view(user) -> bool:
    return grants.is_platform_admin(user) or bool(
        getattr(user, "is_staff", False) and account_queries.staff_department_id(user)
    )


def denied(user) -> NotFound:
    """Audit a look at the call log from outside anybody's reach (its own transaction); 404."""
    try:
        with transaction.atomic():
            audit.record(
                actor=user,
                action="exchange.calls.view",
                object_type="exchange.calllog",
                object_id="",
                data={"outcome": "not_found"},
            )
    except Exception:  # the 404 is what matters
        log.exception("exchange: could not audit a refused look at the call log")
    return NotFound()


def provided_codes(department_id: int) -> list[str]:
    """Resource codes (any version) the department provides."""
    return sorted(set(Resource.objects.filter(provider_id=department_id).values_list("code", flat=True)))


def visible_calls(user) -> QuerySet[CallLog]:
    if grants.is_platform_admin(user):
        return CallLog.objects.all()
    dept = account_queries.staff_department_id(user) if getattr(user, "is_staff", False) else None
    if not dept:
        return CallLog.objects.none()
    return CallLog.objects.filter(Q(service_code__in=provided_codes(dept)) | Q(department_id=dept))


def calls(user, filters: Filters) -> QuerySet[CallLog]:
    qs = visible_calls(user)
    if filters.code:
        qs = qs.filter(service_code=filters.code)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.error:
        qs = qs.filter(error_code=filters.error)
    return qs.order_by("-at", "-id")


@dataclass(frozen=True)
class Row:
    id: int
    at: object
    code: str
    service: str
    department: str
    system: str
    purpose: str
    case_number: str
    subject: str
    fields: list
    outcome: str
    outcome_label: str
    error_code: str
    latency_ms: float
    node: str


def rows(page_calls) -> list[Row]:
    """One page of calls with the names a reader needs (departments, systems, services)."""
    page_calls = list(page_calls)
    departments = core_queries.departments_by_id({c.department_id for c in page_calls if c.department_id})
    systems = account_queries.client_names({c.client_id for c in page_calls if c.client_id})
    names = dict(
        Resource.objects.filter(code__in={c.service_code for c in page_calls}, is_current=True).values_list(
            "code", "name"
        )
    )
    labels = dict(CallOutcome.choices)
    out = []
    for c in page_calls:
        dept = departments.get(c.department_id)
        out.append(
            Row(
                id=c.id,
                at=c.at,
                code=c.service_code,
                service=names.get(c.service_code, ""),
                department=dept.name if dept else "",
                system=systems.get(c.client_id) or c.client_id,
                purpose=c.purpose,
                case_number=c.case_number,
                subject=c.subject_masked,
                fields=list(c.fields or []),
                outcome=c.outcome,
                outcome_label=str(labels.get(c.outcome, c.outcome)),
                error_code=c.error_code,
                latency_ms=c.latency_ms,
                node=c.node,
            )
        )
    return out
