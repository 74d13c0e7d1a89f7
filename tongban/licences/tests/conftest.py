"""Fixtures for licences: Hubei's regions (once per module), issuing departments with their
staff, the five standard licence types, and helpers that issue licences through the services."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code, make_resident_id
from tongban.core.models import AuditEvent

from .. import services, validity
from ..models import Licence, LicenceCounter, LicenceType, SealKey

SYSTEM = "system:test"
TODAY = dt.date(2026, 9, 29)
_seq = itertools.count(1)


def ministry_code(name: str) -> str:
    return make_credit_code(random.Random(f"licences-test:{name}"), region="100000", kind="11")


# name -> type code (ministry credit code + 3 digits), like the demo's synthetic codes.
CODES = {
    "营业执照": ministry_code("国家市场监督管理总局") + "001",
    "食品经营许可证": ministry_code("国家市场监督管理总局") + "002",
    "个体工商户营业执照": ministry_code("国家市场监督管理总局") + "003",
    "林木采伐许可证": ministry_code("国家林业和草原局") + "001",
    "特殊工时工作制审批决定书": ministry_code("中华人民共和国人力资源和社会保障部") + "002",
    "结婚证": ministry_code("中华人民共和国民政部") + "001",
}

PERSON_ID = make_resident_id(random.Random(1), region="420115", born=dt.date(1990, 5, 18), sex="M")
SPOUSE_ID = make_resident_id(random.Random(2), region="420102", born=dt.date(1992, 3, 8), sex="F")
COMPANY = make_credit_code(random.Random(3), region="420115", kind="91")
OTHER_COMPANY = make_credit_code(random.Random(4), region="420103", kind="91")

BUSINESS_FACE = {
    "credit_code": COMPANY,
    "entity_type": "有限责任公司（自然人投资或控股）",
    "legal_representative": "陈建国",
    "registered_capital": "壹佰万元整",
    "established_on": "2020-05-18",
    "business_term": "长期",
    "domicile": "武汉市江夏区纸坊街文化路1号",
    "business_scope": "日用百货、五金交电销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
}
FOOD_FACE = {
    "credit_code": COMPANY,
    "legal_representative": "陈建国",
    "domicile": "武汉市江汉区解放大道1号",
    "premises": "武汉市江汉区解放大道1号一楼",
    "main_business": "食品销售经营者",
    "business_items": "预包装食品（含冷藏冷冻食品）销售",
}
MARRIAGE_FACE = {
    "registered_on": "2026-09-29",
    "holder_nationality": "中国",
    "spouse_name": "王芳",
    "spouse_nationality": "中国",
    "spouse_id_number": SPOUSE_ID,
}


@pytest.fixture
def today(monkeypatch):
    """Set "today" for the licence rules: today(dt.date(2027, 1, 1))."""

    def set_day(value: dt.date) -> dt.date:
        monkeypatch.setattr(validity, "today", lambda: value)
        return value

    set_day(TODAY)
    return set_day


def department(name: str, region: str = "420115"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"licences-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def staff(username: str, *roles: str, dept=None, superuser: bool = False):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=dept.pk if dept else None,
        superuser=superuser,
    )


def counts() -> dict[str, int]:
    return {
        "types": LicenceType.objects.count(),
        "licences": Licence.objects.count(),
        "keys": SealKey.objects.count(),
        "counters": sum(LicenceCounter.objects.values_list("last", flat=True)),
        "audit": AuditEvent.objects.count(),
        "states": sorted(Licence.objects.values_list("identifier", "state")),
    }


@pytest.fixture
def world(db, regions_loaded, today):
    """Two issuing departments at 江夏 and 江汉, a forestry bureau at 恩施, a civil affairs bureau,
    their officers, and the five standard types (each with its issuers)."""
    jiangxia = department("武汉市江夏区行政审批局", "420115")
    jianghan = department("武汉市江汉区行政审批局", "420103")
    forestry = department("恩施市林业局", "422801")
    civil = department("武汉市江夏区民政局", "420115")
    outsider = department("武汉市江夏区人力资源和社会保障局", "420115")
    issuers = {
        "营业执照": [jiangxia.pk, jianghan.pk],
        "食品经营许可证": [jiangxia.pk, jianghan.pk],
        "林木采伐许可证": [forestry.pk],
        "特殊工时工作制审批决定书": [outsider.pk],
        "结婚证": [civil.pk],
    }
    services.do_seed_standard_types(actor=SYSTEM, codes=CODES, issuers=issuers)
    return {
        "jiangxia": jiangxia,
        "jianghan": jianghan,
        "forestry": forestry,
        "civil": civil,
        "outsider": outsider,
        "officer": staff("officer", "approving_officer", dept=jiangxia),
        "head": staff("head", "department_admin", dept=jiangxia),
        "clerk": staff("clerk", "window_clerk", dept=jiangxia),
        "jianghan_officer": staff("jianghan-officer", "approving_officer", dept=jianghan),
        "platform": staff("platform", "platform_admin"),
        "civil_officer": staff("civil-officer", "approving_officer", dept=civil),
    }


# kind -> (type name, issuer and officer keys in `world`, holder name, holder code, face)
ISSUES = {
    "business": ("营业执照", "jiangxia", "officer", "武汉鑫达恒通商贸有限公司", COMPANY, BUSINESS_FACE),
    "food": ("食品经营许可证", "jiangxia", "officer", "武汉鑫达恒通商贸有限公司", COMPANY, FOOD_FACE),
    "marriage": ("结婚证", "civil", "civil_officer", "刘洋", PERSON_ID, MARRIAGE_FACE),
    # Another company, registered at 江汉 (its code's region): 江汉 issues its licences (管辖).
    "jianghan_business": (
        "营业执照",
        "jianghan",
        "jianghan_officer",
        "另一家公司",
        OTHER_COMPANY,
        {**BUSINESS_FACE, "credit_code": OTHER_COMPANY},
    ),
}


def issue(world, kind: str, **kw) -> Licence:
    type_name, issuer, officer, holder_name, holder_code, face = ISSUES[kind]
    data = {
        "actor": world[officer],
        "type_code": CODES[type_name],
        "issuer": world[issuer].pk,
        "holder_name": holder_name,
        "holder_code": holder_code,
        "face": face,
        **kw,
    }
    return services.do_issue_licence(**data)


def issue_business(world, **kw) -> Licence:
    return issue(world, "business", **kw)


def issue_food(world, **kw) -> Licence:
    return issue(world, "food", **kw)


def issue_marriage(world, **kw) -> Licence:
    return issue(world, "marriage", **kw)


def issue_at_jianghan(world, **kw) -> Licence:
    """A business licence of OTHER_COMPANY, issued by 江汉 (another department and region)."""
    return issue(world, "jianghan_business", **kw)
