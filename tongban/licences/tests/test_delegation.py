"""Delegation and authorization on licences (issue 10 §4): an agent's (经办人) item scope reaches
only the enterprise's licences of those items, with their usage log; verifying through the API
needs the check code unless the caller is a department, and the log names who looked; a
department issues only within its own region (管辖)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.core.errors import Forbidden, NotFound
from tongban.core.identifiers import make_resident_id

from .. import identifiers, services, sharing
from ..models import Licence, LicenceUsage
from .conftest import (
    BUSINESS_FACE,
    CODES,
    COMPANY,
    OTHER_COMPANY,
    PERSON_ID,
    counts,
    issue_business,
    issue_food,
)
from .test_api import URL, as_user, bearer, post, query_body, system_token
from .test_pages import person, verify_path

pytestmark = pytest.mark.usefixtures("regions_loaded")

AGENT_ID = make_resident_id(random.Random(21), region="420103", born=dt.date(1991, 2, 3), sex="F")
STRANGER_ID = make_resident_id(random.Random(22), region="420102", born=dt.date(1988, 7, 9), sex="F")


def company_with_agent(world, *, item_codes: list[str]):
    """刘洋 represents COMPANY (法人库); 李娜 is its agent for `item_codes` only, acting for it."""
    rep = person(1, "刘洋", PERSON_ID)
    account_services.do_upsert_legal_person_record(
        actor="system:test",
        credit_code=COMPANY,
        name="武汉鑫达恒通商贸有限公司",
        kind="enterprise",
        legal_rep_name="刘洋",
        legal_rep_id_number=PERSON_ID,
    )
    legal_rep = account_services.do_claim_legal_person(actor=rep, credit_code=COMPANY)
    agent = person(2, "李娜", AGENT_ID)
    mandate = account_services.do_grant_mandate(
        actor=rep,
        legal_person_id=legal_rep.legal_person_id,
        agent_name="李娜",
        agent_id_number=AGENT_ID,
        all_items=False,
        item_codes=item_codes,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    for user, grant in ((rep, legal_rep), (agent, mandate)):
        account_services.do_switch_acting(actor=user, kind="enterprise", target_id=grant.pk)
        user.refresh_from_db()
    return rep, agent


def test_an_agent_sees_none_of_the_enterprises_licences_outside_the_items_of_the_mandate(world):
    business, food = issue_business(world), issue_food(world)
    # An item the catalogue does not know deals in no licence type: the agent reaches none.
    rep, agent = company_with_agent(world, item_codes=["11420100MB1234567X4442117001000"])
    services.verify_and_log(world["jianghan_officer"], business.identifier)  # a row in the log

    held = sharing.holdings(agent)
    assert list(sharing.enterprise_licences(held)) == [] and sharing.recent_usage(held) == []
    client = as_user(agent)
    page = client.get("/licences/").content.decode()
    for licence in (business, food):
        assert licence.identifier not in page and licence.number not in page
        with pytest.raises(NotFound):
            sharing.access_held_licence(agent, licence.identifier)
        assert client.get(f"/licences/{licence.identifier}/").status_code == 404
    before = LicenceUsage.objects.count()
    r = post(client, "/query", query_body(purpose="自用"))
    assert r.status_code == 403 and r.json()["reason"] == "not_holder"
    assert LicenceUsage.objects.count() == before + 1  # the refusal, logged

    # The legal representative reaches them all, with the usage log.
    held = sharing.holdings(rep)
    assert {x.pk for x in sharing.enterprise_licences(held)} == {business.pk, food.pk}
    assert [u.who for u in sharing.recent_usage(held)] == ["武汉市江汉区行政审批局（工作人员）"]
    assert as_user(rep).get(f"/licences/{business.identifier}/").status_code == 200


def test_the_scope_filter_keeps_an_agent_to_the_types_of_their_items(world):
    business, food = issue_business(world), issue_food(world)
    held = sharing.Holdings(
        person_index=None,
        enterprise_index=business.holder_code_index,
        enterprise_types=frozenset({CODES["食品经营许可证"]}),
    )
    assert [x.pk for x in sharing.enterprise_licences(held)] == [food.pk]
    assert (held.covers(food), held.covers(business)) == (True, False)


def test_verifying_through_the_api_without_the_check_code_tells_a_person_nothing(world):
    business = issue_business(world)
    stranger = person(3, "王芳", STRANGER_ID)
    client = as_user(stranger)
    before = counts(), LicenceUsage.objects.count()
    for query in ("", "?code=0123456789abcdef0123"):
        r = client.get(f"{URL}/{business.identifier}/verify{query}")
        assert r.status_code == 404, r.content
    known = identifiers.parse_identifier(business.identifier)
    unknown = identifiers.build_identifier(
        type_code=known.type_code, issuer_code=known.issuer_code, serial="99999999", version=1
    )
    r = client.get(f"{URL}/{unknown}/verify")  # a well-formed unknown licence: the same answer
    assert r.status_code == 404
    r = client.get(f"{URL}/91420115MA4K000000/verify")  # malformed: refused by its shape alone
    assert r.status_code == 400
    assert (counts(), LicenceUsage.objects.count()) == before  # nothing in the holder's log

    code = verify_path(business).rstrip("/").rsplit("/", 1)[1]
    r = client.get(f"{URL}/{business.identifier}/verify?code={code}")
    assert r.status_code == 200 and r.json()["valid"] is True
    # The holder's log names who looked, masked, not "本人或本单位经办人".
    rep, _ = company_with_agent(world, item_codes=["X1"])
    assert [u.who for u in sharing.recent_usage(sharing.holdings(rep))] == ["王*（凭核验码查验）"]

    # A department system verifies by identifier, named by its department.
    _, token = system_token(world["jianghan"])
    r = client.get(f"{URL}/{business.identifier}/verify", **bearer(token))
    assert r.status_code == 200


def test_a_department_issues_only_within_its_own_region(world):
    _, jianghan_token = system_token(world["jianghan"])
    body = {
        "type_code": CODES["营业执照"],
        "holder_name": "武汉鑫达恒通商贸有限公司",
        "holder_code": COMPANY,  # registered at 江夏 (its code's region)
        "face": BUSINESS_FACE,
    }
    before = counts()
    r = post(as_user(world["jianghan_officer"]), "", body)
    assert r.status_code == 403, r.content
    r = post(as_user(world["jianghan_officer"]), "", body, **bearer(jianghan_token))
    assert r.status_code == 403, r.content
    with pytest.raises(Forbidden):
        services.do_issue_licence(actor=world["jianghan_officer"], issuer=world["jianghan"].pk, **body)
    assert counts() == before

    # 法人库's region decides when the company is on the register: moved to 江汉, 江汉 issues.
    account_services.do_upsert_legal_person_record(
        actor="system:test",
        credit_code=COMPANY,
        name="武汉鑫达恒通商贸有限公司",
        kind="enterprise",
        legal_rep_name="刘洋",
        legal_rep_id_number=PERSON_ID,
        region_code="420103",
    )
    r = post(as_user(world["jianghan_officer"]), "", body)
    assert r.status_code == 201, r.content
    other = body | {"holder_code": OTHER_COMPANY, "face": {**BUSINESS_FACE, "credit_code": OTHER_COMPANY}}
    r = post(as_user(world["officer"]), "", other)  # 江夏 to a 江汉 company
    assert r.status_code == 403
    assert Licence.objects.count() == 1
