"""出证: a case concluded with 出证 issues its item's result licence into the e-licence library,
its face taken from the application form and what the case knows, completed by the officer
where the form is silent; a person's 设立登记 registers the new company first."""

from __future__ import annotations

import json

import pytest

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import enterprise, person
from tongban.cases import services
from tongban.cases.models import Case, CaseEvent
from tongban.catalog import services as catalog_services
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import check_credit_code
from tongban.demo.data import forms as demo_forms
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services

from .conftest import SYSTEM, as_user, counts, staff, upload
from .test_services import run_steps

BUSINESS_TYPE = "11100000000013338W001"  # what the catalogue's test material names
FOOD_TYPE = "11100000000013338W002"
FOOD_FORM, FOOD_ANSWERS = demo_forms.FORMS["食品经营许可"]
SETUP_FORM, SETUP_ANSWERS = demo_forms.FORMS["内资有限责任公司设立登记"]


@pytest.fixture
def issuing(world):
    """The two licence types, issued by the item's department; the item's result is the food
    business licence; 陈建国 represents 武汉鑫达商贸有限公司."""
    licence_services.do_seed_standard_types(
        actor=SYSTEM,
        codes={"营业执照": BUSINESS_TYPE, "食品经营许可证": FOOD_TYPE},
        issuers={"营业执照": [world["dept"].pk], "食品经营许可证": [world["dept"].pk]},
    )
    configure(world, FOOD_TYPE)
    rep = person(7, name="陈建国", level=2)
    credit_code, mandate = enterprise(rep, 7, name="武汉鑫达商贸有限公司")
    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rep.refresh_from_db()
    return {"rep": rep, "credit_code": credit_code}


def configure(world, type_code: str, schema: dict | None = None) -> None:
    catalog_services.do_set_result_licence_type(
        actor=SYSTEM, item_ids=[world["item"].pk], type_code=type_code
    )
    world["item"].refresh_from_db()
    if schema is not None:
        editor = staff("editor", "catalog_editor")
        services.do_set_form(actor=editor, item_pk=world["item"].pk, schema=schema)


def decided(world, actor, form: dict) -> Case:
    case = services.do_submit(
        actor=actor,
        item_code=world["item"].code,
        data=form,
        uploads=[upload(m) for m in world["materials"]],
    )
    services.do_accept(actor=world["officer"], number=case.number)
    return run_steps(world, case)


def food_form(name: str, contact: str) -> dict:
    return demo_forms.filled(
        "食品经营许可",
        applicant_name=name,
        person_name=contact,
        phone="13900000007",
        request="申请食品经营许可",
    )


def test_concluding_with_issue_signs_the_food_licence_into_the_enterprises_name(world, issuing):
    configure(world, FOOD_TYPE, FOOD_FORM)
    case = decided(world, issuing["rep"], food_form("武汉鑫达商贸有限公司", "陈建国"))
    case = services.do_conclude(actor=world["officer"], number=case.number)
    assert (case.state, case.result_code) == ("concluded", "01")
    licence = licence_queries.get_licence(case.result_licence)
    assert (licence.name, licence.holder_name, licence.issuer_id, licence.case_number, licence.state) == (
        "食品经营许可证",
        "武汉鑫达商贸有限公司",
        world["dept"].pk,
        case.number,
        "valid",
    )
    assert licence_queries.licence_holder_code(licence) == issuing["credit_code"]
    assert licence_queries.licence_face(licence) == {
        "credit_code": issuing["credit_code"],
        "legal_representative": "陈建国",  # the enterprise's, from the legal-person register
        **{k: FOOD_ANSWERS[k] for k in ("domicile", "premises", "main_business", "business_items")},
    }
    assert licence.issued_by == f"user:{world['officer'].pk}"
    assert licence_services.verify_licence(licence.identifier).valid
    event = CaseEvent.objects.get(case=case, action="conclude")
    assert event.data["licence"] == licence.identifier
    assert event.note == f"准予许可，电子食品经营许可证已签发（{licence.identifier}）"
    # the holder finds it in 我的证照 while acting for the enterprise
    assert licence.identifier in as_user(issuing["rep"]).get("/licences/").content.decode()


def test_what_the_form_does_not_give_is_named_field_by_field_and_nothing_changes(world, issuing):
    case = decided(world, issuing["rep"], food_form("武汉鑫达商贸有限公司", "陈建国"))  # default form
    before = (
        counts(),
        licence_queries.licence_types().count(),
        account_queries.legal_register_records().count(),
    )
    with pytest.raises(InvalidInput) as exc:
        services.do_conclude(actor=world["officer"], number=case.number)
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("licence_face.domicile", "请填写证照信息：住所"),
        ("licence_face.premises", "请填写证照信息：经营场所"),
        ("licence_face.main_business", "请填写证照信息：主体业态"),
        ("licence_face.business_items", "请填写证照信息：经营项目"),
    ]
    case.refresh_from_db()
    assert (case.state, case.result_licence) == ("decided", "")
    assert (
        counts(),
        licence_queries.licence_types().count(),
        account_queries.legal_register_records().count(),
    ) == before
    assert not licence_queries.licences_of_holder(issuing["credit_code"]).exists()
    # a wrong choice is named too, and still nothing is written
    given = {k: FOOD_ANSWERS[k] for k in ("domicile", "premises", "business_items")}
    with pytest.raises(InvalidInput) as exc:
        services.do_conclude(
            actor=world["officer"], number=case.number, licence_face={**given, "main_business": "网吧"}
        )
    assert [p.field for p in exc.value.problems] == ["licence_face.main_business"]
    assert counts() == before[0]
    # so is a key the licence has no place for (a typo must not be dropped silently)
    with pytest.raises(InvalidInput) as exc:
        services.do_conclude(
            actor=world["officer"],
            number=case.number,
            licence_face={**given, "main_busines": "餐饮服务经营者"},
        )
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("licence_face.main_business", "请填写证照信息：主体业态"),
        ("licence_face.main_busines", "食品经营许可证没有这一照面信息项"),
    ]
    assert counts() == before[0]
    # the officer completes it through the API: issued with their values
    r = as_user(world["officer"]).post(
        f"/api/v1/cases/{case.number}/conclude",
        json.dumps({"licence_face": {**given, "main_business": "餐饮服务经营者"}}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    licence = licence_queries.get_licence(r.json()["result_licence"])
    assert licence_queries.licence_face(licence)["main_business"] == "餐饮服务经营者"


def test_a_permit_concluded_as_granted_without_a_certificate_issues_nothing(world, issuing):
    configure(world, FOOD_TYPE, FOOD_FORM)
    case = decided(world, issuing["rep"], food_form("武汉鑫达商贸有限公司", "陈建国"))
    case = services.do_conclude(actor=world["officer"], number=case.number, result_code="02")
    assert (case.state, case.result_code, case.result_licence) == ("concluded", "02", "")
    assert not licence_queries.licences_of_holder(issuing["credit_code"]).exists()


def test_a_persons_company_registration_registers_the_company_and_issues_its_business_licence(world, issuing):
    configure(world, BUSINESS_TYPE, SETUP_FORM)
    founder = person(8, name="王芳", level=2)
    form = demo_forms.filled(
        "内资有限责任公司设立登记",
        applicant_name="王芳",
        person_name="王芳",
        phone="13900000008",
        request="申请设立登记",
    )
    case = decided(world, founder, form)
    case = services.do_conclude(actor=world["officer"], number=case.number)
    record = account_queries.legal_register_records().get(name=SETUP_ANSWERS["enterprise_name"])
    assert check_credit_code(record.credit_code).ok and record.credit_code.startswith("91420100")
    assert (record.legal_rep_name, record.legal_rep_id_index, record.established.isoformat()) == (
        "王芳",
        founder.id_number_index,
        "2026-09-29",
    )
    mandate = account_queries.my_mandates(founder).get(legal_person__credit_code=record.credit_code)
    assert (mandate.role, mandate.all_items, mandate.revoked_at) == ("legal_rep", True, None)
    licence = licence_queries.get_licence(case.result_licence)
    face = licence_queries.licence_face(licence)
    assert (licence.holder_name, licence_queries.licence_holder_code(licence)) == (
        SETUP_ANSWERS["enterprise_name"],
        record.credit_code,
    )
    assert face == {
        "credit_code": record.credit_code,
        "legal_representative": "王芳",
        "established_on": "2026-09-29",
        **{
            k: SETUP_ANSWERS[k]
            for k in ("entity_type", "registered_capital", "business_term", "domicile", "business_scope")
        },
    }


def test_a_founder_without_a_verified_id_cannot_be_registered_and_nothing_changes(world, issuing):
    configure(world, BUSINESS_TYPE, SETUP_FORM)
    form = demo_forms.filled(
        "内资有限责任公司设立登记",
        applicant_name="张三",
        person_name="张三",
        phone="13900000001",
        request="设立",
    )
    case = decided(world, world["citizen"], form)  # L1: no ID number on record
    before = (
        counts(),
        account_queries.legal_register_records().count(),
        account_queries.my_mandates(world["citizen"]).count(),
    )
    with pytest.raises(InvalidInput) as exc:
        services.do_conclude(actor=world["officer"], number=case.number)
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("licence_face.holder_code", "法定代表人尚未完成实名认证，无法登记")
    ]
    case.refresh_from_db()
    assert (case.state, case.result_licence) == ("decided", "")
    assert (
        counts(),
        account_queries.legal_register_records().count(),
        account_queries.my_mandates(world["citizen"]).count(),
    ) == before


def test_the_workbench_shows_the_face_prefilled_and_places_each_problem_next_to_its_field(world, issuing):
    case = decided(world, issuing["rep"], food_form("武汉鑫达商贸有限公司", "陈建国"))  # default form
    officer = as_user(world["officer"])
    page = officer.get(f"/workbench/cases/{case.number}/").content.decode()
    assert "以“出证”办结时签发电子食品经营许可证" in page
    assert f'name="conclude-lf_credit_code" value="{issuing["credit_code"]}"' in page
    assert 'name="conclude-lf_legal_representative" value="陈建国"' in page
    url = f"/workbench/cases/{case.number}/conclude/"
    r = officer.post(url, {"conclude-result_code": "", "conclude-lf_domicile": "武汉市江汉区解放大道1号"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "请填写证照信息：经营场所" in body and "请填写证照信息：主体业态" in body
    assert 'value="武汉市江汉区解放大道1号"' in body  # what the officer typed is kept
    case.refresh_from_db()
    assert (case.state, case.result_licence) == ("decided", "")
    r = officer.post(
        url,
        {
            "conclude-result_code": "01",
            "conclude-lf_domicile": "武汉市江汉区解放大道1号",
            "conclude-lf_premises": "武汉市江汉区解放大道1号1层",
            "conclude-lf_main_business": "食品销售经营者",
            "conclude-lf_business_items": "预包装食品销售",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    licence = licence_queries.get_licence(case.result_licence)
    assert licence_queries.licence_face(licence)["premises"] == "武汉市江汉区解放大道1号1层"
    assert case.result_licence in officer.get(f"/workbench/cases/{case.number}/").content.decode()
