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
