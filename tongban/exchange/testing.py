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
