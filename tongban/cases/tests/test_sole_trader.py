"""个体工商户设立登记 concluded with 出证: the new 个体工商户 gets a 92 credit code (GB 32100:
register class 9 工商, kind 2 个体工商户), its 营业执照 names 经营者 (not 法定代表人) and has no
注册资本, and its operator (the applicant) holds it at once in 我的证照; nobody else sees it."""

from __future__ import annotations

import pytest

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import person
from tongban.cases import services
from tongban.cases.formschema import DEFAULT_SCHEMA
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import check_credit_code
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services
from tongban.licences.standard import SOLE_TRADER_LICENCE

from .conftest import SYSTEM, as_user, counts
from .test_results import BUSINESS_TYPE, configure, decided

SOLE_TYPE = "11100000000013338W003"
SHOP = {
    "title": "个体工商户登记事项",
    "fields": [
        {"name": "trade_name", "label": "字号", "type": "text", "required": False},
        {"name": "premises", "label": "经营场所", "type": "text", "required": True},
        {"name": "business_scope", "label": "经营范围", "type": "textarea", "required": True},
    ],
}
SCHEMA = {"sections": [*DEFAULT_SCHEMA["sections"], SHOP]}
ANSWERS = {
    "applicant_name": "全应香",
    "contact_name": "全应香",
    "contact_phone": "13900000021",
    "request": "申请个体工商户设立登记",
    "trade_name": "南漳县李庙镇应香小卖部",
    "premises": "南漳县李庙镇赵店村二组8号",
    "business_scope": "预包装食品、日用百货零售",
}


@pytest.fixture
def shop(world):
    licence_services.do_seed_standard_types(
        actor=SYSTEM,
        codes={"营业执照": BUSINESS_TYPE, "个体工商户营业执照": SOLE_TYPE},
        issuers={"营业执照": [world["dept"].pk], "个体工商户营业执照": [world["dept"].pk]},
    )
    configure(world, SOLE_TYPE, SCHEMA)
    operator = person(21, name="全应香", level=2)
    return {"operator": operator}


def test_the_sole_trader_licence_type_has_exactly_its_own_face_fields():
    assert [(f["key"], f["label"]) for f in SOLE_TRADER_LICENCE.face_fields] == [
        ("credit_code", "统一社会信用代码"),
        ("operator", "经营者"),
        ("composition", "组成形式"),
        ("premises", "经营场所"),
        ("business_scope", "经营范围"),
        ("registered_on", "注册日期"),
    ]


def test_registration_gives_a_92_code_and_the_operator_holds_the_licence_at_once(world, shop):
    operator = shop["operator"]
    case = decided(world, operator, ANSWERS)
    case = services.do_conclude(actor=world["officer"], number=case.number)
    record = account_queries.legal_register_records().get(name=ANSWERS["trade_name"])
    assert record.kind == "sole_trader"
    assert record.credit_code.startswith("92420100") and check_credit_code(record.credit_code).ok
    assert (record.legal_rep_name, record.legal_rep_id_index) == ("全应香", operator.id_number_index)
    licence = licence_queries.get_licence(case.result_licence)
    assert (licence.name, licence.holder_name, licence_queries.licence_holder_code(licence)) == (
        "个体工商户营业执照",
        "南漳县李庙镇应香小卖部",
        record.credit_code,
    )
    assert licence_queries.licence_face(licence) == {
        "credit_code": record.credit_code,
        "operator": "全应香",
        "composition": "个人经营",
        "premises": ANSWERS["premises"],
        "business_scope": ANSWERS["business_scope"],
        "registered_on": "2026-09-29",
    }
    # the operator, acting as themselves (no switch of identity), holds it
    operator.refresh_from_db()
    assert account_queries.acting_claim(operator)["kind"] == "self"
    client = as_user(operator)
    mine = client.get("/licences/").content.decode()
    assert licence.identifier in mine and "包括您作为经营者的个体工商户的证照。" in mine
    page = client.get(f"/cases/{case.number}/").content.decode()
    link = f"/licences/{licence.identifier}/"
    assert link in page
    body = client.get(link)
    assert body.status_code == 200
    text = body.content.decode()
    assert "经营者" in text and "法定代表人" not in text and "注册资本" not in text
    assert client.get(f"/licences/{licence.identifier}/licence.pdf").status_code == 200
    # somebody else: the same 404 as a licence that does not exist, and nothing listed
    other = as_user(person(22, name="李四", level=2))
    assert other.get(link).status_code == 404
    assert other.get(f"/licences/{licence.identifier}/licence.pdf").status_code == 404
    assert licence.identifier not in other.get("/licences/").content.decode()


def test_a_sole_trader_without_a_trade_name_bears_its_operators_name(world, shop):
    case = decided(world, shop["operator"], {**ANSWERS, "trade_name": ""})
    case = services.do_conclude(actor=world["officer"], number=case.number)
    licence = licence_queries.get_licence(case.result_licence)
    assert licence.holder_name == "全应香"
    assert licence_queries.licence_holder_code(licence).startswith("92")


def test_a_given_code_of_the_wrong_class_is_refused_and_nothing_changes(world, shop):
    case = decided(world, shop["operator"], ANSWERS)
    before = (counts(), account_queries.legal_register_records().count())
    company_code = "91420100MA4KXXXX0X"
    with pytest.raises(InvalidInput) as exc:
        services.do_conclude(
            actor=world["officer"], number=case.number, licence_face={"holder_code": company_code}
        )
    assert [p.field for p in exc.value.problems] == ["licence_face.holder_code"]
    case.refresh_from_db()
    assert (case.state, case.result_licence) == ("decided", "")
    assert (counts(), account_queries.legal_register_records().count()) == before


def test_register_new_sole_trader_code_prefix_follows_the_kind(world, shop):
    mandate = account_services.do_register_new_legal_person(
        actor=SYSTEM,
        name="应香小卖部",
        kind="sole_trader",
        legal_rep=shop["operator"],
        region_code="420624103000",
        established=__import__("datetime").date(2026, 9, 29),
    )
    code = mandate.legal_person.credit_code
    assert code[:8] == "92420624" and check_credit_code(code).ok
    with pytest.raises(InvalidInput) as exc:
        account_services.do_register_new_legal_person(
            actor=SYSTEM,
            name="另一家",
            kind="sole_trader",
            legal_rep=shop["operator"],
            region_code="420624103000",
            established=__import__("datetime").date(2026, 9, 29),
            credit_code=account_queries.legal_register_records()
            .get(credit_code=code)
            .credit_code.replace("92", "91", 1),
        )
    assert exc.value.problems[0].field == "credit_code"


def test_the_conclude_form_asks_only_the_sole_trader_licences_fields_prefilled(world, shop):
    case = decided(world, shop["operator"], ANSWERS)
    page = as_user(world["officer"]).get(f"/workbench/cases/{case.number}/").content.decode()
    for key in ("operator", "composition", "premises", "business_scope", "registered_on"):
        assert f'name="conclude-lf_{key}"' in page
    assert "lf_registered_capital" not in page and "lf_legal_representative" not in page
    assert "注册资本" not in page
    assert f'name="conclude-lf_premises" value="{ANSWERS["premises"]}"' in page
    assert 'name="conclude-lf_operator" value="全应香"' in page


def test_the_applicant_reads_the_result_in_plain_words_not_the_code(
    world, shop, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from tongban.accounts import gateways
    from tongban.accounts.tests.identity_support import mobile
    from tongban.cases.models import CaseEvent, Notification

    cache.clear()
    operator = shop["operator"]
    case = decided(world, operator, ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.do_conclude(actor=world["officer"], number=case.number)
    words = "已办结：准予许可，电子个体工商户营业执照已签发，可在“我的证照”查看、下载和出示"
    assert Notification.objects.filter(case=case).values_list("text", flat=True).last() == words
    assert gateways.outbox(mobile(21))[-1] == f"【通办】您的办件{case.number}（{case.item_name}）：{words}"
    note = CaseEvent.objects.get(case=case, action="conclude").note
    assert note == f"准予许可，电子个体工商户营业执照已签发（{case.result_licence}）"
    page = as_user(operator).get(f"/cases/{case.number}/").content.decode()
    assert '<p id="result-words"><strong>准予许可</strong></p>' in page
    assert "出证" not in page


def test_result_words_by_item_type_and_result():
    from tongban.cases.enums import result_words

    assert result_words("01", "01", "营业执照") == "准予许可，电子营业执照已签发"
    assert result_words("01", "20") == "办理完成"
    assert result_words("02", "01") == "准予许可"
    assert result_words("03", "01") == "不予许可"
    assert result_words("03", "07") == "不予办理"
    assert result_words("", "01") == ""


def test_only_a_sole_traders_operator_holds_its_licences_without_switching(world, shop):
    from tongban.accounts.tests.identity_support import enterprise
    from tongban.licences import sharing

    rep = person(23, name="陈建国", level=2)
    company_code, _ = enterprise(rep, 23, name="武汉鑫达商贸有限公司")
    # a company's legal representative still switches identity to see the company's licences
    assert account_queries.operated_sole_traders(rep) == []
    assert sharing.holdings(rep).operated_indexes == frozenset()
    case = decided(world, shop["operator"], ANSWERS)
    case = services.do_conclude(actor=world["officer"], number=case.number)
    code = licence_queries.licence_holder_code(licence_queries.get_licence(case.result_licence))
    assert account_queries.operated_sole_traders(shop["operator"]) == [code]
    assert company_code not in account_queries.operated_sole_traders(rep)
    # the operator may still act as the 个体工商户: named 经营者, not 法定代表人
    labels = [o["label"] for o in account_queries.acting_options(shop["operator"])]
    assert labels == ["本人：全应香", "南漳县李庙镇应香小卖部（经营者）"]
    assert [o["label"] for o in account_queries.acting_options(rep)][
        1
    ] == "武汉鑫达商贸有限公司（法定代表人）"
