"""The portal's pages: exact content, bad input, escaping and bounded queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tongban.catalog import queries as catalog_queries
from tongban.catalog import services as catalog_services
from tongban.catalog.presenters import guide as guide_dict
from tongban.catalog.queries import SearchFilters
from tongban.catalog.testing import SYSTEM
from tongban.portal.context import LARGE_TEXT_COOKIE, REGION_COOKIE

from .conftest import LICENCE_ELEMENTS, LICENCE_MATERIALS

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed (for phrases split by tags)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html(response), flags=re.S)
    body = re.sub(r'<span lang="zh-Hans">([^<]*)</span>', r"\1", body)  # data inside a sentence
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def current_item_count() -> int:
    return catalog_queries.search_items(SearchFilters())[0]


# --- home ---------------------------------------------------------------------------------


def test_home_shows_search_first_then_topics_hot_items_lists_and_entries(
    client, licence_item, insurance_item
):
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="zh-Hans">' in page
    assert 'href="#main"' in page and 'id="main"' in page  # skip link
    # The search box comes before every section.
    assert page.index('name="q"') < page.index('id="person"') < page.index('id="enterprise"')
    assert '<label for="q">输入事项名称或关键词</label>' in page
    # Topics by audience, each a link.
    assert f'href="{reverse("portal:topic", args=["birth"])}"' in page
    assert ">出生<" in page and ">婚育<" in page
    enterprise = page[page.index('id="enterprise"') :]
    assert ">开办<" in enterprise and ">注销<" in enterprise and ">出生<" not in enterprise
    # Hot items, most popular first.
    hot = page[page.index('id="hot-title"') : page.index('id="lists-title"')]
    assert hot.index("营业执照核发") < hot.index("社会保险登记")
    assert f'href="/items/{licence_item.code}/"' in hot
    # The published lists.
    for kind, label in (("now", "马上办"), ("online", "网上办"), ("nearby", "就近办"), ("once", "一次办")):
        assert f'href="/lists/{kind}/"' in page and f">{label}<" in page
    assert 'href="/lists/visits/"' in page
    # 数据指标 leads to the insight dashboards (the tile and the main navigation)
    assert '<a class="tile tile--list" href="/insight/"><span class="tile__name">数据指标</span></a>' in page
    assert '<li><a href="/insight/">数据指标</a></li>' in page
    # Entries that are not built yet are disabled tiles with 即将开通, never links; 办件查询,
    # 证照 and 政务公开 exist: an anonymous visitor gets 办件进度查询 (no sign-in), 我的证照 and
    # the policy library.
    entries = page[page.index('id="entries-title"') :]
    for label in ("好差评", "12345 留言"):
        assert f'<span class="tile__name">{label}</span>' in entries
    assert '<a class="tile__name" href="/bundles/">一件事</a>' in entries  # the themes of the chosen region
    assert '<a class="tile__name" href="/openness/">政务公开</a>' in entries
    assert '<a class="tile__name" href="/cases/progress/">办件进度查询</a>' in entries
    assert '<a class="tile__note" href="/cases/">登录后查看我的办件</a>' in entries
    assert '<a class="tile__name" href="/licences/">我的证照</a>' in entries
    assert entries.count("即将开通") == 2
    assert entries.count('aria-disabled="true"') == 2
    # Header: region switch, language, large text, sign-in placeholder.
    assert "湖北省（全省）" in page and 'href="/region/?next=/"' in page
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in page
    assert 'action="/display/"' in page and 'aria-pressed="false"' in page
    assert 'href="/accounts/login/?next=/"' in page


def test_home_without_any_data_still_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "主题正在整理中" in html(response)
    assert "本地区暂未发布事项" in html(response)


def test_pages_carry_no_inline_script_or_style(client, licence_item):
    for url in (
        "/",
        "/search/?q=营业执照",
        f"/items/{licence_item.code}/",
        f"/items/{licence_item.code}/print/",
        "/region/",
        "/indicators/",
        "/lists/online/",
        "/lists/visits/",
    ):
        page = html(client.get(url))
        assert " style=" not in page, url
        assert "<style" not in page, url
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert " src=" in tag, (url, tag)
        assert "Content-Security-Policy" in client.get(url).headers


def test_home_htmx_script_is_served_locally(client):
    page = html(client.get("/"))
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in page
    assert client.get("/static/django_htmx/htmx-2.min.js").status_code == 200
    assert client.get("/static/portal/portal.css").status_code == 200
    assert client.get("/static/portal/portal.js").status_code == 200


# --- search -------------------------------------------------------------------------------


def test_search_lists_the_matching_item_and_not_the_others(
    client, licence_item, insurance_item, marriage_item
):
    response = client.get("/search/", {"q": "营业执照"})
    assert response.status_code == 200
    page = html(response)
    assert "找到 1 个与“营业执照”相关的事项" in text_of(response)
    assert f'href="/items/{licence_item.code}/"' in page
    assert "社会保险登记" not in page and "结婚登记" not in page
    result = page[page.index('<article class="result">') : page.index("</article>")]
    assert "武汉市市场监督管理局" in result
    assert "湖北省武汉市" in result
    assert "行政许可" in result
    assert "承诺时限 3个工作日" in text_of(response)
    assert '<span class="badge badge--once">最多跑一次</span>' in result
    assert "全程网办" not in result  # this one needs a visit


def test_search_result_badges_for_zero_visit_fully_online_and_immediate(client, insurance_item):
    response = client.get("/search/", {"q": "社会保险"})
    result = html(response)
    assert '<span class="badge badge--zero">零跑动</span>' in result
    assert '<span class="badge badge--online">全程网办</span>' in result
    assert "承诺时限 即时办结" in text_of(response)


def test_search_filters_by_item_type(client, licence_item, insurance_item, marriage_item):
    response = client.get("/search/", {"item_type": "20"})
    page = html(response)
    assert "共 1 个事项" in text_of(response)
    assert "社会保险登记" in page and "营业执照核发" not in page
    assert '<option value="20" selected>公共服务（1）</option>' in page  # with its count
    # The active filter can be removed with one tap, keeping the query.
    assert '<li><a href="?">事项类型：公共服务 <span aria-hidden="true">×</span>' in page
    with_query = html(client.get("/search/", {"q": "社会保险", "item_type": "20"}))
    assert '<li><a href="?q=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9">事项类型：公共服务' in with_query


def test_search_by_code_prefix(client, licence_item, insurance_item):
    response = client.get("/search/", {"q": licence_item.code})
    assert "营业执照核发" in html(response) and "社会保险登记" not in html(response)


def test_search_pages_through_results(client, wuhan_dept, many_items):
    first = client.get("/search/", {"q": "食品经营许可证"})
    assert "找到 12 个" in text_of(first)
    assert "第 1 / 1 页" not in text_of(first)  # one page: no pagination
    for n in range(12):
        assert f"食品经营许可证核发{n}<" in html(first)
    beyond = client.get("/search/", {"q": "食品经营许可证", "page": "3"})
    assert beyond.status_code == 200
    assert "没有这一页" in html(beyond) and "回到第一页" in html(beyond)


def test_search_pagination_links_keep_the_query(client, wuhan_dept):
    from tongban.catalog.testing import make_basic_item, make_item

    for n in range(21):
        make_item(wuhan_dept, make_basic_item(name=f"建筑施工许可{n}"))
    first = client.get("/search/", {"q": "建筑施工许可"})
    assert "第 1 / 2 页" in text_of(first)
    assert 'rel="next" href="?q=%E5%BB%BA%E7%AD%91%E6%96%BD%E5%B7%A5%E8%AE%B8%E5%8F%AF&amp;page=2"' in html(
        first
    )
    second = client.get("/search/", {"q": "建筑施工许可", "page": "2"})
    assert "第 2 / 2 页" in text_of(second)
    assert html(second).count('<article class="result">') == 1
    assert '<ol class="results" start="21">' in html(second)


def test_search_empty_state_suggests_what_to_do(client, licence_item):
    response = client.get("/search/", {"q": "火星移民", "item_type": "01"})
    assert response.status_code == 200
    page = html(response)
    assert "没有找到相关事项" in page
    assert "去掉筛选条件再搜一次" in page
    assert 'href="/search/?q=%E7%81%AB%E6%98%9F%E7%A7%BB%E6%B0%91"' in page
    assert 'href="tel:12345"' in page
    assert 'href="/search/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7"' in page  # a suggestion


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"item_type": "xx"}, "item_type", "事项类型应为国家代码表中的两位代码"),
        ({"page": "0"}, "page", "页码应为1到500之间的整数"),
        ({"page": "abc"}, "page", "页码应为1到500之间的整数"),
        ({"page": "501"}, "page", "页码应为1到500之间的整数"),
        ({"q": "营" * 200}, "q", "不能超过100个字"),
        ({"q": "<script>alert(1)</script>"}, "q", "不能包含 &lt; 或 &gt; 等符号"),
        ({"region": "42"}, "region", "行政区划代码应为6位或12位数字"),
        ({"department": "not a dept!"}, "department", "部门应为部门编号或18位统一社会信用代码"),
        ({"list": "someday"}, "list", "清单只能是"),
        ({"topic": "a b"}, "topic", "主题应为英文字母、数字或连字符组成的标识"),
    ],
)
def test_search_bad_input_is_400_naming_the_field(client, licence_item, params, field, message):
    before = current_item_count()
    response = client.get("/search/", params)
    assert response.status_code == 400
    page = html(response)
    assert "搜索条件有误，请修改后再试" in page
    assert f"{field}：" in page
    assert message in page
    assert '<article class="result">' not in page  # no results next to an error
    assert current_item_count() == before


def test_a_nul_byte_in_the_search_is_refused_before_the_search(client):
    """The request guard (core.middleware.InputGuardMiddleware) names the field for every page."""
    before = current_item_count()
    response = client.get("/search/", {"q": "营业\x00执照"})
    assert response.status_code == 400
    assert "q：不能包含空字符（NUL）" in html(response)
    assert current_item_count() == before


def test_search_error_is_shown_next_to_the_field(client):
    response = client.get("/search/", {"item_type": "xx"})
    page = html(response)
    # The older parameter name's error shows on the filter that replaced it (type).
    assert 'id="f-type-error"' in page
    assert '<select id="f-type" name="type" aria-invalid="true" aria-describedby="f-type-error">' in page
    assert 'href="#f-type"' in page


def test_markup_in_the_query_is_refused_and_never_echoed_raw(client, licence_item):
    probe = '"><img src=x onerror=alert(1)>'
    response = client.get("/search/", {"q": probe})
    assert response.status_code == 400
    page = html(response)
    assert "<img src=x" not in page
    assert escape(probe) in page  # given back, escaped, in the field so it can be corrected


def test_sql_in_the_query_is_plain_text(client, licence_item):
    probe = "' OR 1=1; DROP TABLE catalog_implementationitem; --"
    before = current_item_count()
    response = client.get("/search/", {"q": probe})
    assert response.status_code == 200
    assert "没有找到相关事项" in html(response)
    assert escape(probe) in html(response)
    assert current_item_count() == before == 1
    assert client.get("/search/", {"q": "营业执照"}).status_code == 200


def test_search_uses_the_chosen_region_and_the_levels_above(
    client, licence_item, insurance_item, marriage_item
):
    client.cookies[REGION_COOKIE] = "420100000000"  # 武汉市
    response = client.get("/search/")
    page = html(response)
    assert "营业执照核发" in page  # Wuhan
    assert "社会保险登记" in page  # province-level serves Wuhan too
    assert "结婚登记" not in page  # Huangshi
    assert "按您选择的地区“湖北省武汉市”显示本级及上级部门可办理的事项" in text_of(response)


def test_an_explicit_region_searches_that_region_and_below(
    client, licence_item, insurance_item, marriage_item
):
    client.cookies[REGION_COOKIE] = "420100000000"
    page = html(client.get("/search/", {"region": "420200"}))
    assert "结婚登记" in page and "营业执照核发" not in page and "社会保险登记" not in page


def test_a_tampered_region_cookie_is_ignored(client, licence_item, marriage_item):
    client.cookies[REGION_COOKIE] = "<script>"
    response = client.get("/search/")
    assert response.status_code == 200
    assert "营业执照核发" in html(response) and "结婚登记" in html(response)
    client.cookies[REGION_COOKIE] = "429999"  # well-formed, unknown
    assert client.get("/").status_code == 200
    assert client.get("/search/").status_code == 200


# --- the service guide ----------------------------------------------------------------------


def test_guide_shows_every_element(client, licence_item):
    response = client.get(f"/items/{licence_item.code}/")
    assert response.status_code == 200
    page, text = html(response), text_of(response)
    g = guide_dict(licence_item)
    # Identity, version, classification.
    for value in (
        g["name"],
        g["code"],
        g["basic_code"],
        g["department"],
        g["department_code"],
        g["region_name"],
        g["region"],
        g["item_type"]["name"],
        g["level"]["name"],
        g["case_type"]["name"],
    ):
        assert escape(value) in page, value
    assert "第 1 版" in text
    assert f'datetime="{licence_item.published_at.isoformat()}"' in page or "发布于" in text
    assert licence_item.published_at.astimezone().strftime("%Y-%m-%d") in text
    assert "市级" in text and "行政许可" in text and "承诺件" in text
    assert "企业法人" in text  # service objects
    # Texts.
    for key in (
        "description",
        "conditions",
        "limit_note",
        "fee_basis",
        "visit_reason",
        "result_name",
        "result_sample",
        "consult_phone",
        "complaint_phone",
    ):
        assert escape(LICENCE_ELEMENTS[key]) in page, key
    assert escape("《中华人民共和国市场主体登记管理条例》第三条") in page  # legal basis
    # Limits with units; visits.
    assert "法定办结时限 15个工作日" in text
    assert "承诺办结时限 3个工作日" in text
    assert "到办事现场次数 最多跑一次" in text
    # Fees.
    assert "执照副本工本费" in text and "10元/本" in text
    # Handling forms, online depth, delivery, nearby, online address.
    assert "窗口办理、电脑端网上办理、快递申请" in text
    assert "互联网咨询、收件、预审、受理" in text
    assert "窗口领取、电子证照/网上下载" in text
    assert "是，可在乡镇（街道）、村（社区）便民服务站办理" in text
    assert 'href="https://zwfw.example.cn/apply/yyzz"' in page
    # Handling items.
    assert "营业执照核发（设立登记）" in text and "营业执照核发（变更登记）" in text
    assert f"{licence_item.code}002" in text and "变更" in text
    # Steps.
    for step in LICENCE_ELEMENTS["steps"]:
        assert step["name"] in text and step["description"] in text
    assert "时限：1个工作日" in text
    # Places and phones as tel: links.
    place = LICENCE_ELEMENTS["places"][0]
    for key in ("name", "address", "hours", "phone"):
        assert place[key] in text
    assert (
        'href="tel:02785556789"' in page
        and 'href="tel:02785551234"' in page
        and 'href="tel:02712315"' in page
    )
    # FAQs.
    assert "个体户也要办营业执照吗？" in text and "需要，个体工商户同样应当登记。" in text


def test_guide_materials_table(client, licence_item, id_card_type):
    response = client.get(f"/items/{licence_item.code}/")
    page, text = html(response), text_of(response)
    table = page[page.index('<table class="stack-table materials">') : page.index("</table>")]
    rows = table.split("<tr>")[2:]
    assert len(rows) == len(LICENCE_MATERIALS)
    for row, material in zip(rows, LICENCE_MATERIALS, strict=True):
        assert escape(material["name"]) in row
    first, licence, deferred, optional = rows
    assert "申请人自备" in first and "电子" in first and "必要" in first
    assert "原件 1 份，复印件 0 份" in first
    assert "法定代表人签字" in first and "可在线填写" in first
    assert (
        '政府部门核发<span lang="zh-Hans">（公安机关核发）</span>' in licence
        and "原件 1 份，复印件 1 份" in licence
    )
    # Not signed in: nothing is promised, only that a holder of the licence need not submit it.
    assert '<span class="exempt">免提交</span>' not in licence
    assert '可用电子证照“<span lang="zh-Hans">居民身份证</span>”代替：登录后，持有有效证照的免提交' in licence
    assert "免提交" not in first
    assert "容缺后补" in deferred and "纸质" in deferred
    assert "非必要" in optional and "中介机构出具" in optional
    assert "“容缺后补”的材料可以先受理" in text
    assert "1项材料可用电子证照代替：登录后，持有有效证照的免提交" in text


def test_a_material_whose_licence_type_the_library_lacks_is_not_promised_as_exempt(client, licence_item):
    page = html(client.get(f"/items/{licence_item.code}/"))
    assert 'class="exempt"' not in page and 'id="exempt-count"' not in page


def test_search_results_say_which_materials_a_licence_may_replace_without_promising_it(
    client, licence_item, id_card_type
):
    # A result is read by everyone: it says what an e-licence can replace, not that this reader
    # need not submit it (the guide says that, to the signed-in holder only).
    page = html(client.get("/search/", {"q": "营业执照"}))
    assert "1项材料可用电子证照代替" in page and "项材料免提交" not in page


def test_guide_buttons(client, licence_item):
    page = html(client.get(f"/items/{licence_item.code}/"))
    # An item that can be applied for online links to the application form (cases app).
    assert re.search(
        rf'<a class="button button--primary" href="/cases/apply/{licence_item.code}/"[^>]*>在线办理</a>', page
    )
    assert re.search(r"<button [^>]*disabled[^>]*>预约</button>", page)
    assert 'href="tel:02785551234">咨询 027-85551234</a>' in page
    assert f'href="/items/{licence_item.code}/print/"' in page


def test_guide_immediate_free_zero_visit(client, insurance_item):
    text = text_of(client.get(f"/items/{insurance_item.code}/"))
    assert "承诺办结时限 即时办结" in text
    assert "收费 不收费" in text
    assert "到现场次数 零跑动" in text
    assert "即办件" in text


def test_guide_lowercase_code_finds_the_item(client, licence_item):
    assert client.get(f"/items/{licence_item.code.lower()}/").status_code == 200


def test_guide_unknown_or_bad_code(client, licence_item):
    missing = client.get("/items/11420100MB0000000X3420101999000/")
    assert missing.status_code == 404
    assert "没有找到编码为 11420100MB0000000X3420101999000 的已发布事项" in html(missing)
    assert "返回首页" in html(missing)
    bad = client.get("/items/abc-def/")
    assert bad.status_code == 400
    assert "code：实施编码应为不超过36位的数字和大写字母" in html(bad)
    assert client.get(f"/items/{licence_item.code}/", {"version": "x"}).status_code == 400
    assert "version：版本号应为正整数" in html(client.get(f"/items/{licence_item.code}/", {"version": "0"}))


def test_a_draft_is_not_shown(client, wuhan_dept):
    from tongban.catalog.testing import make_basic_item, make_item

    draft = make_item(wuhan_dept, make_basic_item(name="草稿事项"), publish=False)
    assert client.get(f"/items/{draft.code}/").status_code == 404
    assert client.get(f"/items/{draft.code}/", {"version": "1"}).status_code == 404
    search = client.get("/search/", {"q": "草稿事项"})
    assert "找到 0 个与“草稿事项”相关的事项" in text_of(search)
    assert '<article class="result">' not in html(search)


@pytest.fixture
def second_version(licence_item):
    draft = catalog_services.do_new_version(actor=SYSTEM, item=licence_item)
    draft = catalog_services.do_update_draft(
        actor=SYSTEM, item=draft, data={"promised_limit": 2, "limit_note": "新版：2个工作日办结"}
    )
    catalog_services.do_submit_for_review(actor=SYSTEM, item=draft)
    return catalog_services.do_approve(actor=SYSTEM, item=draft)


def test_guide_shows_the_current_version_and_older_ones_on_request(client, licence_item, second_version):
    current = text_of(client.get(f"/items/{licence_item.code}/"))
    assert "第 2 版" in current and "承诺办结时限 2个工作日" in current and "新版：2个工作日办结" in current
    assert "历史版本" not in current
    old = client.get(f"/items/{licence_item.code}/", {"version": "1"})
    assert old.status_code == 200
    text = text_of(old)
    assert "您查看的是历史版本（第 1 版）" in text
    assert "承诺办结时限 3个工作日" in text and "新版" not in text
    assert f'href="/items/{licence_item.code}/">查看当前版本' in html(old)
    assert f'href="/items/{licence_item.code}/print/?version=1"' in html(old)
    assert client.get(f"/items/{licence_item.code}/", {"version": "3"}).status_code == 404


def test_print_variant_has_the_guide_but_no_navigation_or_buttons(client, licence_item):
    response = client.get(f"/items/{licence_item.code}/print/")
    assert response.status_code == 200
    page, text = html(response), text_of(response)
    assert "营业执照核发" in page and "公司登记（备案）申请书" in page and "承诺办结时限 3个工作日" in text
    assert "site-nav" not in page and "header-search" not in page
    assert "在线办理" not in page and "预约" not in page
    assert f'href="/items/{licence_item.code}/">返回办事指南' in page
    assert "data-print hidden" in page  # JS reveals the print button


def test_print_stylesheet_hides_navigation_and_buttons(client):
    css = b"".join(client.get("/static/portal/portal.css").streaming_content).decode()
    print_rules = css[css.index("@media print") :]
    for selector in (".site-header", ".site-nav", ".guide-actions", ".no-print"):
        assert selector in print_rules.split("display: none")[0]


# --- department, topic, lists, indicators --------------------------------------------------


def test_department_page(client, wuhan_dept, licence_item, many_items):
    response = client.get(f"/departments/{wuhan_dept.pk}/")
    assert response.status_code == 200
    page, text = html(response), text_of(response)
    assert '<h1 lang="zh-Hans">武汉市市场监督管理局</h1>' in page
    assert wuhan_dept.credit_code in page
    assert "所在地区 湖北省武汉市" in text
    assert 'href="tel:02712345678"' in page
    assert "办理事项（13 项）" in text
    assert "<h3>行政许可</h3>" in page
    assert "事项总数 13" in text
    assert "可网办率 100.00%" in text
    assert "全程网办率 92.31%" in text  # 12 of 13: the licence item needs a visit
    assert "最多跑一次 100.00%" in text
    assert "零跑动 92.31%" in text


def test_department_unknown(client, regions):
    assert client.get("/departments/999999/").status_code == 404


def test_topic_page_lists_its_items_for_the_region(client, licence_item, insurance_item, marriage_item):
    response = client.get("/topics/marriage/")
    assert response.status_code == 200
    assert "<h1>婚育</h1>" in html(response) and ">结婚登记</a>" in html(response)
    assert "营业执照核发" not in html(response)
    client.cookies[REGION_COOKIE] = "420100000000"
    empty = client.get("/topics/marriage/")
    assert "本地区暂无此主题的事项" in html(empty) and ">结婚登记</a>" not in html(empty)
    assert client.get("/topics/nothing-here/").status_code == 404


@pytest.mark.parametrize(
    ("kind", "title", "present", "absent"),
    [
        ("now", "马上办", ["社会保险登记"], ["营业执照核发", "结婚登记"]),
        ("online", "网上办", ["社会保险登记", "营业执照核发", "结婚登记"], []),
        ("nearby", "就近办", ["营业执照核发", "结婚登记"], ["社会保险登记"]),
        ("once", "一次办", ["社会保险登记", "营业执照核发", "结婚登记"], []),
    ],
)
def test_handling_lists(client, licence_item, insurance_item, marriage_item, kind, title, present, absent):
    response = client.get(f"/lists/{kind}/")
    assert response.status_code == 200
    page = html(response)
    assert f"“{title}”事项清单" in page
    assert f'href="/lists/{kind}/" aria-current="page"' in page
    for name in present:
        assert f">{name}</a>" in page, name
    for name in absent:
        assert f">{name}</a>" not in page, name


def test_handling_list_for_the_chosen_region(client, licence_item, insurance_item, marriage_item):
    client.cookies[REGION_COOKIE] = "420200000000"  # 黄石市
    page = html(client.get("/lists/online/"))
    assert ">结婚登记</a>" in page and ">营业执照核发</a>" not in page
    assert "当前地区：湖北省黄石市" in page


def test_unknown_list_is_404(client):
    assert client.get("/lists/someday/").status_code == 404


def test_visits_list(client, licence_item, insurance_item, marriage_item):
    response = client.get("/lists/visits/")
    page, text = html(response), text_of(response)
    assert "<h1>跑动次数清单</h1>" in page
    assert text.index("社会保险登记") < text.index("结婚登记")  # 0 visits first
    assert "首次申领须本人到窗口核验身份并领取执照原件" in text
    assert "双方须本人到场" in text
    assert "零跑动" in text and "最多跑一次" in text


def test_indicators_by_city(client, licence_item, insurance_item, marriage_item):
    response = client.get("/indicators/")
    assert response.status_code == 200
    text = text_of(response)
    assert "湖北省合计" in text
    assert "事项总数 3" in text and "零跑动 33.33%" in text and "最多跑一次 100.00%" in text
    assert "武汉市 1 100.00% 0.00% 100.00% 0.00%" in text
    assert "黄石市 1 100.00% 0.00% 100.00% 0.00%" in text
    assert "十堰市 0 0.00% 0.00% 0.00% 0.00%" in text


def test_indicators_without_regions(client, db):
    # The state this test describes, whatever a module before left behind outside its transaction:
    # no rows at all, inside this test's own transaction (rolled back after it).
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    response = client.get("/indicators/")
    assert response.status_code == 200
    assert "还没有行政区划数据" in html(response)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/?q=食品经营许可证",
        "/lists/online/",
        "/lists/now/",
        "/lists/visits/",
        "/indicators/",
        "/topics/start-business/",
        "/region/?code=420100",
        "DEPT",
        "GUIDE",
    ],
)
def test_pages_use_a_bounded_number_of_queries(
    client, licence_item, many_items, wuhan_dept, url, django_assert_max_num_queries
):
    url = url.replace("DEPT", f"/departments/{wuhan_dept.pk}/").replace(
        "GUIDE", f"/items/{licence_item.code}/"
    )
    client.cookies[REGION_COOKIE] = "420100000000"
    client.get(url)  # warm up (jieba, templates)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


# --- region switch, large text, language -----------------------------------------------------


def test_region_page_without_js_browses_the_tree(client, regions):
    top = client.get("/region/")
    assert top.status_code == 200
    assert "选择省份" in html(top) and ">湖北省<" in html(top)
    wuhan = client.get("/region/", {"code": "420100"})
    page = html(wuhan)
    assert "武汉市的下级地区" in page
    assert ">江岸区<" in page and ">江夏区<" in page
    assert 'value="420100000000"' in page  # choose Wuhan itself
    assert 'href="/region/?code=420000000000"' in page  # breadcrumb up to the province
    # Only regions that have children offer to go down a level.
    assert 'href="/region/?code=420115000000"' in page  # 江夏区 has townships in the data
    assert 'href="/region/?code=420102000000"' not in page  # 江岸区 has none


def test_region_children_fragment_for_htmx(client, regions):
    response = client.get("/region/children/420115/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith('<div id="region-picker"')
    assert "<html" not in page
    assert ">纸坊街道<" in page and ">湖泗街道<" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_region_children_fragment_bad_codes(client, regions):
    assert client.get("/region/children/abc/").status_code == 400
    assert client.get("/region/children/429999/").status_code == 404


def test_choosing_a_region_sets_the_cookie_and_returns(client, regions, licence_item, marriage_item):
    response = client.post("/region/", {"code": "420100000000", "next": "/lists/online/"})
    assert response.status_code == 302
    assert response["Location"] == "/lists/online/"
    cookie = response.cookies[REGION_COOKIE]
    assert cookie.value == "420100000000"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    home = html(client.get("/"))
    assert "湖北省武汉市" in home
    hot = home[home.index('id="hot-title"') : home.index('id="lists-title"')]
    assert "营业执照核发" in hot and "结婚登记" not in hot
    # Clearing the choice goes back to the whole province.
    cleared = client.post("/region/", {"code": ""})
    assert cleared.cookies[REGION_COOKIE].value == ""
    assert "湖北省（全省）" in html(client.get("/"))


def test_choosing_a_region_refuses_bad_codes_and_foreign_redirects(client, regions):
    bad = client.post("/region/", {"code": "abc"})
    assert bad.status_code == 400
    assert REGION_COOKIE not in bad.cookies
    assert "code：行政区划代码应为6位或12位数字" in html(bad)
    unknown = client.post("/region/", {"code": "429999"})
    assert unknown.status_code == 404 and REGION_COOKIE not in unknown.cookies
    evil = client.post("/region/", {"code": "420100", "next": "https://evil.example/"})
    assert evil["Location"] == "/"
    evil2 = client.post("/region/", {"code": "420100", "next": "//evil.example/"})
    assert evil2["Location"] == "/"


def test_region_post_needs_csrf(regions):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/region/", {"code": "420100"})
    assert response.status_code == 403
    assert REGION_COOKIE not in response.cookies


def test_large_text_mode(client):
    response = client.post("/display/", {"large": "1", "next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert response.cookies[LARGE_TEXT_COOKIE].value == "1"
    page = html(client.get("/"))
    assert '<body class="large-text page-home">' in page
    assert 'aria-pressed="true"' in page
    off = client.post("/display/", {"large": "0"})
    assert off.cookies[LARGE_TEXT_COOKIE].value == ""
    assert '<body class=" page-home">' in html(client.get("/"))
    assert client.get("/display/").status_code == 405


def test_english_is_available(client, licence_item):
    from pathlib import Path

    from django.conf import settings

    if not (Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.mo").exists():
        pytest.skip("translations not compiled: run `make setup` (compilemessages)")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = html(client.get("/"))
    assert '<html lang="en">' in page
    assert "Personal services" in page and "Search" in page
    guide = text_of(client.get(f"/items/{licence_item.code}/"))
    assert "Promised time limit 3 working days" in guide
    assert "营业执照核发" in guide  # data stays as published
