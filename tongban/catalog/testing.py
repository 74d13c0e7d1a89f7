"""Test and benchmark factories: build catalogue state through the services, never raw rows.

dept = make_department(region="420100")
basic = make_basic_item(code="420101001000", name="营业执照核发")
item = make_item(dept, basic)                      # published, with materials
draft = make_item(dept, basic, publish=False)      # a draft awaiting review
"""

from __future__ import annotations

import itertools
import random

from tongban.core import queries as core_queries
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code

from . import services
from .models import BasicItem, ImplementationItem

SYSTEM = "system:test"
_seq = itertools.count(1)


def ensure_regions() -> None:
    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=SYSTEM)


def remove_regions() -> None:
    """Remove the loaded regions (children first: parent links are protected) and the load's
    audit events: the undo of `ensure_regions` for fixtures that load outside a test's
    transaction."""
    from tongban.core.models import AuditEvent, Region

    for level in (5, 4, 3, 2, 1):
        Region.objects.filter(level=level).delete()
    AuditEvent.objects.filter(action="core.regions.load").delete()


def make_department(
    *, region: str = "420100", name: str | None = None, seed: int | None = None, kind: str = "bureau"
):
    ensure_regions()
    n = next(_seq)
    rng = random.Random(seed if seed is not None else n)
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name or f"测试部门{n}",
        credit_code=make_credit_code(rng, region=region[:6], kind="11"),
        region_code=region,
        kind=kind,
        phone="027-12345678",
    )


def basic_code(item_type: str = "01", main: int | None = None, source: str = "42") -> str:
    return f"{source}{item_type}{(main if main is not None else next(_seq)):05d}000"


def make_basic_item(
    *,
    code: str | None = None,
    name: str = "营业执照核发",
    item_type: str = "01",
    legal_basis: str = "《中华人民共和国市场主体登记管理条例》第三条",
    topics=(),
    publish: bool = True,
    **extra,
) -> BasicItem:
    data = {
        "code": code or basic_code(item_type),
        "name": name,
        "item_type": item_type,
        "level": "7",
        "legal_basis": legal_basis,
        "service_objects": ["2"],
        **extra,
    }
    return services.do_create_basic_item(actor=SYSTEM, data=data, topics=topics, publish=publish)


def item_data(dept, basic: BasicItem, *, level: str = "3", **overrides) -> dict:
    """A complete, valid implementation item of `basic` by `dept` (override any element)."""
    data = {
        "code": f"{dept.credit_code}{level}{basic.code}",
        "basic_code": basic.code,
        "name": basic.name,
        "item_type": basic.item_type,
        "level": level,
        "department_id": dept.pk,
        "service_objects": list(basic.service_objects),
        "description": f"{basic.name}的办事指南。",
        "legal_basis": basic.legal_basis,
        "conditions": "申请人具有完全民事行为能力；材料齐全、符合法定形式。",
        "statutory_limit": 20,
        "statutory_unit": "workday",
        "promised_limit": 5,
        "promised_unit": "workday",
        "case_type": "2",
        "charged": False,
        "visits": 0,
        "handling_forms": ["1", "2", "3"],
        "online_depth": ["1", "2", "3", "4", "5", "6"],
        "fully_online": True,
        "delivery_methods": ["window", "post"],
        "steps": [
            {"name": "申请", "description": "网上提交申请材料"},
            {"name": "受理", "description": "窗口审核"},
            {"name": "审查", "description": "承办人审查"},
            {"name": "决定", "description": "作出决定"},
        ],
        "places": [
            {
                "name": "政务服务中心综合窗口",
                "address": "武汉市江岸区市民之家",
                "hours": "工作日 9:00-17:00",
                "phone": "027-12345678",
            }
        ],
        "consult_phone": "027-12345678",
        "complaint_phone": "12345",
        "faqs": [{"q": "可以网上办理吗？", "a": "可以，全程网办。"}],
        "result_name": basic.name + "决定书",
        "result_sample": "见样本",
    }
    data.update(overrides)
    return data


def make_item(
    dept, basic: BasicItem, *, publish: bool = True, materials=None, handling_items=None, **overrides
) -> ImplementationItem:
    data = item_data(dept, basic, **overrides)
    if materials is None:
        materials = [
            {"name": "申请书", "originals": 1, "copies": 0},
            {
                "name": "营业执照",
                "source": "2",
                "originals": 0,
                "copies": 1,
                "license_type_code": "11100000000013338W001",
                "license_type_name": "营业执照",
            },
        ]
    if handling_items is None:
        handling_items = [{"code": data["code"] + "001", "name": f"{data['name']}（设立）", "kind": "new"}]
    bundle = services.ItemBundle(data, materials, handling_items)
    return services.do_create_implementation_item(actor=SYSTEM, bundle=bundle, publish=publish)
