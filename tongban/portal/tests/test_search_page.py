"""The search page's filters (/search/?q=&region=&department=&type=&object=&mode=), their counts,
bad values (a message naming the parameter, 400, never 500), results telling identical names
apart, the guide saying who handles an item, 热门服务 per region and the header links."""

from __future__ import annotations

import re

import pytest

from tongban.accounts import services as account_services
from tongban.catalog import queries as catalog_queries
from tongban.catalog.queries import SearchFilters
from tongban.catalog.testing import SYSTEM
from tongban.portal.context import REGION_COOKIE

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html(response), flags=re.S)
    body = re.sub(r"</?span\b[^>]*>", "", body)  # data marked lang="zh-Hans" inside a sentence
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def result_places(response) -> list[tuple[str, str, str]]:
    """(region, department, level) of each result, in order."""
    return re.findall(
        r'<span class="result__region" lang="zh-Hans">([^<]*)</span>\s*'
        r'<a class="result__dept" href="[^"]*" lang="zh-Hans">([^<]*)</a>\s*'
        r'<span class="result__level">([^<]*)</span>',
        html(response),
    )


def count() -> int:
    return catalog_queries.search_items(SearchFilters())[0]


# --- results tell identical names apart ---------------------------------------------------------


def test_identical_names_show_their_region_department_and_level(client, search_world):
    response = client.get("/search/", {"q": "食品经营许可"})
    assert response.status_code == 200
    assert result_places(response) == [
        ("湖北省黄石市", "黄石市民政局", "市级"),
        ("湖北省武汉市", "武汉市市场监督管理局", "市级"),
        ("湖北省武汉市江夏区", "武汉市江夏区行政审批局", "县级"),
    ]


def test_the_region_parameter_ranks_its_own_items_first(client, search_world):
    response = client.get("/search/", {"q": "食品经营许可", "region": "420100"})
    assert [r for r, _, _ in result_places(response)] == ["湖北省武汉市", "湖北省武汉市江夏区"]


def test_the_chosen_region_ranks_its_own_then_its_parents(client, search_world):
    client.cookies[REGION_COOKIE] = "420115000000"
    response = client.get("/search/", {"q": "食品经营许可"})
    assert [r for r, _, _ in result_places(response)] == ["湖北省武汉市江夏区", "湖北省武汉市"]


def test_region_and_department_filter_together(client, search_world):
    response = client.get(
        "/search/", {"q": "食品经营许可", "region": "420100", "department": search_world["jiangxia"].pk}
    )
    assert result_places(response) == [("湖北省武汉市江夏区", "武汉市江夏区行政审批局", "县级")]
    text = text_of(response)
    assert "地区：湖北省武汉市 ×" in text and "部门：武汉市江夏区行政审批局 ×" in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "20"}, ["城乡居民养老保险参保登记"]),
        ({"item_type": "20"}, ["城乡居民养老保险参保登记"]),  # the older name still works
        ({"q": "登记", "object": "1", "mode": "nearby"}, ["个体工商户设立登记"]),
        ({"q": "登记", "list": "nearby"}, ["个体工商户设立登记"]),  # the older name of mode
        ({"q": "食品经营许可", "object": "2", "region": "420115"}, ["食品经营许可"]),
        ({"q": "许可", "object": "5"}, []),
    ],
)
def test_each_filter_parameter(client, search_world, params, expected):
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert (
        re.findall(r'<h2 class="result__name"><a href="[^"]*" lang="zh-Hans">([^<]*)</a>', html(response))
        == expected
    )


def test_filters_show_counts_of_the_match(client, search_world):
    page = html(client.get("/search/", {"q": "食品经营许可"}))
    assert '<option value="420100000000">湖北省武汉市（1）</option>' in page
    assert f'<option value="{search_world["jiangxia"].pk}">武汉市江夏区行政审批局（1）</option>' in page
    assert '<option value="01">行政许可（3）</option>' in page
    assert '<option value="2">企业法人（3）</option>' in page
    assert '<option value="online">网上办（3）</option>' in page
    # Collapsible (closed on a phone until tapped; portal.js opens it on wide screens).
    assert '<details class="filters" id="filters" data-open-wide>' in page
    assert '<button type="submit" class="button">应用筛选</button>' in page  # works without JS


def test_a_chosen_filter_keeps_no_false_zero_on_its_other_choices(client, search_world):
    page = html(client.get("/search/", {"q": "登记", "type": "01"}))
    assert '<option value="01" selected>行政许可（2）</option>' in page
    assert '<option value="20">公共服务</option>' in page  # choosing it finds one: no "（0）"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"object": "7"}, "object", "服务对象应为 1（自然人）"),
        ({"object": "自然人"}, "object", "服务对象应为 1（自然人）"),
        ({"mode": "soon"}, "mode", "清单只能是 now（马上办）"),
        ({"type": "99"}, "type", "事项类型应为国家代码表中的两位代码"),
        ({"region": "429999"}, "region", "行政区划 429999 不存在"),
        ({"department": "999999"}, "department", "部门 999999 不存在"),
        ({"region": "abc"}, "region", "行政区划代码应为6位或12位数字"),
    ],
)
def test_bad_filter_values_are_a_message_naming_the_parameter(client, search_world, params, field, message):
    before = count()
    response = client.get("/search/", {"q": "食品经营许可", **params})
    assert response.status_code == 400
    page = html(response)
    assert "搜索条件有误，请修改后再试" in page
    assert f"{field}：" in page and message in page
    assert '<article class="result">' not in page
    assert count() == before


def test_the_form_after_an_error_keeps_the_valid_choices(client, search_world):
    response = client.get("/search/", {"q": "登记", "type": "20", "object": "x"})
    page = html(response)
    assert '<option value="20" selected>公共服务</option>' in page
    assert 'id="f-object-error"' in page and 'aria-describedby="f-object-error"' in page
    assert '<details class="filters" id="filters" data-open-wide open>' in page


# --- the same item at county and township -------------------------------------------------------


def test_the_two_trader_registrations_say_who_handles_which(client, search_world):
    page = text_of(client.get("/search/", {"q": "个体工商户设立登记"}))
    assert (
        "同一事项也由武汉市江夏区行政审批局（县级）办理；江夏区纸坊街道便民服务中心在纸坊街道就近受理，不用跑到江夏区。"
        in page
    )
    assert "纸坊街道的群众也可到江夏区纸坊街道便民服务中心就近办理同一事项。" in page


def test_the_guide_says_who_handles_it_and_why_there_are_two(client, search_world):
    township = text_of(client.get(f"/items/{search_world['trader_township'].code}/"))
    assert (
        "本事项由江夏区纸坊街道便民服务中心（镇（乡、街道）级，湖北省武汉市江夏区纸坊街道）办理。" in township
    )
    assert (
        "同一事项（基本编码相同）也由武汉市江夏区行政审批局（县级）实施。江夏区纸坊街道便民服务中心是设在本地的"
        "便民服务中心，就近受理本地群众的申请，不用跑到江夏区；在哪一处申请都可以。"
    ) in township
    response = client.get(f"/items/{search_world['trader_county'].code}/")
    assert "纸坊街道的群众也可以到江夏区纸坊街道便民服务中心就近申请同一事项，不用跑到这里。" in text_of(
        response
    )
    county = html(response)
    assert f'href="/items/{search_world["trader_township"].code}/"' in county


# --- 热门服务 per region ----------------------------------------------------------------------------


def hot(response) -> list[str]:
    page = html(response)
    block = page[page.index('id="hot-title"') : page.index('id="lists-title"')]
    return re.findall(
        r'<li><a href="[^"]*" lang="zh-Hans">([^<]*)</a><span class="muted" lang="zh-Hans">([^<]*)</span>',
        block,
    )


def test_hot_items_follow_the_chosen_region(client, search_world):
    assert hot(client.get("/"))[:2] == [
        ("食品经营许可", "黄石市 · 黄石市民政局"),
        ("食品经营许可", "武汉市 · 武汉市市场监督管理局"),
    ]
    client.cookies[REGION_COOKIE] = "420115001000"
    assert hot(client.get("/"))[:4] == [
        ("个体工商户设立登记", "纸坊街道 · 江夏区纸坊街道便民服务中心"),
        ("城乡居民养老保险参保登记", "纸坊街道 · 江夏区纸坊街道便民服务中心"),
        ("个体工商户设立登记", "江夏区 · 武汉市江夏区行政审批局"),
        ("食品经营许可", "江夏区 · 武汉市江夏区行政审批局"),
    ]


# --- header and home links ----------------------------------------------------------------------


def test_a_signed_in_person_has_my_cases_and_my_licences_in_the_header(client, regions):
    person = account_services.do_register_person(
        actor=SYSTEM, mobile="13900009999", password="Str0ng-pass-2026", display_name="王五"
    )
    client.force_login(person)
    for url in ("/", "/search/"):
        page = html(client.get(url))
        header = page[page.index('<header class="site-header">') : page.index("</header>")]
        assert '<a href="/cases/" data-nav="my-cases">我的办件</a>' in header
        assert '<a href="/licences/" data-nav="my-licences">我的证照</a>' in header
        assert "/cases/progress/" not in header
    home = html(client.get("/"))
    entries = home[home.index('id="entries-title"') :]
    assert '<a class="tile__name" href="/cases/">我的办件</a>' in entries
    assert '<a class="tile__name" href="/licences/">我的证照</a>' in entries
    assert "即将开通" in entries and entries.count("即将开通") == 2  # 好差评, 12345 留言
    me = html(client.get("/accounts/me/"))
    assert 'href="/cases/">我的办件</a>' in me and 'href="/licences/">我的证照</a>' in me


def test_an_anonymous_visitor_gets_the_progress_lookup_in_the_header(client, regions):
    page = html(client.get("/"))
    header = page[page.index('<header class="site-header">') : page.index("</header>")]
    assert '<a href="/cases/progress/" data-nav="progress">办件进度查询</a>' in header
    assert "我的办件" not in header and "我的证照" not in header
    entries = page[page.index('id="entries-title"') :]
    for label in ("办件查询", "证照"):
        assert f'<span class="tile__name">{label}</span>' not in entries  # exists: never 即将开通
