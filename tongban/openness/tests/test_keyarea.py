"""Key-area disclosure (重点领域公开): penalty decisions entered by their department (checked,
anonymised, audited, shown for their publication period), licensing results read from cases
(legal persons only), the 双随机 placeholder, and the workbench page."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import enterprise, person
from tongban.cases.tests.conftest import day, world  # noqa: F401 - fixtures
from tongban.cases.tests.test_results import decided, food_form
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import make_credit_code, make_resident_id
from tongban.core.models import AuditEvent

from .. import keyarea
from ..models_keyarea import Penalty, PenaltyState
from .public_world import department, staff

TODAY = dt.date(2026, 9, 29)
COMPANY = make_credit_code(random.Random("keyarea-company"), region="420100", kind="91")


def data(**kw) -> keyarea.PenaltyInput:
    values = {
        "decision_number": "武市监罚〔2026〕15号",
        "party_kind": "legal_person",
        "party_name": "武汉某某食品有限公司",
        "party_credit_code": COMPANY,
        "violation": "经营超过保质期的食品",
        "basis": "《中华人民共和国食品安全法》第一百二十四条",
        "kinds": ("fine", "confiscation"),
        "content": "没收违法所得，罚款人民币伍万元",
        "fine_yuan": "50000",
        "decided_on": "2026-09-01",
    }
    values.update(kw)
    return keyarea.PenaltyInput(**values)


@pytest.fixture
def market(world):  # noqa: F811 - the cases world: its department is 武汉市市场监督管理局
    return {"dept": world["dept"], "officer": world["officer"], "head": world["head"], "world": world}


def snapshot() -> tuple[int, int]:
    return Penalty.objects.count(), AuditEvent.objects.count()


def test_a_legal_persons_penalty_is_published_with_its_code_and_audited(market):
    p = keyarea.do_publish_penalty(
        actor=market["officer"], department_id=market["dept"].pk, data=data(), today=TODAY
    )
    assert (p.party_name, p.party_credit_code, p.kinds, str(p.fine_yuan)) == (
        "武汉某某食品有限公司",
        COMPANY,
        ["fine", "confiscation"],
        "50000.00",
    )
    assert (p.decided_on, p.publish_until, p.state) == (dt.date(2026, 9, 1), dt.date(2029, 9, 1), "published")
    event = AuditEvent.objects.get(action="openness.penalty.publish")
    assert event.object_id == str(p.pk) and event.data["party"] == "武汉某某食品有限公司"


def test_a_natural_person_is_stored_and_shown_by_family_name_only(market, client):
    p = keyarea.do_publish_penalty(
        actor=market["officer"],
        department_id=market["dept"].pk,
        data=data(party_kind="natural_person", party_name="王小明", party_credit_code=""),
        today=TODAY,
    )
    assert (Penalty.objects.get(pk=p.pk).party_name, p.party_credit_code) == ("王**", "")
    assert AuditEvent.objects.get(action="openness.penalty.publish").data["party"] == "王**"
    body = client.get("/openness/key-areas/penalties/").content.decode()
    assert "王**" in body and "王小明" not in body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_number": ""}, "decision_number"),
        ({"party_kind": "robot"}, "party_kind"),
        ({"party_credit_code": "91420100MA4K0000XX"}, "party_credit_code"),
        ({"party_kind": "natural_person", "party_credit_code": COMPANY}, "party_credit_code"),
        ({"violation": "当事人身份证号码 " + make_resident_id(random.Random(3))}, "violation"),
        ({"content": "当事人 420102650101123 经营"}, "content"),
        ({"kinds": ()}, "kinds"),
        ({"kinds": ("fine", "firing_squad")}, "kinds"),
        ({"fine_yuan": ""}, "fine_yuan"),
        ({"fine_yuan": "abc"}, "fine_yuan"),
        ({"fine_yuan": "-5"}, "fine_yuan"),
        ({"fine_yuan": "1.234"}, "fine_yuan"),
        ({"fine_yuan": "NaN"}, "fine_yuan"),
        ({"kinds": ("warning",), "fine_yuan": "100"}, "fine_yuan"),
        ({"decided_on": ""}, "decided_on"),
        ({"decided_on": "2026-13-01"}, "decided_on"),
        ({"decided_on": "2026-10-01"}, "decided_on"),
        ({"publish_until": "2026-08-01"}, "publish_until"),
        ({"publish_until": "2032-09-02"}, "publish_until"),
        ({"basis": "依据" * 2001}, "basis"),
        ({"party_name": "a\x00b"}, "party_name"),
    ],
)
def test_bad_input_names_the_field_and_nothing_changes(market, changes, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        keyarea.do_publish_penalty(
            actor=market["officer"], department_id=market["dept"].pk, data=data(**changes), today=TODAY
        )
    assert field in [p.field for p in exc.value.problems]
    assert snapshot() == before


def test_a_decision_number_is_published_once_per_department(market):
    keyarea.do_publish_penalty(
        actor=market["officer"], department_id=market["dept"].pk, data=data(), today=TODAY
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        keyarea.do_publish_penalty(
            actor=market["head"], department_id=market["dept"].pk, data=data(), today=TODAY
        )
    assert exc.value.problems[0].field == "decision_number" and snapshot() == before


def test_only_the_departments_enforcement_staff_may_publish(market):
    other = department("武汉市教育局")
    outsider = staff("edu-officer", "approving_officer", dept=other)
    clerk = staff("mkt-clerk", "window_clerk", dept=market["dept"])
    citizen = person(31)
    before = snapshot()
    for actor in (outsider, clerk, citizen):
        with pytest.raises(NotFound):
            keyarea.do_publish_penalty(actor=actor, department_id=market["dept"].pk, data=data(), today=TODAY)
    assert snapshot() == before


def test_a_withdrawn_penalty_leaves_the_public_list_with_its_reason_audited(market, client):
    p = keyarea.do_publish_penalty(
        actor=market["officer"], department_id=market["dept"].pk, data=data(), today=TODAY
    )
    assert "武市监罚〔2026〕15号" in client.get("/openness/key-areas/penalties/").content.decode()
    with pytest.raises(InvalidInput):
        keyarea.do_withdraw_penalty(actor=market["head"], pk=p.pk, reason="  ")
    outsider = staff("edu-officer", "approving_officer", dept=department("武汉市教育局"))
    with pytest.raises(NotFound):
        keyarea.do_withdraw_penalty(actor=outsider, pk=p.pk, reason="撤销")
    assert Penalty.objects.get(pk=p.pk).state == PenaltyState.PUBLISHED
    keyarea.do_withdraw_penalty(actor=market["head"], pk=p.pk, reason="行政复议撤销原处罚决定")
    assert Penalty.objects.get(pk=p.pk).state == PenaltyState.WITHDRAWN
    assert (
        AuditEvent.objects.get(action="openness.penalty.withdraw").data["reason"] == "行政复议撤销原处罚决定"
    )
    assert "武市监罚〔2026〕15号" not in client.get("/openness/key-areas/penalties/").content.decode()
    with pytest.raises(InvalidInput):
        keyarea.do_withdraw_penalty(actor=market["head"], pk=p.pk, reason="再次撤回")


def test_the_public_list_shows_a_penalty_only_within_its_publication_period(market):
    p = keyarea.do_publish_penalty(
        actor=market["officer"],
        department_id=market["dept"].pk,
        data=data(decided_on="2023-01-10", publish_until="2024-01-10"),
        today=TODAY,
    )
    f = keyarea.ListFilters()
    assert list(keyarea.public_penalties(f, today=dt.date(2023, 6, 1))) == [p]
    assert list(keyarea.public_penalties(f, today=dt.date(2024, 1, 11))) == []
    assert list(keyarea.public_penalties(f, today=dt.date(2023, 1, 9))) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"year": "1999"}, "year"),
        ({"year": "abc"}, "year"),
        ({"q": "x" * 51}, "q"),
    ],
)
def test_bad_list_filters_are_400_naming_the_field(market, client, params, field):
    for path in ("/openness/key-areas/penalties/", "/openness/key-areas/licensing/"):
        response = client.get(path, params)
        assert response.status_code == 400 and field in response.content.decode()


def test_an_unknown_department_filter_is_404(market, client):
    assert client.get("/openness/key-areas/penalties/", {"department": "999999"}).status_code == 404


# --- Licensing results from cases ----------------------------------------------------------------


def test_licensing_results_list_an_enterprises_decision_and_never_a_natural_person(market, client):
    w = market["world"]
    rep = person(7, name="陈建国", level=2)
    credit_code, mandate = enterprise(rep, 7, name="武汉鑫达商贸有限公司")
    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rep.refresh_from_db()
    company_case = decided(w, rep, food_form("武汉鑫达商贸有限公司", "陈建国"))
    personal_case = decided(w, w["citizen"], food_form("张三", "张三"))
    assert company_case.decision and personal_case.decision
    response = client.get("/openness/key-areas/licensing/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "武汉鑫达商贸有限公司" in body and credit_code in body and "准予许可" in body
    assert w["item"].name in body and w["dept"].name in body
    assert "张三" not in body and "陈建国" not in body and personal_case.number not in body
    rows = list(keyarea.licensing_results(keyarea.ListFilters()))
    assert [(r["holder_name"], r["holder_credit_code"], r["decision"]) for r in rows] == [
        ("武汉鑫达商贸有限公司", credit_code, "grant")
    ]
    assert set(rows[0]) == {
        "number",
        "item_code",
        "item_name",
        "department_id",
        "decision",
        "decided_on",
        "holder_name",
        "holder_credit_code",
    }
    assert keyarea.licensing_results(keyarea.ListFilters(q=credit_code)).count() == 1
    assert keyarea.licensing_results(keyarea.ListFilters(q="不存在的公司")).count() == 0


def test_the_inspection_list_publishes_the_supervision_draws_and_results(db, regions_loaded, client):
    """Regression: the key-area list of 双随机 results was a placeholder ("暂无数据来源") while
    supervision published its plans and results; now it shows them and links to their pages."""
    from tongban.supervision.tests.draw_world import World, entities, record_result

    entities(4, classes="D")
    draw = World().drawn(ratios={"D": 10000})
    empty = client.get("/openness/key-areas/inspections/").content.decode()
    assert "暂无数据来源" not in empty and "暂无检查结果" in empty
    assert f'href="/supervision/public/plans/{draw.plan_id}/"' in empty
    target = draw.targets.order_by("position").first()
    record_result(target, "pass")
    body = client.get("/openness/key-areas/inspections/").content.decode()
    assert target.entity.name in body and target.entity.credit_code in body
    assert 'href="/supervision/public/"' in body


# --- The workbench page --------------------------------------------------------------------------


def test_the_workbench_publishes_from_the_form_and_shows_errors_by_field(market):
    c = Client()
    c.force_login(market["officer"])
    page = c.get("/openness/workbench/penalties/")
    assert page.status_code == 200 and 'name="decision_number"' in page.content.decode()
    before = snapshot()
    bad = c.post("/openness/workbench/penalties/", {"decision_number": "", "party_kind": "legal_person"})
    assert bad.status_code == 400 and 'href="#f-decision_number"' in bad.content.decode()
    assert snapshot() == before
    form = {
        "decision_number": "武市监罚〔2026〕16号",
        "party_kind": "natural_person",
        "party_name": "李四",
        "violation": "无证经营",
        "basis": "《无证无照经营查处办法》第十三条",
        "kinds": ["warning"],
        "content": "警告",
        "decided_on": "2026-09-01",
    }
    ok = c.post("/openness/workbench/penalties/", form)
    assert ok.status_code == 302 and ok["Location"] == "/openness/workbench/penalties/"
    assert Penalty.objects.get(decision_number="武市监罚〔2026〕16号").party_name == "李*"


def test_staff_without_a_department_or_role_have_no_workbench(market):
    for user in (staff("root-x", superuser=True), staff("mkt-clerk", "window_clerk", dept=market["dept"])):
        c = Client()
        c.force_login(user)
        assert c.get("/openness/workbench/penalties/").status_code == 404
