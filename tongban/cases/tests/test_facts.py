"""Cases fetch facts through the data-sharing gateway (issue 12, 免提交 beyond licences): a 户口簿
from 人口库 and a 营业执照 from 法人库 when the item's department holds a grant; without one the
material stays to be uploaded. The fetch carries the case number and purpose, is logged by the
gateway (the person sees it in 数据使用记录), kept as a CaseFact with its values encrypted, and
shown on the officer's page with where it came from; a refused fetch is kept with its code."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone

from tongban.accounts import clients
from tongban.accounts.tests.identity_support import enterprise, person, rid
from tongban.catalog.testing import make_basic_item, make_item
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent
from tongban.exchange import casefetch
from tongban.exchange.testing import call_log_rows, make_grant, make_resource

from .. import services, supplied
from ..models import CASE_FACT_VALUES, Case, CaseFact
from .conftest import FORM, SYSTEM, as_user, make_department, upload


def _has_gateway() -> bool:
    try:
        from tongban.exchange import gateway as _gateway  # noqa: F401
    except ImportError:
        return False
    return True


needs_gateway = pytest.mark.skipif(not _has_gateway(), reason="exchange.gateway is not merged yet")

PERSON_FIELDS = [
    {"key": "name", "name": "姓名", "type": "C", "length": 50, "sensitivity": "personal"},
    {"key": "sex", "name": "性别", "type": "C", "length": 2, "sensitivity": "personal"},
    {"key": "birth_date", "name": "出生日期", "type": "D", "length": 10, "sensitivity": "personal"},
    {"key": "birthplace", "name": "出生地", "type": "C", "length": 100, "sensitivity": "personal"},
]
FIRM_FIELDS = [
    {"key": "name", "name": "单位名称", "type": "C", "length": 200, "sensitivity": "public"},
    {"key": "kind", "name": "主体类型", "type": "C", "length": 20, "sensitivity": "public"},
    {"key": "legal_rep_name", "name": "法定代表人", "type": "C", "length": 50, "sensitivity": "public"},
    {"key": "region_code", "name": "登记地区划", "type": "C", "length": 6, "sensitivity": "public"},
    {"key": "established", "name": "成立日期", "type": "D", "length": 10, "sensitivity": "public"},
    {"key": "status", "name": "登记状态", "type": "C", "length": 20, "sensitivity": "public"},
]
MATERIALS = [
    {"name": "申请书", "originals": 1, "copies": 0},
    {"name": "居民户口簿", "originals": 1, "copies": 1},
]
FIRM_MATERIALS = [
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


@pytest.fixture
def registers(world):
    """人口库 and 法人库 as data services (providers: 公安局, 市场监管局), and the world's department
    system registered (its case system)."""
    police = make_department(region="420100", name="武汉市公安局")
    population = make_resource(
        police, code="RK-001", name="人口基础信息", fields=PERSON_FIELDS, mount_target="population.person"
    )
    legal = make_resource(
        world["dept"],
        code="FR-001",
        name="法人单位基础信息",
        fields=FIRM_FIELDS,
        mount_target="legal_person.entity",
    )
    system = clients.do_register_client(
        actor=SYSTEM,
        name="市场监管审批系统",
        department_id=world["dept"].pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    ).client.client_id
    item = make_item(world["dept"], make_basic_item(name="食品小作坊登记"), materials=MATERIALS)
    form, household = item.materials.order_by("order", "id")
    return {
        "population": population,
        "legal": legal,
        "client_id": system,
        "item": item,
        "form": form,
        "household": household,
        "applicant": person(41, name="王芳", level=2),
    }


def grant(r, world, resource="population", **kw):
    kw.setdefault("purpose_codes", ("licensing",))
    return make_grant(r[resource], world["dept"], client_id=r["client_id"], **kw)


def submit(r, uploads=None, actor=None, item=None):
    return services.do_submit(
        actor=actor or r["applicant"],
        item_code=(item or r["item"]).code,
        data=FORM,
        uploads=uploads if uploads is not None else [upload(r["form"])],
    )


def test_without_a_grant_the_material_stays_to_be_uploaded(registers):
    r = registers
    plan = {p.pk: p for p in services.material_plan(r["applicant"], r["item"])}
    assert plan[r["household"].pk].how == supplied.UPLOAD
    cases = Case.objects.count()
    with pytest.raises(InvalidInput) as exc:
        submit(r)
    assert "居民户口簿" in str(exc.value.problems[0])
    assert Case.objects.count() == cases and CaseFact.objects.count() == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"state": "suspended"},
        {"purpose_codes": ("statistics",)},  # not a purpose cases serve
        {"fields": ("sex",), "purpose_codes": ("enforcement",)},
    ],
)
def test_a_grant_that_cannot_serve_cases_is_no_grant(registers, world, kw):
    grant(registers, world, **kw)
    plan = {p.pk: p for p in services.material_plan(registers["applicant"], registers["item"])}
    assert plan[registers["household"].pk].how == supplied.UPLOAD


def test_a_grant_plans_the_fact_and_the_apply_page_says_where_from(registers, world):
    r = registers
    grant(r, world, fields=("name", "birth_date"))
    plan = {p.pk: p for p in services.material_plan(r["applicant"], r["item"])}
    p = plan[r["household"].pk]
    assert p.how == supplied.FACT
    assert p.fact.grant.fields == ("name", "birth_date") and p.fact.grant.purpose == "licensing"
    assert (p.fact.resource_name, p.fact.provider_name) == ("人口基础信息", "武汉市公安局")
    html = as_user(r["applicant"]).get(f"/cases/apply/{r['item'].code}/").content.decode()
    note = re.sub(r"<[^>]+>", "", html.split('class="exempt-note fact-note"')[1].split("</p>")[0])
    assert note == ">提交后由受理部门通过政务数据共享平台向武汉市公安局调取“人口基础信息”，无需上传。"


def test_a_person_without_an_id_number_is_not_planned(registers, world):
    grant(registers, world)
    unverified = person(42, name="李四", level=1)
    plan = {p.pk: p for p in services.material_plan(unverified, registers["item"])}
    assert plan[registers["household"].pk].how == supplied.UPLOAD


def test_a_refused_fetch_is_kept_with_its_code(registers, world, monkeypatch):
    """The gateway refuses (here: a stand-in answering PROVIDER_TIMEOUT): the case is saved,
    the fact is kept without values, the officer is told to ask for the material."""
    r = registers
    grant(r, world)
    seen = []

    def refused(g, *, subject, case_number):
        seen.append((g.code, subject, case_number, g.purpose))
        return casefetch.Fetched(
            ok=False,
            code=g.code,
            call_id=987654,
            at=timezone.now(),
            error_code="PROVIDER_TIMEOUT",
            message="数据提供方未在3秒内答复",
        )

    monkeypatch.setattr(casefetch, "fetch", refused)
    case = submit(r)
    assert seen == [("RK-001", rid(41), case.number, "licensing")]
    (fact,) = CaseFact.objects.filter(case=case)
    assert (fact.ok, fact.error_code, fact.call_id, fact.values_enc, fact.fields) == (
        False,
        "PROVIDER_TIMEOUT",
        987654,
        "",
        [],
    )
    assert AuditEvent.objects.filter(action="cases.fact.fetch", object_id=str(case.pk)).count() == 1
    html = as_user(world["officer"]).get(f"/workbench/cases/{case.number}/").content.decode()
    assert "未能调取（PROVIDER_TIMEOUT），请要求申请人补正该材料" in html
    assert "调用编号 987654" in html


@needs_gateway
def test_the_case_fetches_the_household_through_the_gateway(registers, world):
    r = registers
    grant(r, world, fields=("name", "sex", "birth_date"))
    case = submit(r)
    (fact,) = CaseFact.objects.filter(case=case)
    assert fact.ok and fact.error_code == ""
    assert (fact.resource_code, fact.resource_name, fact.provider_name, fact.resource_version) == (
        "RK-001",
        "人口基础信息",
        "武汉市公安局",
        1,
    )
    assert sorted((f["key"], f["name"]) for f in fact.fields) == [
        ("birth_date", "出生日期"),
        ("name", "姓名"),
        ("sex", "性别"),
    ]
    values = json.loads(CASE_FACT_VALUES.read(fact))
    assert values["name"] == "王芳" and set(values) == {"name", "sex", "birth_date"}
    assert "王芳" not in fact.values_enc  # encrypted at rest
    (call,) = call_log_rows(pk=fact.call_id)
    assert (
        call["service_code"],
        call["outcome"],
        call["case_number"],
        call["purpose"],
        call["client_id"],
    ) == (
        "RK-001",
        "ok",
        case.number,
        "licensing",
        r["client_id"],
    )
    assert call["subject_index"] == r["applicant"].id_number_index
    assert sorted(call["fields"]) == ["birth_date", "name", "sex"]

    # The officer sees where it came from; the person sees the read in 数据使用记录.
    html = as_user(world["officer"]).get(f"/workbench/cases/{case.number}/").content.decode()
    assert "数据共享调取（免提交）" in html and "来源：武汉市公安局“人口基础信息”（RK-001）" in html
    assert f"调用编号 {call['id']}" in html and "王芳" in html
    mine = as_user(r["applicant"]).get("/accounts/me/data-use/").content.decode()
    assert case.number in mine and "市场监管审批系统" in mine and "姓名" in mine

    # Fetching again for the same case fetches nothing (a replayed submission).
    plans = [p for p in services.material_plan(r["applicant"], r["item"]) if p.how == supplied.FACT]
    from .. import facts

    assert facts.fetch_for_case(case, plans, actor=r["applicant"], who={"legal_person_id": None}) == []
    assert len(call_log_rows(case_number=case.number)) == 1


@needs_gateway
def test_an_over_rate_fetch_is_refused_logged_and_kept(registers, world):
    r = registers
    grant(r, world, rate_limit="1/d")
    first = submit(r)
    second = submit(r)
    assert CaseFact.objects.get(case=first).ok
    fact = CaseFact.objects.get(case=second)
    assert (fact.ok, fact.error_code, fact.values_enc) == (False, "RATE_EXCEEDED", "")
    (refused,) = call_log_rows(pk=fact.call_id)
    assert (refused["outcome"], refused["error_code"], refused["case_number"]) == (
        "refused",
        "RATE_EXCEEDED",
        second.number,
    )


@needs_gateway
def test_an_enterprise_business_licence_from_the_legal_register(registers, world):
    r = registers
    grant(r, world, resource="legal")
    rep = person(43, name="陈建国", level=2)
    _code, mandate = enterprise(rep, 43, name="武汉通办食品有限公司")
    from tongban.accounts import services as account_services

    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    item = make_item(world["dept"], make_basic_item(name="食品经营许可（法人）"), materials=FIRM_MATERIALS)
    form, licence = item.materials.order_by("order", "id")
    plan = {p.pk: p for p in services.material_plan(rep, item)}
    assert plan[licence.pk].how == supplied.FACT
    case = submit(r, uploads=[upload(form)], actor=rep, item=item)
    fact = CaseFact.objects.get(case=case)
    values = json.loads(CASE_FACT_VALUES.read(fact))
    assert fact.ok and values["name"] == "武汉通办食品有限公司" and values["status"] == "存续"
    assert values["legal_rep_name"] == "陈建国"


def test_the_guide_promises_the_fact_to_this_applicant_only(registers, world, client):
    r = registers
    grant(r, world)
    path = f"/items/{r['item'].code}/"

    def supplied_note(html: str) -> str:
        cell = html.split(f'<span lang="zh-Hans">{r["household"].name}</span>', 1)[1].split("</td>")[0]
        return re.sub(r"<[^>]+>", "", cell)

    mine = supplied_note(as_user(r["applicant"]).get(path).content.decode())
    assert "免提交" in mine and "由受理部门通过数据共享调取“人口基础信息”，无需提交" in mine
    anonymous = supplied_note(client.get(path).content.decode())
    assert "数据共享" not in anonymous and "免提交" not in anonymous


def test_the_officer_reads_a_refused_fact_in_english(registers, world, monkeypatch, english):
    from .test_english import in_english

    r = registers
    grant(r, world)
    monkeypatch.setattr(
        casefetch,
        "fetch",
        lambda g, *, subject, case_number: casefetch.Fetched(
            ok=False, code=g.code, call_id=4242, at=timezone.now(), error_code="CIRCUIT_OPEN"
        ),
    )
    case = submit(r)
    html = in_english(world["officer"]).get(f"/workbench/cases/{case.number}/").content.decode()
    assert "Fetched through data sharing (not submitted)" in html
    assert "could not be fetched (CIRCUIT_OPEN): ask the applicant to supply this material" in html
    assert "call no. 4242" in html
