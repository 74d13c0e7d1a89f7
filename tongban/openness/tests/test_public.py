"""The public policy library (`/openness/`) and a policy's page (`/openness/policies/<id>/`,
its print view, attachments, graphics): what is listed, what is found, what is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tongban.core.models import AuditEvent

from ..enums import PolicyState, Subject, Validity
from ..models import Policy, PolicyAttachment
from .public_world import department, link, policy, staff

LIBRARY = "/openness/"


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    gov = department("湖北省人民政府", region="420000")
    market = department("湖北省市场监督管理局", region="420000")
    return {
        "gov": gov,
        "market": market,
        "business": policy(
            gov,
            title="湖北省人民政府关于进一步优化营商环境的意见",
            number="鄂政发〔2026〕3号",
            published_on=dt.date(2026, 3, 10),
            summary="优化营商环境二十条措施。",
        ),
        "food": policy(
            market,
            title="湖北省市场监督管理局关于食品经营许可告知承诺的通知",
            text="对食品经营许可实行告知承诺制，申请人承诺符合条件的，当场作出许可决定。",
            number="鄂市监发〔2025〕12号",
            published_on=dt.date(2025, 6, 1),
            subject=Subject.MARKET,
        ),
        "old": policy(
            gov,
            title="湖北省人民政府关于住房公积金管理的规定",
            text="住房公积金的缴存、提取和使用，适用本规定。",
            number="鄂政发〔2019〕8号",
            published_on=dt.date(2019, 5, 20),
            state=PolicyState.REPEALED,
            validity=Validity.REPEALED,
            repealed_on=dt.date(2026, 1, 1),
            subject=Subject.CONSTRUCTION,
        ),
        "draft": policy(gov, title="湖北省人民政府关于营商环境的草稿通知", state=PolicyState.DRAFT),
        "review": policy(gov, title="湖北省人民政府关于营商环境审核中的通知", state=PolicyState.REVIEW),
        "secrecy": policy(gov, title="湖北省人民政府关于营商环境保密审查中的通知", state=PolicyState.SECRECY),
    }


def titles(response) -> list[str]:
    return re.findall(
        r'<h3 lang="zh-Hans"><a href="/openness/policies/\d+/">([^<]+)</a></h3>', response.content.decode()
    )


def test_the_library_lists_published_and_repealed_policies_newest_first_and_never_a_draft(world, client):
    response = client.get(LIBRARY)
    assert response.status_code == 200
    assert titles(response) == [
        "湖北省人民政府关于进一步优化营商环境的意见",
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知",
        "湖北省人民政府关于住房公积金管理的规定",
    ]
    body = response.content.decode()
    assert "共 3 份政策文件" in body
    assert "草稿" not in body and "审核中" not in body and "保密审查中" not in body
    # The entry to the rest of 政务公开: key areas, disclosure on request and its register.
    for path in ("/openness/key-areas/", "/openness/requests/new/", "/openness/requests/register/"):
        assert f'href="{path}"' in body


def test_a_word_search_finds_the_policies_holding_it_and_not_the_draft_that_does_too(world, client):
    response = client.get(LIBRARY, {"q": "营商环境"})
    assert titles(response) == ["湖北省人民政府关于进一步优化营商环境的意见"]
    assert "找到 1 份与" in response.content.decode()
    assert titles(client.get(LIBRARY, {"q": "告知承诺 食品"})) == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知"
    ]
    assert titles(client.get(LIBRARY, {"q": "公积金"})) == ["湖北省人民政府关于住房公积金管理的规定"]


def test_a_document_number_finds_its_policy_first(world, client):
    assert (
        titles(client.get(LIBRARY, {"q": "鄂政发〔2026〕3号"}))[0]
        == "湖北省人民政府关于进一步优化营商环境的意见"
    )
    assert titles(client.get(LIBRARY, {"q": "鄂市监发"})) == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知"
    ]


def test_filters_by_issuer_subject_and_year(world, client):
    gov = world["gov"].credit_code
    assert titles(client.get(LIBRARY, {"issuer": gov})) == [
        "湖北省人民政府关于进一步优化营商环境的意见",
        "湖北省人民政府关于住房公积金管理的规定",
    ]
    assert titles(client.get(LIBRARY, {"subject": Subject.MARKET})) == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知"
    ]
    assert titles(client.get(LIBRARY, {"year": "2025"})) == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知"
    ]
    assert titles(client.get(LIBRARY, {"from": "2019", "to": "2025"})) == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知",
        "湖北省人民政府关于住房公积金管理的规定",
    ]
    assert titles(client.get(LIBRARY, {"issuer": gov, "year": "2026", "q": "营商"})) == [
        "湖北省人民政府关于进一步优化营商环境的意见"
    ]


def test_sorting_by_date_or_relevance(world, client):
    # 告知承诺 is in the food notice's title; the business opinion mentions neither word.
    policy(
        world["gov"],
        title="湖北省人民政府关于证明事项的通知",
        text="推行证明事项告知承诺制。",
        published_on=dt.date(2026, 4, 1),
    )
    by_relevance = titles(client.get(LIBRARY, {"q": "告知承诺"}))
    by_date = titles(client.get(LIBRARY, {"q": "告知承诺", "sort": "date"}))
    assert by_relevance == [
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知",
        "湖北省人民政府关于证明事项的通知",
    ]
    assert by_date == [
        "湖北省人民政府关于证明事项的通知",
        "湖北省市场监督管理局关于食品经营许可告知承诺的通知",
    ]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"colour": "red"}, "colour", "不支持的筛选条件"),
        ({"from": "2026", "to": "2020"}, "from", "起始年份 2026 晚于截止年份 2020"),
        ({"q": "营" * 101}, "q", "关键词不能超过 100 字"),
        ({"year": "20x6"}, "year", "年份应为"),
        ({"year": "1800"}, "year", "年份应为"),
        ({"year": "2026", "from": "2020"}, "year", "年份与起止年份不能同时使用"),
        ({"subject": "weather"}, "subject", "主题分类不在可选范围内"),
        ({"issuer": "NOSUCHBODY"}, "issuer", "没有该发文机关"),
        ({"issuer": "91420100MA4K0000XX"}, "issuer", "没有该发文机关"),
        ({"sort": "random"}, "sort", "排序应为"),
        ({"page": "0"}, "page", "页码应为"),
        ({"page": "abc"}, "page", "页码应为"),
        ({"page": "99999"}, "page", "页码应为"),
    ],
)
def test_bad_filters_are_named_and_nothing_is_searched(world, client, params, field, message):
    response = client.get(LIBRARY, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-summary"' in body and f"{field}：{message}" in body
    assert titles(response) == []


def test_a_query_of_only_stopwords_finds_nothing_and_says_so(world, client):
    response = client.get(LIBRARY, {"q": "的 了"})
    assert response.status_code == 200 and titles(response) == []
    assert "没有找到相关政策文件" in response.content.decode()


def test_an_empty_library_says_so(db, regions_loaded, client):
    response = client.get(LIBRARY)
    assert response.status_code == 200 and "没有找到相关政策文件" in response.content.decode()


def test_pages_cost_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    for n in range(45):
        policy(
            world["market"],
            title=f"关于市场监管第{n}号事项的通知",
            published_on=dt.date(2024, 1, 1) + dt.timedelta(days=n),
        )
    client.get(LIBRARY)  # the session and the language: the first request's own costs
    with django_assert_max_num_queries(8):
        first = client.get(LIBRARY)
    with django_assert_max_num_queries(8):
        third = client.get(LIBRARY, {"page": "3", "q": "市场监管"})
    assert len(titles(first)) == 20 and "第 1 / 3 页" in first.content.decode()
    assert len(titles(third)) == 5 and "第 3 / 3 页" in third.content.decode()


def test_a_page_past_the_end_offers_the_first(world, client):
    response = client.get(LIBRARY, {"page": "9"})
    assert response.status_code == 200 and titles(response) == []
    assert "回到第一页" in response.content.decode()


# --- A policy's page ----------------------------------------------------------------------------


def test_a_policy_page_shows_the_document_its_dates_interpretations_and_guides(world, client):
    p = world["business"]
    link(p, "11420000MB1234567X142000000001", "企业开办一件事")
    response = client.get(f"/openness/policies/{p.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "鄂政发〔2026〕3号",
        "湖北省人民政府",
        "成文日期",
        "2026-03-05",
        "发布日期",
        "2026-03-10",
        "施行日期",
        "废止日期",
        "有效",
        "为深入贯彻落实国家关于优化营商环境的决策部署",
        "政策解读",
        "文字解读",
        'href="/items/11420000MB1234567X142000000001/"',
        "企业开办一件事",
        f'href="/openness/policies/{p.pk}/print/"',
        f'href="/openness/feeds/{world["gov"].credit_code}.atom"',
    ):
        assert text in body, text
    assert 'id="validity-banner"' not in body


def test_a_repealed_policy_says_so_on_top(world, client):
    response = client.get(f"/openness/policies/{world['old'].pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    banner = body.index('id="validity-banner"')
    assert banner < body.index("<h1") and "本文件效力状态：已废止" in body and "2026-01-01 废止" in body


def test_questions_and_answers_are_shown(world, client):
    p = policy(world["gov"], title="关于稳就业的通知", interpretations=2)
    body = client.get(f"/openness/policies/{p.pk}/").content.decode()
    assert "适用于哪些企业？" in body and "全省各类市场主体。" in body and "问答" in body


@pytest.mark.parametrize("which", ["draft", "review", "secrecy"])
def test_a_policy_not_yet_published_is_404_for_everybody(world, which):
    pk = world[which].pk
    officer = staff("drafter", "department_admin", dept=world["gov"])
    root = staff("root", superuser=True)
    for user in (None, officer, root):
        c = Client()
        if user is not None:
            c.force_login(user)
        for path in (f"/openness/policies/{pk}/", f"/openness/policies/{pk}/print/"):
            assert c.get(path).status_code == 404, (user, path)


def test_an_unknown_policy_is_404(world, client):
    assert client.get("/openness/policies/999999/").status_code == 404
    assert client.get("/openness/policies/99999999999999999999/").status_code == 404


def test_the_print_view_has_the_document_and_no_navigation(world, client):
    p = world["old"]
    response = client.get(f"/openness/policies/{p.pk}/print/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "鄂政发〔2019〕8号" in body and "住房公积金的缴存" in body and "本文件效力状态：已废止" in body
    assert 'class="site-nav"' not in body and 'class="site-header"' not in body and "print-page" in body
    assert "openness/openness.css" in body


def test_related_policies_share_an_item_or_the_issuer_and_subject(world, client):
    a, b = world["business"], policy(world["gov"], title="关于企业开办的通知", subject=Subject.COMMERCE)
    link(a, "11420000MB1234567X142000000001")
    link(b, "11420000MB1234567X142000000001")
    same = policy(world["gov"], title="关于营商环境评价的通知", subject=Subject.ECONOMY)
    body = client.get(f"/openness/policies/{a.pk}/").content.decode()
    section = body[body.index('id="related-title"') :]
    assert "关于企业开办的通知" in section and "关于营商环境评价的通知" in section
    assert section.index("关于企业开办的通知") < section.index("关于营商环境评价的通知")
    assert "草稿" not in section and same.pk


def test_an_attachment_of_a_public_policy_downloads_and_of_a_draft_does_not(world, client):
    p, draft = world["business"], world["draft"]
    files = []
    for owner in (p, draft):
        att = PolicyAttachment(policy=owner, name="附件1.pdf", size=9, content_type="application/pdf")
        att.file.save("a.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
        files.append(att)
    response = client.get(f"/openness/policies/{p.pk}/attachments/{files[0].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4\n"
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert client.get(f"/openness/policies/{draft.pk}/attachments/{files[1].pk}/").status_code == 404
    # Another policy's attachment through this policy's path: not found.
    assert client.get(f"/openness/policies/{p.pk}/attachments/{files[1].pk}/").status_code == 404


def test_reading_public_pages_writes_nothing(world, client):
    before = (Policy.objects.count(), AuditEvent.objects.count())
    client.get(LIBRARY, {"q": "营商环境"})
    client.get(f"/openness/policies/{world['business'].pk}/")
    assert (Policy.objects.count(), AuditEvent.objects.count()) == before
