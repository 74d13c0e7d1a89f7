"""Test factories other tests share (kept out of production paths). Where a service exists for a
write, prefer it; these make the rows a test needs in one call."""

from __future__ import annotations

from django.utils import timezone

from .enums import EntryState, MountKind, OpenType, ResourceClass, ResourceFormat, ShareType, UpdateFrequency
from .models import Mount, Resource

SYSTEM = "system:test"


def make_resource(
    provider, *, code: str, name: str = "测试信息资源", fields=None, mount_target: str = "", **kw
):
    """A published, current catalogue entry of `provider`; mounted as a data service when
    `mount_target` names a handler."""
    values = {
        "summary": f"{name}的摘要",
        "resource_class": ResourceClass.DEPARTMENT,
        "format": ResourceFormat.SERVICE,
        "share_type": ShareType.CONDITIONAL,
        "share_basis": "《政务信息资源共享管理暂行办法》第九条",
        "open_type": OpenType.CLOSED,
        "update_frequency": UpdateFrequency.REALTIME,
        "fields": fields
        or [
            {"key": "name", "name": "名称", "type": "C", "length": 200, "sensitivity": "public"},
            {"key": "status", "name": "状态", "type": "C", "length": 20, "sensitivity": "internal"},
        ],
    }
    values.update(kw)
    now = timezone.now()
    resource = Resource.objects.create(
        code=code,
        name=name,
        provider=provider,
        state=EntryState.PUBLISHED,
        is_current=True,
        created_by=SYSTEM,
        published_at=now,
        published_by=SYSTEM,
        **values,
    )
    if mount_target:
        Mount.objects.create(
            code=code, kind=MountKind.SERVICE, target=mount_target, mounted_at=now, mounted_by=SYSTEM
        )
    return resource


def make_registers(provider, **providers) -> dict[str, int]:
    """The six base registers catalogued and mounted (registers.ensure_registers), all provided
    by `provider` unless a register is named: make_registers(bureau, legal_person=jiangxia)."""
    from .enums import BaseRegister
    from .registers import ensure_registers

    chosen = {register: providers.get(register, provider) for register in BaseRegister.values}
    return ensure_registers(actor=SYSTEM, providers=chosen)


def make_system(department, *, name: str = "") -> str:
    """A client_credentials system (OIDC client) of `department`; returns its client_id."""
    from tongban.accounts import clients

    registered = clients.do_register_client(
        actor=SYSTEM,
        name=name or f"{department.name}业务系统",
        department_id=department.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    return registered.client.client_id


def make_grant(
    resource,
    department,
    client_id: str,
    *,
    fields=None,
    purpose_codes=("verification",),
    rate_limit: str = "1000/m",
    expires_on=None,
    state: str = "active",
):
    """An approved request and its grant, written directly (the services are tested in
    test_grants): `department`'s system `client_id` on `resource` (all its fields unless
    given), valid for a year unless `expires_on`."""
    import datetime as dt

    from .enums import RequestState
    from .models import Grant, ShareRequest

    now = timezone.now()
    today = timezone.localdate()
    expires_on = expires_on or today + dt.timedelta(days=365)
    keys = list(fields or [f["key"] for f in resource.fields])
    request = ShareRequest.objects.create(
        number=f"GXSQT{ShareRequest.objects.count() + 1:010d}",
        resource=resource,
        requester=department,
        client_id=client_id,
        fields=keys,
        purpose="测试用途",
        purpose_codes=list(purpose_codes),
        legal_basis="测试依据",
        serves=["TEST-0001"],
        valid_until=expires_on,
        expected_daily_calls=1000,
        state=RequestState.APPROVED,
        submitted_by=SYSTEM,
        submitted_at=now,
        due_on=today,
        decided_by=SYSTEM,
        decided_at=now,
    )
    return Grant.objects.create(
        request=request,
        resource=resource,
        code=resource.code,
        department=department,
        client_id=client_id,
        fields=keys,
        purpose_codes=list(purpose_codes),
        rate_limit=rate_limit,
        expires_on=expires_on,
        state=state,
        granted_by=SYSTEM,
        granted_at=now,
    )


def make_call(
    *,
    service_code: str,
    at=None,
    outcome: str = "ok",
    latency_ms: float = 5.0,
    subject: str = "",
    client_id: str = "test-system",
    department_id: int | None = None,
    purpose: str = "licensing",
    case_number: str = "",
    fields=(),
    error_code: str = "",
    node: str = "",
):
    """One call-log row as the gateway writes it (subject blind-indexed, `datause.subject_index`),
    for the statistics and "my data use" tests. Written without `calllog.append_rows` (so without
    its append lock): tests of the chain append through the gateway."""
    from .datause import subject_index
    from .models import CallLog

    return CallLog.objects.create(
        at=at or timezone.now(),
        service_code=service_code,
        client_id=client_id,
        department_id=department_id,
        purpose=purpose,
        case_number=case_number,
        subject_index=subject_index(subject) if subject else "",
        subject_masked="",
        fields=list(fields),
        outcome=outcome,
        error_code=error_code,
        latency_ms=latency_ms,
        node=node,
    )


def call_log_rows(**filters) -> list[dict]:
    """Call-log rows as dicts (by id), for other apps' tests (which may not read the model)."""
    from .models import CallLog

    return list(CallLog.objects.filter(**filters).order_by("id").values())
