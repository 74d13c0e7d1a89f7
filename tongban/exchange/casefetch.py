"""Cases fetch facts through the gateway (免提交 beyond licences): the reads the cases app uses
(it may not touch the exchange's models) to decide whether a material can be fetched, and to
fetch it in process with the case as purpose and case number.

- `case_grant(department_id, code, wanted)`: the live grant the department's case system holds
  on a data service (active, not past its expiry, for a purpose cases serve, covering at least
  one wanted field, the resource published and mounted as a service), or None: then the
  material stays to be uploaded;
- `fetch(...)`: `gateway.call` as that system (`Caller(client_id, department_id)`), every call
  checked and logged by the gateway like any other; the answer or the refusal's stable code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tongban.core import queries as core_queries

from .enums import EntryState, GrantState, MountKind, MountState, Purpose
from .models import Grant, Mount, Resource

# The purposes a case serves, in the order a grant's codes are chosen from.
CASE_PURPOSES = (Purpose.ADMIN_LICENSING, Purpose.PUBLIC_SERVICE, Purpose.VERIFICATION)


@dataclass(frozen=True)
class CaseGrant:
    client_id: str
    department_id: int
    code: str
    fields: tuple[str, ...]  # wanted ∩ granted, in the wanted order
    purpose: str
    resource_name: str
    provider_name: str
    field_names: dict  # key -> the catalogue's name


def case_grant(department_id: int | None, code: str, wanted) -> CaseGrant | None:
    """The department's live grant on `code` usable for a case (see the module docstring)."""
    if not department_id:
        return None
    grants = list(
        Grant.objects.filter(
            department_id=department_id,
            code=code,
            state=GrantState.ACTIVE,
            expires_on__gte=timezone.localdate(),
        ).order_by("-granted_at", "-pk")
    )
    if not grants:
        return None
    resource = (
        Resource.objects.filter(code=code, is_current=True, state=EntryState.PUBLISHED)
        .values("name", "provider_id", "fields")
        .first()
    )
    mounted = Mount.objects.filter(code=code, kind=MountKind.SERVICE, state=MountState.MOUNTED).exists()
    if resource is None or not mounted:
        return None
    for grant in grants:
        purpose = next((p.value for p in CASE_PURPOSES if p.value in grant.purpose_codes), None)
        fields = tuple(k for k in wanted if k in grant.fields)
        if purpose is None or not fields:
            continue
        provider = core_queries.departments_by_id([resource["provider_id"]]).get(resource["provider_id"])
        return CaseGrant(
            client_id=grant.client_id,
            department_id=department_id,
            code=code,
            fields=fields,
            purpose=purpose,
            resource_name=resource["name"],
            provider_name=provider.name if provider else "",
            field_names={f.get("key"): f.get("name") or f.get("key") for f in resource["fields"]},
        )
    return None


@dataclass
class Fetched:
    """What a fetch gave: the answer (`ok`, `values` by key, the resource version) or the
    gateway's refusal (`error_code`, `message`); `call_id` names the call log row either way."""

    ok: bool
    code: str
    call_id: int | None
    at: dt.datetime
    version: int | None = None
    values: dict | None = None
    error_code: str = ""
    message: str = ""


def fetch(grant: CaseGrant, *, subject: str, case_number: str) -> Fetched:
    """Call the service through the gateway as the department's case system."""
    from .errors import GatewayRefusal
    from .gateway import Caller, call

    query = {
        "purpose": grant.purpose,
        "case_number": case_number,
        "subject": subject,
        "fields": list(grant.fields),
    }
    caller = Caller(client_id=grant.client_id, department_id=grant.department_id)
    try:
        answer = call(caller, grant.code, query)
    except GatewayRefusal as refusal:
        return Fetched(
            ok=False,
            code=grant.code,
            call_id=getattr(refusal, "call_id", None),
            at=timezone.now(),
            error_code=refusal.code,
            message=str(getattr(refusal, "message", "") or refusal)[:300],
        )
    return Fetched(
        ok=True,
        code=grant.code,
        call_id=answer.call_id,
        at=timezone.now(),
        version=answer.version,
        values=dict(answer.fields),
    )
