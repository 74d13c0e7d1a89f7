"""The demo province: `seed demo` once per module (inside a transaction rolled back at the end),
then every test reads what it built."""

from __future__ import annotations

import re
import sys
import types
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tongban.accounts import services as accounts_services
from tongban.accounts.models import (
    POPULATION_ID_NUMBER,
    AgentConsent,
    Client,
    LegalPerson,
    LegalPersonRecord,
    Mandate,
    PopulationRecord,
)
from tongban.accounts.queries import acting_options, has_role, my_mandates, my_principals
from tongban.catalog import queries as catalog_queries
from tongban.catalog.checks import check_implementation_code
from tongban.catalog.models import BasicItem, HandlingItem, Material
from tongban.core import queries as core_queries
from tongban.core.identifiers import check_credit_code, check_resident_id
from tongban.core.models import AuditEvent
from tongban.demo import identity, insight_cases, services
from tongban.demo import queries as demo_queries
from tongban.demo.data import featured, people, places
from tongban.demo.data.accounts import ACCOUNTS, BUNDLE_STAFF, CASE_STAFF, DEMO_PASSWORD, PEOPLE, STAFF
from tongban.demo.data.catalogue import all_specs, spec_by_name
from tongban.exchange import queries as exchange_queries

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
ALL_TYPES = {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"}


def _counts() -> dict[str, int]:
    return {
        "departments": core_queries.departments().count(),
        "basic": BasicItem.objects.count(),
        "items": catalog_queries.current_items().count(),
        "materials": Material.objects.count(),
        "handling": HandlingItem.objects.count(),
        "topics": catalog_queries.topics().count(),
        "audit": AuditEvent.objects.count(),
        "users": get_user_model().objects.count(),
        "population": PopulationRecord.objects.count(),
        "legal_register": LegalPersonRecord.objects.count(),
        "legal_persons": LegalPerson.objects.count(),
        "mandates": Mandate.objects.count(),
        "consents": AgentConsent.objects.count(),
        "clients": Client.objects.count(),
        "exchange_entries": exchange_queries.catalogue_stats().total.entries,
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once, keep it for the module's tests, roll everything back afterwards."""
    # The project's tests hash passwords with MD5 (tongban/conftest.py); seed the same way.
    # The other configured hashers stay available behind it (OIDC client secrets may use one).
    # This module tests the core demo; each later app's demo step (tongban/demo/steps.py) has its
    # own test, and the browser tests seed the whole demo.
    hashers = [FAST_HASHER, *settings.PASSWORD_HASHERS]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers),
        mock.patch("tongban.demo.services.LATER_STEPS", []),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        first = StringIO()
        call_command("seed", "demo", stdout=first)
        after_first = _counts()
        second = StringIO()
        call_command("seed", "demo", stdout=second)
        after_second = _counts()
    yield {"first": first.getvalue(), "second": second.getvalue(), "counts": (after_first, after_second)}
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


pytestmark = pytest.mark.django_db


def test_basic_catalogue_covers_every_item_type(demo):
    current = BasicItem.objects.filter(is_current=True)
    assert current.count() >= 150
    assert set(current.values_list("item_type", flat=True)) == ALL_TYPES
    assert current.count() == len(all_specs())
    for code in current.values_list("code", flat=True):
        assert re.fullmatch(r"42(0[1-9]|10|20)\d{5}[0-9A-Z]{3}", code), code
    assert BasicItem.objects.filter(is_current=True, hot__gt=0).count() >= 100
    licence = catalog_queries.basic_item_for(spec_by_name()["内资有限责任公司设立登记"].code)
    assert {t.slug for t in licence.topics.all()} == {"start-business"}


def test_at_least_3000_current_items_across_regions(demo):
    items = catalog_queries.current_items()
    assert items.count() >= 3000
    assert set(items.values_list("level", flat=True)) == {"2", "3", "4", "5"}
    counties = {r for r in items.filter(level="4").values_list("region_id", flat=True)}
    assert len(counties) == 99  # every county has its own items
    cities = {r[:6] for r in items.filter(level="3").values_list("region_id", flat=True)}
    assert len(cities) == 17
    assert set(catalog_queries.count_by_type()) == ALL_TYPES


def test_departments_have_valid_credit_codes_and_contacts(demo):
    depts = list(core_queries.departments())
    assert len(depts) > 800
    for dept in depts:
        assert check_credit_code(dept.credit_code), dept.name
        assert not dept.credit_code_override
        assert dept.phone.startswith(places.area_code(dept.region_id) + "-"), (dept.name, dept.phone)
        assert dept.address and dept.hours
    names = {d.name for d in depts}
    for name in (
        "湖北省市场监督管理局", "湖北省人力资源和社会保障厅", "湖北省公安厅", "湖北省民政厅", "湖北省林业局",
        "湖北省卫生健康委员会", "湖北省住房和城乡建设厅", "湖北省自然资源厅", "湖北省教育考试院",
        "湖北省住房公积金中心", "湖北省税务局", "湖北省医疗保障局", "武汉市行政审批局", "武汉市市场监督管理局",
        "武汉市江汉区行政审批局", "武汉市江岸区行政审批局", "襄阳市不动产登记局", "恩施州林业局", "恩施市林业局",
        "南漳县李庙镇便民服务中心", "武汉市江夏区纸坊街道便民服务中心",
    ):  # fmt: skip
        assert name in names, name
    # Every prefecture-level unit has at least its 行政审批局.
    for code in places.CITY_PREFIX:
        assert any(d.region_id == code + "000000" and d.kind == "approval" for d in depts), code


def test_named_services_exist_with_their_facts(demo):
    for entry in featured.FEATURED:
        spec = spec_by_name()[entry["basic"]]
        hits = [
            i
            for i in catalog_queries.current_items().filter(basic_code=spec.code)
            if i.region_id == core_queries.check_region_code(entry["region"])
        ]
        assert hits, entry["basic"]
    jiangxia = catalog_queries.get_guide(demo_queries.featured_licence_code())
    assert jiangxia.department.name == "武汉市江夏区行政审批局"
    assert jiangxia.result_name == "营业执照"
    assert any("B21" in p["name"] for p in jiangxia.places)
    for query, at_least in {
        "营业执照": 2, "食品经营许可证": 2, "林木采伐许可证": 1, "特殊工时": 1, "不动产登记": 2, "出生医学证明": 1,
        "新生儿落户": 1, "结婚登记预约": 1, "社保缴费": 1, "社会保险费缴纳": 1, "公积金查询": 1, "高考成绩查询": 1,
        "企业开办": 1,
    }.items():  # fmt: skip
        total, _ = catalog_queries.search_items(catalog_queries.SearchFilters(q=query))
        assert total >= at_least, query
    xiangyang = catalog_queries.search_items(catalog_queries.SearchFilters(q="不动产登记", region="420600"))[
        1
    ]
    transfer = next(i for i in xiangyang if i.department.name == "襄阳市不动产登记局" and "转移" in i.name)
    assert (transfer.promised_limit, transfer.promised_unit, transfer.charged) == (5, "workday", True)
    jiangan = [
        i for i in catalog_queries.department_items(_dept("武汉市江岸区行政审批局").pk) if "工时" in i.name
    ]
    assert jiangan and jiangan[0].fully_online and "post" in jiangan[0].delivery_methods
    exam = catalog_queries.search_items(catalog_queries.SearchFilters(q="高考成绩查询"))[1][0]
    assert exam.department.name == "湖北省教育考试院" and exam.case_type == "1"


def _dept(name: str):
    return next(d for d in core_queries.departments() if d.name == name)


def test_guides_are_complete_and_follow_the_rules(demo):
    fields = (
        "code", "basic_code", "level", "department__credit_code", "region_id", "statutory_limit", "statutory_unit",
        "promised_limit", "promised_unit", "case_type", "visits", "visit_reason", "fully_online", "handling_forms",
        "charged", "fees", "fee_basis", "nearby", "steps", "places", "consult_phone", "complaint_phone", "faqs",
        "description", "conditions", "result_name", "result_sample", "delivery_methods",
    )  # fmt: skip
    rows = list(catalog_queries.current_items().values(*fields))
    for r in rows:
        code = r["code"]
        assert not check_implementation_code(
            code, department_credit_code=r["department__credit_code"], level=r["level"]
        )
        assert code.endswith(r["basic_code"])
        assert (r["case_type"] == "1") == (r["promised_limit"] == 0), code
        if r["statutory_unit"] == r["promised_unit"]:
            assert r["promised_limit"] <= r["statutory_limit"], code
        assert not r["fully_online"] or (r["visits"] == 0 and {"2", "3"} & set(r["handling_forms"])), code
        assert r["visits"] == 0 or r["visit_reason"], code
        assert not r["charged"] or (r["fees"] and r["fee_basis"]), code
        if r["level"] == "5":
            assert r["nearby"], code
        assert r["steps"] and r["places"] and r["faqs"] and r["delivery_methods"], code
        assert r["description"] and r["conditions"] and r["result_name"] and r["result_sample"], code
        assert r["complaint_phone"] == "12345"
        if r["level"] != "2" and r["consult_phone"][0] == "0":
            assert r["consult_phone"].startswith(places.area_code(r["region_id"])), code
    visits = [r["visits"] for r in rows]
    assert sum(v == 0 for v in visits) / len(visits) > 0.55  # 零跑动
    assert sum(v <= 1 for v in visits) / len(visits) > 0.95  # 最多跑一次
    assert 0.05 < sum(r["charged"] for r in rows) / len(rows) < 0.2  # most are free
    indicators = catalog_queries.indicators(catalog_queries.SearchFilters())
    assert indicators["online_rate"] > 85 and indicators["nearby"] > 100


def test_materials_and_handling_items(demo):
    items = catalog_queries.current_items()
    assert Material.objects.filter(item__in=items).values("item").distinct().count() == items.count()
    assert HandlingItem.objects.filter(item__in=items).values("item").distinct().count() == items.count()
    for code, item_code in HandlingItem.objects.filter(item__in=items).values_list("code", "item__code")[
        :5000
    ]:
        assert re.fullmatch(re.escape(item_code) + r"\d{3}", code)
    licences = Material.objects.filter(item__in=items).exclude(license_type_code="")
    assert {"营业执照", "居民身份证", "结婚证", "出生医学证明", "居民户口簿", "不动产权证书"} <= set(
        licences.values_list("license_type_name", flat=True)
    )
    for code, name in licences.values_list("license_type_code", "license_type_name").distinct():
        assert check_credit_code(code[:18]) and code[18:].isdigit() and name
    kinds = set(HandlingItem.objects.filter(item__in=items).values_list("kind", flat=True))
    assert {"new", "change", "renewal", "cancel"} <= kinds
    assert Material.objects.filter(item__in=items, requirement="deferrable").exists()  # 容缺后补


def test_four_sames_report_has_about_one_percent(demo):
    report = catalog_queries.four_sames_report()
    total = catalog_queries.current_items().count()
    assert 0.005 * total <= len(report) <= 0.02 * total
    assert {"name", "legal_basis"} == {f for d in report for f in d.fields}
    featured_codes = {demo_queries.featured_licence_code()}
    assert not featured_codes & {d.item.code for d in report}


def test_second_run_reuses_the_demo_and_writes_nothing(demo):
    after_first, after_second = demo["counts"]
    assert after_first == after_second
    assert after_first["population"] == people.POPULATION == 3000
    # + the company 王芳's demo 设立登记 registered when it was concluded with 出证
    assert after_first["legal_register"] == people.LEGAL_PERSONS + 1 == 301
    # + the villager, one window clerk per prefecture-level city's hall and the story
    # departments' approving staff (demo/cases.py)
    # + the staff of every implementing body (demo/cases.py ensure_body_staff)
    body_staff = get_user_model().objects.filter(
        kind="staff", username__regex=r"-(officer|head|clerk)-[0-9]+$"
    )
    assert body_staff.count() > 2 * 800
    # + the spread's online citizens and walk-ins (demo/insight_cases.py, its line says how many)
    walk_ins = int(re.search(r"insight cases: \d+ cases in \d+ cities \((\d+) walk-ins", demo["first"])[1])
    spread = insight_cases.ONLINE_CITIZENS + walk_ins
    assert after_first["users"] == (
        len(ACCOUNTS)
        + len(PEOPLE)
        + 1
        + 17
        + len(CASE_STAFF)
        + len(BUNDLE_STAFF)
        + body_staff.count()
        + spread
    )
    assert (after_first["legal_persons"], after_first["mandates"], after_first["consents"]) == (2, 3, 1)
    assert after_first["clients"] == 2  # the demo RP and 江汉's food-licence system (exchange_story)
    assert "already seeded" in demo["second"]
    assert "reused" in demo["second"]
    assert "seeded in" in demo["first"]


def test_generation_is_deterministic(demo):
    units = services.load_units()
    first, n1 = services.build_bundles(units)
    second, n2 = services.build_bundles(services.load_units())
    assert n1 == n2
    assert [b.data for b in first] == [b.data for b in second]
    assert [b.materials for b in first] == [b.materials for b in second]
    assert {b.data["code"] for b in first} == set(
        catalog_queries.current_items().values_list("code", flat=True)
    )


def test_staff_accounts(demo):
    names = [a.username for a in STAFF]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    assert set(users) == {
        "admin", "editor", "reviewer", "clerk", "officer", "deptadmin", "platform", "inspector", "hotline",
        "steward", "officer-jiangan", "deptadmin-jiangan", "officer-enshi", "officer-jianghan",
        "deptadmin-jianghan", "officer-gongan", "officer-renshe", "deptadmin-renshe", "officer-shuiwu",
        "officer-gjj",
    }  # fmt: skip
    assert len({a.totp_secret for a in STAFF}) == len(STAFF)
    for acc in STAFF:
        user = users[acc.username]
        assert user.kind == "staff" and user.is_staff and user.check_password(DEMO_PASSWORD)
        assert accounts_services.totp_secret(user) == acc.totp_secret
        assert user.totp_confirmed_at is not None
        for role in acc.roles:
            assert has_role(user, role), (acc.username, role)
        assert set(user.groups.values_list("name", flat=True)) == set(acc.roles)
        assert (user.department.name if user.department else "") == acc.department
    for role in ("window_clerk", "approving_officer", "department_admin", "platform_admin", "inspector",
                 "hotline_operator", "data_steward"):  # fmt: skip
        assert any(role in a.roles and not a.superuser for a in ACCOUNTS), role
    assert users["admin"].is_superuser and users["admin"].check_password(DEMO_PASSWORD)
    assert has_role(users["editor"], "catalog_editor") and not users["editor"].is_superuser
    assert users["editor"].department.name == "武汉市行政审批局"
    assert has_role(users["reviewer"], "catalog_reviewer")
    assert len(DEMO_PASSWORD) >= 10


def test_demo_info_prints_accounts_and_urls(demo):
    out = StringIO()
    call_command("demo_info", "--host", "demo.example", "--port", "8123", stdout=out)
    text = out.getvalue()
    for part in (
        "http://demo.example:8123/",
        "http://demo.example:8123/search/?q=营业执照",
        f"http://demo.example:8123/items/{demo_queries.featured_licence_code()}/",
        "http://demo.example:8123/workbench/catalog/",
        f"http://demo.example:8123/cases/apply/{demo_queries.featured_licence_code()}/",
        "http://demo.example:8123/cases/",
        "http://demo.example:8123/workbench/cases/",
        "http://demo.example:8123/workbench/identity/",
        "http://demo.example:8123/admin/",
        "http://demo.example:8123/api/v1/catalog/items?q=社保",
        "http://demo.example:8123/api/v1/docs",
        "admin",
        "editor",
        "reviewer",
        DEMO_PASSWORD,
        "pyotp.TOTP(",
    ):
        assert part in text
    for acc in STAFF:
        line = next(li for li in text.splitlines() if li.strip().startswith(acc.username + " "))
        assert acc.totp_secret in line and acc.role_label in line
    for p in PEOPLE:
        line = next(li for li in text.splitlines() if p.mobile in li)
        assert p.display_name in line and p.role_label in line and DEMO_PASSWORD in line


def test_seed_scale_passes_its_arguments(monkeypatch):
    calls = []
    fake = types.ModuleType("tongban.demo.scale")
    fake.generate_scale_catalog = lambda **kw: calls.append(kw)
    monkeypatch.setitem(sys.modules, "tongban.demo.scale", fake)
    out = StringIO()
    call_command("seed", "scale", "--items", "1234", "--seed", "7", stdout=out)
    assert calls == [{"items": 1234, "seed": 7, "stdout": calls[0]["stdout"]}]
    assert calls[0]["stdout"].write  # the command's stdout wrapper


# --- Identity data (人口库, 法人库, demo citizens) ------------------------------------------------


def test_population_register_is_valid_synthetic_hubei_people(demo):
    counties = {u.code6 for u in services.load_units() if u.level == 3}
    rows = list(
        PopulationRecord.objects.values_list(
            "name", "id_number_enc", "id_number_index", "birthplace", "sex", "birth_date"
        )
    )
    assert len(rows) == 3000
    ids = set()
    for name, enc, index, birthplace, sex, born in rows:
        pid = POPULATION_ID_NUMBER.decrypt(enc, id_number_index=index)
        assert check_resident_id(pid).ok, pid
        assert pid[:6] == birthplace and birthplace in counties
        assert sex == ("M" if int(pid[16]) % 2 else "F")
        assert f"{born:%Y%m%d}" == pid[6:14]
        assert 2 <= len(name) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in name), name
        ids.add(pid)
    assert len(ids) == 3000
    assert len({r[0][0] for r in rows}) > 50  # many surnames
    assert len({r[2] for r in rows}) > 80  # born all over the province


def test_legal_person_register_has_valid_credit_codes(demo):
    rows = list(LegalPersonRecord.objects.values_list("credit_code", "name", "kind", "region_code"))
    assert len(rows) == 301  # the register's 300 and the company the demo's 设立登记 created
    assert len({r[1] for r in rows}) == 301
    assert "武汉芳华餐饮管理有限公司" in {r[1] for r in rows}
    for code, _name, kind, region in rows:
        assert check_credit_code(code).ok
        assert code[:2] == {"enterprise": "91", "institution": "12", "social_org": "51"}[kind]
        assert code[2:8] == region and region.startswith("42")
    kinds = [r[2] for r in rows]
    assert kinds.count("enterprise") > 200 and "institution" in kinds and "social_org" in kinds


def test_generators_are_deterministic():
    counties = ["420102", "420624", "422801"]
    first = people.population(counties, size=50)
    assert first == people.population(counties, size=50)
    names = {"420102": "江岸区", "420624": "南漳县", "422801": "恩施市"}
    assert people.legal_persons(first, names, size=20) == people.legal_persons(first, names, size=20)
    # The named demo people do not depend on the counties or the size.
    assert first[:6] == people.population(["420111"], size=6)


def _citizen(key):
    spec = next(p for p in PEOPLE if p.key == key)
    return accounts_services.authenticate_password(identifier=spec.mobile, password=DEMO_PASSWORD)


def test_citizens_sign_in_by_mobile_at_their_levels(demo):
    for spec in PEOPLE:
        user = _citizen(spec.key)
        assert (user.display_name, user.assurance_level, user.kind) == (
            spec.display_name,
            spec.level,
            "person",
        )
        if spec.level >= 2:
            pid = accounts_services.reveal_id_number(user)
            record = PopulationRecord.objects.get(id_number_index=user.id_number_index)
            assert record.name == user.display_name and check_resident_id(pid).ok
        else:
            assert not user.id_number_enc
    l3 = _citizen("citizen_l3")
    assert l3.verified_by.username == "clerk"


def test_enterprise_mandate_and_helper_consent(demo):
    rep, agent, helper = _citizen("legal_rep"), _citizen("agent"), _citizen("helper")
    [rep_mandate] = my_mandates(rep)
    assert rep_mandate.role == "legal_rep" and rep_mandate.legal_person.name == people.DEMO_ENTERPRISE
    assert LegalPersonRecord.objects.get(credit_code=rep_mandate.legal_person.credit_code).name == (
        people.DEMO_ENTERPRISE
    )
    [agent_mandate] = my_mandates(agent)
    assert agent_mandate.legal_person_id == rep_mandate.legal_person_id
    assert agent_mandate.role == "agent" and not agent_mandate.all_items and agent_mandate.granted_by == rep
    assert agent_mandate.item_codes == sorted(identity.agent_item_codes())
    assert demo_queries.featured_licence_code() in agent_mandate.item_codes
    assert 364 <= (agent_mandate.expires_at - agent_mandate.granted_at).days <= 365
    [consent] = my_principals(helper)
    assert consent.principal.display_name == "黄桂英" and consent.principal.assurance_level == 3
    assert not consent.principal.has_usable_password() and not consent.principal.mobile_index
    assert (consent.relation, consent.consent_method, consent.all_items) == (
        "village_helper",
        "in_person",
        False,  # a hall consent lists items of the hall's region
    )
    assert consent.item_codes == sorted(identity.helper_item_codes(consent.recorded_by))
    assert len(consent.item_codes) == identity.HELPER_ITEMS
    assert consent.recorded_by.username == "clerk"
    assert [o["kind"] for o in acting_options(helper)] == ["self", "principal"]
    assert [o["kind"] for o in acting_options(agent)] == ["self", "enterprise"]


def test_demo_oidc_client(demo):
    client = Client.objects.get(name="演示部门业务系统")
    assert client.skip_authorization and client.client_type == "confidential"
    assert client.authorization_grant_type == "authorization-code"
    assert client.redirect_uris == (
        "http://127.0.0.1:8000/demo/department/callback/ http://localhost:8000/demo/department/callback/"
    )
    assert client.post_logout_redirect_uris == (
        "http://127.0.0.1:8000/demo/department/signed-out/ http://localhost:8000/demo/department/signed-out/"
    )
    assert client.client_id == settings.DEMO_RP_CLIENT_ID == "tongban-demo-department"
    assert client.hash_client_secret and check_password(settings.DEMO_RP_CLIENT_SECRET, client.client_secret)
    assert "DEMO_RP_CLIENT_SECRET" in demo["first"] and client.client_id in demo["first"]
    assert settings.DEMO_RP_CLIENT_SECRET not in demo["first"]  # named, never printed
    out = StringIO()
    call_command("demo_info", stdout=out)
    assert client.client_id in out.getvalue()
    assert "http://127.0.0.1:8000/demo/department/" in out.getvalue()
    assert "http://localhost:8000/demo/department/callback/" in out.getvalue()


def test_demo_cases_chains_clerks_and_queues(demo):
    from tongban.accounts import queries as account_queries
    from tongban.cases import notices
    from tongban.cases import queries as case_queries
    from tongban.cases import services as case_services
    from tongban.cases.clock import today
    from tongban.demo import cases as demo_cases

    for basic, region, steps in demo_cases.CHAINS:
        code = demo_cases.featured_code(basic, region)
        assert code is not None and case_services.chain_for(code, 0) == steps
        # every step of every featured chain has a demo account that may complete it
        department = catalog_queries.get_guide(code).department_id
        staff = list(account_queries.staff_of_department(department))
        for step in steps:
            assert any(step["role"] in account_queries.role_names(u) for u in staff), (basic, step)
    assert {
        u.username: u.department.name
        for u in get_user_model().objects.filter(username__in=[a.username for a in CASE_STAFF])
    } == {
        "officer-jiangan": "武汉市江岸区行政审批局",
        "deptadmin-jiangan": "武汉市江岸区行政审批局",
        "officer-enshi": "恩施市林业局",
        "officer-jianghan": "武汉市江汉区行政审批局",
        "deptadmin-jianghan": "武汉市江汉区行政审批局",
    }
    assert {
        u.username: u.department.name
        for u in get_user_model().objects.filter(username__in=[a.username for a in BUNDLE_STAFF])
    } == {
        "officer-gongan": "武汉市公安局",
        "officer-renshe": "武汉市江夏区人力资源和社会保障局",
        "deptadmin-renshe": "武汉市江夏区人力资源和社会保障局",
        "officer-shuiwu": "武汉市税务局",
        "officer-gjj": "武汉住房公积金管理中心",
    }
    named = CASE_STAFF + BUNDLE_STAFF
    assert f"{len(named)} approving staff ({', '.join(a.username for a in named)})" in demo["first"]
    clerks = get_user_model().objects.filter(username__startswith="clerk-")
    assert clerks.count() == 17 and all(account_queries.has_role(u, "window_clerk") for u in clerks)
    states = {
        key: sorted(c.state for c in case_queries.cases_of(_citizen(key)))
        for key in ("citizen_l1", "citizen_l2", "citizen_l3")
    }
    assert states == {
        "citizen_l1": ["supplement"],
        "citizen_l2": ["delivered", "submitted"],
        "citizen_l3": ["accepted", "paused"],
    }
    officer = get_user_model().objects.get(username="officer")
    sizes = {k: case_queries.queue(officer, k, on=today()).count() for k in ("precheck", "team", "paused")}
    assert sizes == {"precheck": 1, "team": 1, "paused": 1}  # a paused case waits in 暂停计时 only
    done = next(c for c in case_queries.cases_of(_citizen("citizen_l2")) if c.state == "delivered")
    assert [n.kind for n in notices.notices_of(done)] == ["acceptance", "grant"]
    assert "demo cases" in demo["first"]


def test_a_demo_without_the_story_staff_gets_them_on_the_next_seed(demo):
    from tongban.demo import cases as demo_cases

    with transaction.atomic():
        get_user_model().objects.filter(username="officer-enshi").delete()
        said = []
        wrote = demo_cases.seed_cases(actor="system:seed", say=said.append)
        assert wrote == {"chains": 0, "clerks": [], "staff": ["officer-enshi"], "body_staff": 0, "cases": []}
        user = get_user_model().objects.get(username="officer-enshi")
        assert (user.department.name, user.check_password(DEMO_PASSWORD)) == ("恩施市林业局", True)
        assert accounts_services.totp_secret(user) == "TONGBANDEMOENSHIOFFICERZZVIAAAAA"
        assert has_role(user, "approving_officer") and user.totp_confirmed_at is not None
        assert said == [
            "cases: 0 approval chains and forms, 0 city window clerks, 1 approving staff (officer-enshi), "
            "0 staff of the implementing bodies, 0 demo cases"
        ]
        # and a second run writes nothing
        assert demo_cases.seed_cases(actor="system:seed", say=said.append)["staff"] == []
        transaction.set_rollback(True)


def test_every_implementing_body_has_staff_for_each_step_of_its_chains(demo):
    """For every department with a published item, as many different people holding each
    step's role as the item's chain needs under separation of duties: no case dead-ends."""
    from tongban.cases import services as case_services
    from tongban.demo.data.accounts import body_totp_secret

    holders: dict[int, dict[str, set[int]]] = {}
    for pk, dept, role in (
        get_user_model()
        .objects.filter(kind="staff", department__isnull=False)
        .values_list("pk", "department_id", "groups__name")
    ):
        holders.setdefault(dept, {}).setdefault(role, set()).add(pk)
    items = list(catalog_queries.current_items().values_list("department_id", "code", "name"))
    assert len({d for d, _, _ in items}) > 800
    for dept, code, name in items:
        steps = case_services.chain_for(code, 0)
        assert steps, code
        separate = case_services.chain_separates(code)
        people: set[int] = set()
        for step in steps:
            have = holders.get(dept, {}).get(step["role"], set())
            wanted = sum(s["role"] == step["role"] for s in steps) if separate else 1
            assert len(have) >= wanted, (name, code, step)
            people |= have
        assert len(people) >= (len(steps) if separate else 1), (name, code)
    limiao = get_user_model().objects.get(username="limiao-officer-1")
    assert limiao.department.name == "南漳县李庙镇便民服务中心" and limiao.check_password(DEMO_PASSWORD)
    assert accounts_services.totp_secret(limiao) == body_totp_secret("limiao-officer-1")
    assert limiao.totp_confirmed_at is not None


def test_the_limiao_shop_licence_goes_through_the_centre_staffs_queues(demo):
    """Regression (issue 11): 个体工商户设立登记 at 李庙镇便民服务中心 had no officer, no queue
    showed it, and the superuser took 承办, 审核 and 批准 alone."""
    from tongban.cases import queries as case_queries
    from tongban.cases import services as case_services
    from tongban.cases.clock import today
    from tongban.core.errors import Forbidden
    from tongban.demo import cases as demo_cases

    users = get_user_model().objects
    code = (
        catalog_queries.current_items()
        .get(name="个体工商户设立登记", department__name="南漳县李庙镇便民服务中心")
        .code
    )
    officer1, officer2 = users.get(username="limiao-officer-1"), users.get(username="limiao-officer-2")
    head, admin = users.get(username="limiao-head-1"), users.get(username="admin")
    on = today()

    def queued(user, kind, number):
        return case_queries.queue(user, kind, on=on).filter(number=number).exists()

    with transaction.atomic():
        wang = _citizen("citizen_l2")
        case = case_services.do_submit(
            actor=wang,
            item_code=code,
            data=demo_cases._form(wang, "个体工商户设立登记"),
            uploads=demo_cases._uploads(code),
        )
        number = case.number
        assert queued(officer1, "precheck", number) and queued(admin, "precheck", number)
        case_services.do_accept(actor=officer1, number=number)
        assert queued(officer1, "team", number) and queued(officer2, "team", number)
        assert queued(admin, "team", number) and not queued(head, "team", number)
        case_services.do_complete_step(
            actor=officer1, number=number, step_index=0, outcome="pass", comment="同意"
        )
        assert not queued(officer1, "team", number) and queued(officer2, "team", number)
        case_services.do_complete_step(
            actor=officer2, number=number, step_index=1, outcome="pass", comment="同意"
        )
        assert queued(head, "team", number)
        with pytest.raises(Forbidden):  # 审核 was officer2's: 批准 is not theirs
            case_services.do_complete_step(
                actor=officer2, number=number, step_index=2, outcome="pass", comment="x"
            )
        case_services.do_complete_step(
            actor=head, number=number, step_index=2, outcome="pass", comment="准予"
        )
        steps = case_queries.case_steps(case_queries.cases_of(wang).get(number=number))
        assert [s.completed_by.username for s in steps] == [
            "limiao-officer-1",
            "limiao-officer-2",
            "limiao-head-1",
        ]
        transaction.set_rollback(True)


def test_the_data_sharing_story(demo):
    """江汉's food-licence system asked for 法人库 fields, 江夏 approved, the system called: 王芳
    sees the read of her company; an over-rate and a refused call are in the chained log; a
    request waits for a visitor; a second seed wrote nothing of it again."""
    from tongban.core.crypto import blind_index
    from tongban.demo import exchange_story as story
    from tongban.exchange import datause, grants, registers
    from tongban.exchange import queries as exchange_queries
    from tongban.exchange.enums import GrantState, RequestState
    from tongban.exchange.testing import call_log_rows

    codes = {s.code for s in registers.REGISTERS}
    assert {"RK-001", "RK-002", "FR-001", "FR-002", "ZZ-001", "ZZ-002", "XY-001", "KJ-001", "HG-001"} <= codes
    assert all(grants.current_resource(code) is not None for code in codes)
    assert set(exchange_queries.mounts_of(codes)) == codes

    grant = grants.live_grant(story.CLIENT_ID, story.CODE)
    assert grant.state == GrantState.ACTIVE and grant.fields == story.GRANTED_FIELDS
    assert grant.rate_limit == story.RATE and grant.purpose_codes == [story.PURPOSE]
    assert grant.department.name == story.JIANGHAN and grant.resource.provider.name == story.JIANGXIA
    users = get_user_model().objects
    assert grant.request.submitted_by == f"user:{users.get(username=story.REQUESTER_ADMIN).pk}"
    assert grant.request.decided_by == f"user:{users.get(username=story.PROVIDER_ADMIN).pk}"
    requester = users.get(username=story.REQUESTER_ADMIN)
    pending = grants.outgoing_requests(requester).get(
        client_id=story.CLIENT_ID, resource__code=story.CODE, state=RequestState.PENDING
    )
    assert set(pending.fields) == set(story.PENDING_FIELDS) and story.OUTSIDE_FIELD not in grant.fields

    calls = call_log_rows(client_id=story.CLIENT_ID)
    assert [(c["outcome"], c["error_code"]) for c in calls] == [("ok", "")] * 5 + [
        ("refused", "RATE_EXCEEDED"),
        ("refused", "FIELD_NOT_GRANTED"),
    ]
    company = story.company_credit_code()
    assert sorted(calls[0]["fields"]) == sorted(story.GRANTED_FIELDS) and calls[-1]["fields"] == []
    assert all(company not in c["subject_masked"] for c in calls)
    assert calls[0]["subject_index"] == blind_index(company, purpose="credit")

    wangfang = get_user_model().objects.get(mobile_index=blind_index("17000000002", purpose="mobile"))
    _, page = datause.reads(wangfang)
    mine = [r for r in page.rows if r.source == datause.GATEWAY and story.CODE in r.what]
    assert len(mine) == 3  # the read, the over-rate call and the refused one (both marked)
    read = next(r for r in mine if r.is_read)
    assert story.JIANGHAN in read.who and story.SYSTEM_NAME in read.who
    assert "登记状态" in read.fields and "名称" in read.fields
    assert sum(r.is_read for r in mine) == 1

    out = StringIO()
    call_command("exchange", "verify-log", stdout=out)
    out = StringIO()
    call_command("demo_info", stdout=out)
    text = out.getvalue()
    assert story.CLIENT_ID in text and story.CLIENT_SECRET in text
    assert f"/exchange/v1/services/{story.CODE}/query" in text and company in text
    assert "exchange story" in demo["first"] and "exchange story" not in demo["second"]


def test_exchange_catalogue_registers_and_mounted_share(demo):
    """The six registers catalogued and mounted (法人库 by 江夏's 行政审批局), a catalogue for the
    departments, and the province's mounted share near Hubei's 79.7%."""
    stats = exchange_queries.catalogue_stats()
    assert stats.total.entries > 1000
    assert abs(stats.total.mounted_share - 79.7) <= 0.3
    assert "data sharing 共享交换: registers 9 created, 9 mounted" in demo["first"]
    assert (
        "data sharing 共享交换: registers 0 created, 0 mounted; department entries 0 created"
        in demo["second"]
    )
    fr = exchange_queries.current_entry("FR-001")
    assert (fr.provider.name, fr.share_type, fr.state) == (
        "武汉市江夏区行政审批局",
        "conditional",
        "published",
    )
    assert exchange_queries.current_entry("RK-001").provider.name == "湖北省公安厅"
    mounts = exchange_queries.mounts_of(
        ["RK-001", "RK-002", "FR-001", "FR-002", "ZZ-001", "ZZ-002", "XY-001", "KJ-001", "HG-001"]
    )
    assert len(mounts) == 9 and {m.state for m in mounts.values()} == {"mounted"}
    jianghan = core_queries.departments().get(name="武汉市江汉区行政审批局")
    assert exchange_queries.catalogue_stats(jianghan.pk).total.entries >= 1
