"""我的 → 数据使用记录 (/accounts/me/data-use/): a person sees exactly the reads of their own data
and of the enterprises they represent (gateway call log merged with the licence usage log), who,
when, why and which fields by name; refused calls are marked, not shown as reads; another
person's reads never appear; paging; signed out → login; staff → 403."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.licences import services as licence_services
from tongban.licences.tests import conftest as licence_fixtures
from tongban.licences.tests.conftest import CODES, PERSON_ID, issue_marriage

from .. import datause
from ..testing import make_call, make_resource
from .use_support import (
    COMPANY,
    LI_ID,
    OTHER_COMPANY,
    SYSTEM,
    WANG_ID,
    department,
    legal_rep_of,
    person,
    signed_in,
)

pytestmark = pytest.mark.django_db

# The licence library's fixtures (regions, issuing departments, the standard types).
today = licence_fixtures.today
world = licence_fixtures.world

PERSON_FIELDS = [
    {"key": "name", "name": "姓名", "type": "C", "length": 50, "sensitivity": "personal"},
    {"key": "birth_date", "name": "出生日期", "type": "D", "length": 10, "sensitivity": "personal"},
    {"key": "birthplace", "name": "出生地", "type": "C", "length": 100, "sensitivity": "personal"},
]
FIRM_FIELDS = [
    {"key": "name", "name": "单位名称", "type": "C", "length": 200, "sensitivity": "public"},
    {"key": "status", "name": "登记状态", "type": "C", "length": 20, "sensitivity": "public"},
]


def rows_of(html: str) -> list[str]:
    body = html.split('id="data-use"')[1].split("</tbody>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr)).strip() for tr in body.split("<tr")[2:]]


@pytest.fixture
def people():
    wang = person(1, "王芳", WANG_ID)
    li = person(2, "李明", LI_ID)
    legal_rep_of(wang, WANG_ID, COMPANY, "武汉鑫达恒通商贸有限公司")
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=OTHER_COMPANY,
        name="另一家公司",
        kind="enterprise",
        legal_rep_name="李明",
        legal_rep_id_number=LI_ID,
    )
    return {"wang": wang, "li": li}


@pytest.fixture
def reads(people):
    """江汉's food-licence system read 王芳's record and her company's; someone else's too."""
    public = department("武汉市公安局", "420115")
    market = department("武汉市市场监督管理局", "420115")
    jianghan = department("武汉市江汉区行政审批局", "420103")
    from .use_support import system_client

    client_id = system_client(jianghan, "江汉区食品经营许可系统")
    make_resource(public, code="RK-001", name="人口基础信息", fields=PERSON_FIELDS)
    make_resource(market, code="FR-001", name="法人基础信息", fields=FIRM_FIELDS)
    now = timezone.now()
    common = {"client_id": client_id, "department_id": jianghan.pk, "purpose": "licensing"}
    return {
        "mine": make_call(
            service_code="RK-001",
            at=now - dt.timedelta(hours=3),
            subject=WANG_ID,
            fields=["name", "birth_date"],
            case_number="420103-2026-000007",
            **common,
        ),
        "firm": make_call(
            service_code="FR-001",
            at=now - dt.timedelta(hours=2),
            subject=COMPANY,
            fields=["name", "status"],
            case_number="420103-2026-000008",
            **common,
        ),
        "refused": make_call(
            service_code="RK-001",
            at=now - dt.timedelta(hours=1),
            subject=WANG_ID,
            outcome="refused",
            error_code="FIELD_NOT_GRANTED",
            fields=[],
            **common,
        ),
        "li": make_call(
            service_code="RK-001",
            at=now - dt.timedelta(minutes=30),
            subject=LI_ID,
            fields=["name", "birthplace"],
            case_number="420103-2026-000009",
            **common,
        ),
        "other_firm": make_call(
            service_code="FR-001",
            at=now - dt.timedelta(minutes=20),
            subject=OTHER_COMPANY,
            fields=["status"],
            **common,
        ),
        "client_id": client_id,
    }


def test_signed_out_goes_to_login(client):
    r = client.get("/accounts/me/data-use/")
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/?next=/accounts/me/data-use/")


def test_exactly_my_reads_and_my_companys_newest_first(people, reads):
    r = signed_in(people["wang"]).get("/accounts/me/data-use/")
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store"
    html = r.content.decode()
    rows = rows_of(html)
    assert len(rows) == 3
    refused, firm, mine = rows
    assert "武汉市江汉区行政审批局（业务系统：江汉区食品经营许可系统）" in mine
    assert "人口基础信息（RK-001）" in mine and "本人" in mine
    assert "姓名、出生日期" in mine and "行政许可审查" in mine and "420103-2026-000007" in mine
    assert "已读取" in mine
    assert "法人基础信息（FR-001）" in firm and "武汉鑫达恒通商贸有限公司" in firm
    assert "单位名称、登记状态" in firm and "420103-2026-000008" in firm
    assert "已拒绝，未提供数据" in refused and "已读取" not in refused
    assert "data-use--refused" in html
    # Another person's and another enterprise's reads never appear; no identifiers in clear.
    assert "420103-2026-000009" not in html and "出生地" not in html
    assert WANG_ID not in html and LI_ID not in html and OTHER_COMPANY not in html
    assert html.count("data-use--gateway") == 3


def test_the_other_person_sees_only_theirs(people, reads):
    rows = rows_of(signed_in(people["li"]).get("/accounts/me/data-use/").content.decode())
    assert len(rows) == 1  # 李明 is not 另一家公司's legal representative on the platform (no mandate)
    assert "420103-2026-000009" in rows[0] and "姓名、出生地" in rows[0]


def test_query_level_rows(people, reads):
    subjects, page = datause.reads(people["wang"])
    assert [r.ref for r in page.rows] == [str(reads[k].pk) for k in ("refused", "firm", "mine")]
    assert [r.is_read for r in page.rows] == [False, True, True]
    assert page.total == 3 and page.pages == 1
    assert subjects.enterprises[0][0] == "武汉鑫达恒通商贸有限公司"


def test_a_person_without_verification_sees_the_hint(db):
    user = person(3, "张三", None)
    r = signed_in(user).get("/accounts/me/data-use/")
    assert r.status_code == 200 and 'id="unverified"' in r.content.decode()


def test_verified_person_without_reads(people):
    html = signed_in(people["li"]).get("/accounts/me/data-use/").content.decode()
    assert 'id="no-reads"' in html


def test_staff_are_refused(people):
    staff = account_services.do_upsert_staff(
        actor=SYSTEM,
        username="officer-x",
        password="a-long-test-password",
        display_name="officer",
        roles=["approving_officer"],
        department_id=None,
    )
    assert signed_in(staff).get("/accounts/me/data-use/").status_code == 403


def test_paging(people, reads):
    base = timezone.now() - dt.timedelta(days=1)
    for i in range(42):
        make_call(
            service_code="RK-001",
            at=base - dt.timedelta(minutes=i),
            subject=WANG_ID,
            fields=["name"],
            case_number=f"P-{i:03d}",
            client_id=reads["client_id"],
        )
    client = signed_in(people["wang"])
    first = client.get("/accounts/me/data-use/").content.decode()
    assert len(rows_of(first)) == 20 and "1 / 3" in first and 'rel="next" href="?page=2"' in first
    third = client.get("/accounts/me/data-use/?page=3").content.decode()
    rows = rows_of(third)
    assert len(rows) == 5  # 45 in all
    assert [re.search(r"P-\d{3}", r).group(0) for r in rows] == [f"P-{i:03d}" for i in range(37, 42)]
    assert 'rel="next"' not in third and 'rel="prev" href="?page=2"' in third
    assert rows_of(client.get("/accounts/me/data-use/?page=99").content.decode()) == rows  # the last
    assert len(rows_of(client.get("/accounts/me/data-use/?page=x").content.decode())) == 20


def test_licence_usage_merged_in_order(world):
    """刘洋's marriage licence was supplied to a case between two gateway reads of his record."""
    marriage = issue_marriage(world)
    account_services.do_upsert_population_record(actor=SYSTEM, name="刘洋", id_number=PERSON_ID)
    liu = person(5, "刘洋", PERSON_ID)
    before = make_call(
        service_code="RK-001",
        at=timezone.now() - dt.timedelta(minutes=5),
        subject=PERSON_ID,
        fields=["name"],
        case_number="C-BEFORE",
    )
    licence_services.fetch_for_case(
        actor=liu,
        holder_code=PERSON_ID,
        type_code=CODES["结婚证"],
        case_number="C-LICENCE",
        purpose="申请公租房",
    )
    after = make_call(
        service_code="RK-001",
        at=timezone.now() + dt.timedelta(seconds=1),
        subject=PERSON_ID,
        fields=["name"],
        case_number="C-AFTER",
    )
    _, page = datause.reads(liu)
    assert [r.case_number for r in page.rows] == ["C-AFTER", "C-LICENCE", "C-BEFORE"]
    licence_row = page.rows[1]
    assert licence_row.source == "licence" and licence_row.ref == marriage.identifier
    assert licence_row.fields == ["结婚证"] and licence_row.purpose == "申请公租房" and licence_row.is_read
    assert (before.pk, after.pk) == (int(page.rows[2].ref), int(page.rows[0].ref))
    rows = rows_of(signed_in(liu).get("/accounts/me/data-use/").content.decode())
    assert len(rows) == 3 and "电子证照：结婚证" in rows[1]


def test_a_real_gateway_call_over_http_appears_and_a_refused_one_is_marked(people):
    """江汉's system (a real client_credentials token from /o/token/) reads 王芳's record through
    POST /exchange/v1/services/RK-001/query; then asks for a field outside its grant (refused)."""
    from tongban.accounts import queries as account_queries
    from tongban.accounts.testing import system_token

    from ..testing import make_grant

    police = department("武汉市公安局", "420115")
    jianghan = department("武汉市江汉区行政审批局", "420103")
    population = make_resource(
        police, code="RK-001", name="人口基础信息", fields=PERSON_FIELDS, mount_target="population.person"
    )
    token = system_token(jianghan)
    client_id = account_queries.client_for_token(token)["client_id"]
    make_grant(
        population, jianghan, client_id=client_id, fields=["name", "birth_date"], purpose_codes=("licensing",)
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {
        "purpose": "licensing",
        "case_number": "420103-2026-000100",
        "subject": WANG_ID,
        "fields": ["name"],
    }
    ok = api.post("/exchange/v1/services/RK-001/query", body, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["fields"] == {"name": "王芳"}
    refused = api.post(
        "/exchange/v1/services/RK-001/query",
        {**body, "case_number": "420103-2026-000101", "fields": ["birthplace"]},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FIELD_NOT_GRANTED"

    html = signed_in(people["wang"]).get("/accounts/me/data-use/").content.decode()
    rows = rows_of(html)
    assert len(rows) == 2
    assert "420103-2026-000101" in rows[0] and "已拒绝，未提供数据" in rows[0] and "出生地" not in rows[0]
    assert "420103-2026-000100" in rows[1] and "已读取" in rows[1] and "姓名" in rows[1]
    assert "武汉市江汉区行政审批局（业务系统：武汉市江汉区行政审批局业务系统）" in rows[1]
    assert 'id="no-reads"' in signed_in(people["li"]).get("/accounts/me/data-use/").content.decode()
