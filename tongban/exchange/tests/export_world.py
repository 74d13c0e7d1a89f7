"""The catalogue the export tests read: entries of every open type, mounted as a service, a file
or not at all, plus versions the public must never see (a draft, a retired version)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongban.catalog.testing import make_department
from tongban.core import services as core_services

from ..enums import (
    BaseRegister,
    EntryState,
    MountKind,
    MountState,
    OpenType,
    ResourceClass,
    ResourceFormat,
    ShareType,
)
from ..enums import UpdateFrequency as Freq
from ..models import Mount, Resource
from ..testing import SYSTEM, make_resource

PUBLISHED = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
V2 = timezone.make_aware(dt.datetime(2026, 6, 1, 10, 0))
UPDATED = timezone.make_aware(dt.datetime(2026, 11, 30, 18, 0))


def file_mount(
    code: str, *, media_type: str, byte_size: int | None = None, updated=None, state=MountState.MOUNTED
):
    return Mount.objects.create(
        code=code,
        kind=MountKind.FILE,
        state=state,
        target=f"{code}.dat",
        media_type=media_type,
        byte_size=byte_size,
        mounted_at=PUBLISHED,
        mounted_by=SYSTEM,
        last_updated_at=updated,
    )


def build() -> dict:
    """Two providers; FR-001 (open, service), KJ-001 (open, file), HG-001 (conditionally open,
    file), RK-001 (closed, service), XY-009 (open, never published: a draft only), ZZ-009 (open
    but retired), JT-001 (open, unmounted), FR-001 with an older version."""
    market = make_department(region="420100", name="武汉市市场监督管理局", seed=101)
    market = core_services.do_upsert_department(
        actor=SYSTEM,
        name=market.name,
        credit_code=market.credit_code,
        region_code="420100",
        kind=market.kind,
        phone="027-85771234",
        address="武汉市江岸区沿江大道1号",
        description="负责市场综合监督管理。",
    )
    stats = make_department(region="420000", name="湖北省统计局", seed=102)

    fr_old = make_resource(
        market,
        code="FR-001",
        name="法人单位基本信息（旧）",
        base_register=BaseRegister.LEGAL_PERSON,
        resource_class=ResourceClass.BASE,
        open_type=OpenType.OPEN,
        share_type=ShareType.UNCONDITIONAL,
    )
    Resource.objects.filter(pk=fr_old.pk).update(
        published_at=PUBLISHED, is_current=False, state=EntryState.RETIRED
    )
    fr = make_resource(
        market,
        code="FR-001",
        name="法人单位基本信息",
        summary="市场主体的名称、类型、法定代表人、住所和登记状态。",
        version=2,
        base_register=BaseRegister.LEGAL_PERSON,
        resource_class=ResourceClass.BASE,
        open_type=OpenType.OPEN,
        share_type=ShareType.UNCONDITIONAL,
        keywords=["法人", "企业登记"],
        subject="市场监管",
        update_frequency=Freq.DAILY,
        fields=[
            {"key": "name", "name": "名称", "type": "C", "length": 200, "sensitivity": "public"},
            {
                "key": "legal_rep_name",
                "name": "法定代表人",
                "type": "C",
                "length": 50,
                "sensitivity": "personal",
            },
            {"key": "established", "name": "成立日期", "type": "D", "length": 8, "sensitivity": "public"},
        ],
        mount_target="legal_person.entity",
    )
    Resource.objects.filter(pk=fr.pk).update(published_at=V2)
    Mount.objects.filter(code="FR-001").update(mounted_at=PUBLISHED, last_updated_at=UPDATED)
    kj = make_resource(
        stats,
        code="KJ-001",
        name="行政区划边界",
        summary="全省县级以上行政区划边界矢量数据。",
        base_register=BaseRegister.GEOSPATIAL,
        resource_class=ResourceClass.BASE,
        format=ResourceFormat.SELF_DESCRIBING,
        open_type=OpenType.OPEN,
        share_type=ShareType.UNCONDITIONAL,
        update_frequency=Freq.YEARLY,
        keywords=["行政区划"],
    )
    file_mount("KJ-001", media_type="application/geo+json", byte_size=123456, updated=UPDATED)
    hg = make_resource(
        stats,
        code="HG-001",
        name="地区生产总值季度数据",
        summary="各市州地区生产总值及增速。",
        base_register=BaseRegister.ECONOMY,
        resource_class=ResourceClass.BASE,
        format=ResourceFormat.SPREADSHEET,
        open_type=OpenType.CONDITIONAL,
        open_condition="经申请并签署数据使用协议后向科研机构开放",
        update_frequency=Freq.QUARTERLY,
        fields=[{"key": "gdp", "name": "地区生产总值", "type": "Y", "length": 18, "sensitivity": "internal"}],
    )
    file_mount("HG-001", media_type="text/csv", byte_size=2048)
    rk = make_resource(
        market,
        code="RK-001",
        name="人口基本信息",
        base_register=BaseRegister.POPULATION,
        resource_class=ResourceClass.BASE,
        open_type=OpenType.CLOSED,
        mount_target="population.person",
    )
    draft = make_resource(market, code="XY-009", name="信用草稿", open_type=OpenType.OPEN)
    Resource.objects.filter(pk=draft.pk).update(state=EntryState.DRAFT, is_current=False, published_at=None)
    retired = make_resource(market, code="ZZ-009", name="已停用证照目录", open_type=OpenType.OPEN)
    Resource.objects.filter(pk=retired.pk).update(state=EntryState.RETIRED, is_current=False)
    jt = make_resource(
        stats,
        code="JT-001",
        name="公路里程统计",
        open_type=OpenType.OPEN,
        share_type=ShareType.UNCONDITIONAL,
        update_frequency=Freq.IRREGULAR,
    )
    file_mount("JT-001", media_type="text/csv", state=MountState.UNMOUNTED)
    Resource.objects.filter(code__in=["KJ-001", "HG-001", "RK-001", "JT-001"]).update(published_at=PUBLISHED)
    return {
        "market": market,
        "stats": stats,
        "FR-001": fr,
        "KJ-001": kj,
        "HG-001": hg,
        "RK-001": rk,
        "JT-001": jt,
    }
