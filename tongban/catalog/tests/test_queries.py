"""Catalogue reads: item search and filters, guides, the published lists, the indicators and
the 四级四同 report, each with exact expected numbers. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tongban.catalog import queries, services
from tongban.catalog.queries import SearchFilters
from tongban.catalog.testing import SYSTEM, item_data, make_basic_item, make_department, make_item
from tongban.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.usefixtures("regions_loaded")


@dataclass
class Catalogue:
    depts: dict
    basics: dict
    items: dict  # key -> current published version


@pytest.fixture
def cat(db) -> Catalogue:
    """Five current items in Wuhan (city and 江夏 district) and Huangshi, plus a superseded
    version and a draft that no read may count.

        key  basic    department       region  online fully once zero now nearby  popularity
        wh   licence  武汉 市场监管      420100  yes    yes   yes  yes  no  no      50
        hs   licence  黄石 市场监管      420200  no     no    yes  no   no  no      10
        food food     武汉 市场监管      420100  yes    no    yes  yes  yes yes     30
        si   social   武汉 人社          420100  yes    yes   yes  yes  no  no      20
        jx   licence  江夏 市场监管      420115  no     no    no   no   no  yes      5
    """
    depts = {
        "wh_amr": make_department(region="420100", name="武汉市市场监督管理局"),
        "hs_amr": make_department(region="420200", name="黄石市市场监督管理局"),
        "jx_amr": make_department(region="420115", name="江夏区市场监督管理局"),
        "wh_hrss": make_department(region="420100", name="武汉市人力资源和社会保障局"),
    }
    services.do_upsert_topic(actor=SYSTEM, slug="kaiban", name="企业开办", audience="enterprise")
    basics = {
        "licence": make_basic_item(code="420100101000", name="企业营业执照核发", topics=["kaiban"]),
        "food": make_basic_item(code="420100102000", name="食品经营许可证核发"),
        "social": make_basic_item(
            code="422000103000",
            name="社会保险登记",
            item_type="20",
            legal_basis="《中华人民共和国社会保险法》第五十七条",
        ),
    }
    window = {"handling_forms": ["1"], "online_depth": [], "fully_online": False}
    first = make_item(depts["wh_amr"], basics["licence"], popularity=50, promised_limit=10)
    wh = services.do_new_version(actor=SYSTEM, item=first)
    services.do_update_draft(actor=SYSTEM, item=wh, data={"promised_limit": 5})
    services.do_submit_for_review(actor=SYSTEM, item=wh)
    services.do_approve(actor=SYSTEM, item=wh)
    items = {
        "wh": wh,
        "hs": make_item(
            depts["hs_amr"], basics["licence"], popularity=10, visits=1, visit_reason="核验原件", **window
        ),
        "food": make_item(
            depts["wh_amr"],
            basics["food"],
            popularity=30,
            fully_online=False,
            case_type="1",
            promised_limit=0,
            nearby=True,
        ),
        "si": make_item(depts["wh_hrss"], basics["social"], popularity=20),
        "jx": make_item(
            depts["jx_amr"],
            basics["licence"],
            level="4",
            popularity=5,
            visits=2,
            visit_reason="现场勘验",
            nearby=True,
            **window,
        ),
    }
    make_item(depts["hs_amr"], basics["food"], publish=False, popularity=99)  # a draft
    return Catalogue(depts, basics, items)


def search(**kwargs) -> tuple[int, list[str]]:
    total, page = queries.search_items(SearchFilters(**kwargs))
    return total, [i.code for i in page]


def codes(cat, *keys) -> list[str]:
    return [cat.items[k].code for k in keys]


# --- Search ----------------------------------------------------------------------------------


def test_a_word_finds_current_items_most_popular_first(cat):
    assert search(q="营业执照") == (3, codes(cat, "wh", "hs", "jx"))
    assert search(q="执照") == (3, codes(cat, "wh", "hs", "jx"))
    assert search() == (5, codes(cat, "wh", "food", "si", "hs", "jx"))


def test_every_word_must_match(cat):
    assert search(q="营业执照 黄石") == (1, codes(cat, "hs"))
    assert search(q="江夏 营业执照") == (1, codes(cat, "jx"))
    assert search(q="武汉营业执照") == (
        2,
        codes(cat, "wh", "jx"),
    )  # 江夏区 is in 武汉市: its full name says so
    assert search(q="营业执照 社保") == (0, [])


def test_abbreviations_and_department_names(cat):
    assert search(q="社保") == (1, codes(cat, "si"))
    assert search(q="人力资源") == (1, codes(cat, "si"))
    assert search(q="许可证") == (1, codes(cat, "food"))
    assert search(q="我要办营业执照") == (3, codes(cat, "wh", "hs", "jx"))


def test_names_containing_the_whole_query_rank_first(cat):
    extra = make_basic_item(code="420100199000", name="企业开办一件事")
    bundle_item = make_item(cat.depts["wh_amr"], extra, popularity=100, result_name="营业执照、公章")
    total, found = search(q="营业执照")
    assert (total, found) == (4, [*codes(cat, "wh", "hs", "jx"), bundle_item.code])


def test_a_very_common_word_ranks_the_most_popular_candidates_and_estimates_the_count(cat, monkeypatch):
    # With room for two candidates, 营业执照 (4 matches) ranks the two most popular (the bundle
    # 95, wh 50; hs and jx are left out) and reports an estimate above two, flagged as not exact.
    extra = make_basic_item(code="420100199000", name="企业开办一件事")
    bundle_item = make_item(cat.depts["wh_amr"], extra, popularity=95, result_name="营业执照、公章")
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 2)
    total, page = queries.search_items(SearchFilters(q="营业执照"))
    assert total >= 3 and total.exact is False
    # Of the two candidates, the name hit ranks first.
    assert [i.code for i in page] == [cat.items["wh"].code, bundle_item.code]
    assert queries.search_items(SearchFilters(q="营业执照", page=2))[1] == []
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 1000)
    total, page = queries.search_items(SearchFilters(q="营业执照"))
    assert (total, total.exact) == (4, True)
    assert [i.code for i in page] == [*codes(cat, "wh", "hs", "jx"), bundle_item.code]


def test_codes_and_code_prefixes(cat):
    wh = cat.items["wh"]
    assert search(q=wh.code) == (1, [wh.code])
    assert search(q=wh.code.lower()) == (1, [wh.code])
    credit = cat.depts["wh_amr"].credit_code
    assert search(q=credit) == (2, codes(cat, "wh", "food"))
    assert search(q=credit[:12]) == (2, codes(cat, "wh", "food"))
    assert search(q=wh.code[:-1] + "9") == (0, [])


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE catalog_implementationitem; --",
        "营业执照' OR '1'='1",
        '"营业执照" OR 社保*',
        "营业 AND NOT 执照",
        "NEAR(营业 执照)",
        "search_text:营业执照",
        "<script>alert('营业执照')</script>",
        "营业执照\x00",
        "%",
        "_",
        "\\",
        "营业执照%",
    ],
)
def test_hostile_queries_are_plain_text(cat, q):
    total, found = search(q=q)
    assert total == len(found) <= 3
    assert search() == (5, codes(cat, "wh", "food", "si", "hs", "jx"))


def test_like_wildcards_do_not_widen_the_ranking(cat):
    # name__contains escapes % and _: a query of "%" has no words and finds nothing.
    assert search(q="%") == (0, [])
    assert search(q="营业执照%") == (3, codes(cat, "wh", "hs", "jx"))


@pytest.mark.parametrize("q", ["我要怎么", "的", "？！", "请问 吗", "怎么办理"])
def test_stopword_only_queries_return_nothing(cat, q):
    assert search(q=q) == (0, [])


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(st.characters(codec="utf-8"), max_size=100))
def test_no_query_errors(cat, q):
    total, found = search(q=q)
    assert total >= len(found)


# --- Filters ---------------------------------------------------------------------------------


def test_region_within_and_serving(cat):
    assert search(region="420100") == (4, codes(cat, "wh", "food", "si", "jx"))
    assert search(region="420100000000") == (4, codes(cat, "wh", "food", "si", "jx"))
    assert search(region="420115") == (1, codes(cat, "jx"))
    assert search(region="420000") == (5, codes(cat, "wh", "food", "si", "hs", "jx"))
    # Serving 江夏: its own item first, then its parents' (Wuhan's, by popularity) — issue 11.
    assert search(region="420115", scope="serving") == (4, codes(cat, "jx", "wh", "food", "si"))
    assert search(region="420102", scope="serving") == (3, codes(cat, "wh", "food", "si"))
    assert search(region="420115001200", scope="serving") == (4, codes(cat, "jx", "wh", "food", "si"))
    assert search(q="营业执照", region="420100") == (2, codes(cat, "wh", "jx"))


def test_department_type_topic_and_list_filters(cat):
    wh_amr = cat.depts["wh_amr"]
    assert search(department=str(wh_amr.pk)) == (2, codes(cat, "wh", "food"))
    assert search(department=wh_amr.credit_code.lower()) == (2, codes(cat, "wh", "food"))
    assert search(item_type="20") == (1, codes(cat, "si"))
    assert search(item_type="01", region="420200") == (1, codes(cat, "hs"))
    assert search(topic="kaiban") == (3, codes(cat, "wh", "hs", "jx"))
    assert search(topic="none") == (0, [])
    assert search(handling_list="now") == (1, codes(cat, "food"))
    assert search(handling_list="online") == (3, codes(cat, "wh", "food", "si"))
    assert search(handling_list="nearby") == (2, codes(cat, "food", "jx"))
    assert search(handling_list="once") == (4, codes(cat, "wh", "food", "si", "hs"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"q": "营" * 101}, "q"),
        ({"item_type": "99"}, "item_type"),
        ({"scope": "everywhere"}, "scope"),
        ({"handling_list": "later"}, "list"),
        ({"page": 0}, "page"),
        ({"page": 501}, "page"),
        ({"region": "4201"}, "region"),
        ({"region": "武汉"}, "region"),
        ({"department": "x y"}, "department"),
        ({"department": "1234567890123"}, "department"),
        ({"topic": "开办"}, "topic"),
        ({"topic": "kaiban\x00"}, "topic"),
    ],
)
def test_bad_filters_name_the_field(cat, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        queries.search_items(SearchFilters(**kwargs))
    assert [p.field for p in exc.value.problems] == [field]


@pytest.mark.parametrize(
    "kwargs", [{"region": "420199"}, {"department": "0"}, {"department": "91350100M000100Y43"}]
)
def test_unknown_region_or_department_is_not_found(cat, kwargs):
    with pytest.raises(NotFound):
        queries.search_items(SearchFilters(**kwargs))


def test_paging(db):
    dept = make_department(region="420100", name="武汉市民政局")
    bundles = []
    for n in range(23):
        basic = make_basic_item(code=f"4220{n + 1:05d}000", name=f"婚姻登记{n:02d}", item_type="20")
        data = item_data(dept, basic, popularity=100 - n)
        bundles.append(services.ItemBundle(data, [], []))
    services.do_import_items(actor=SYSTEM, bundles=bundles, publish=True)
    total, page1 = search(q="婚姻登记")
    assert (total, len(page1)) == (23, 20)
    assert page1 == [b.data["code"] for b in bundles[:20]]
    assert search(q="婚姻登记", page=2) == (23, [b.data["code"] for b in bundles[20:]])
    assert search(q="婚姻登记", page=3) == (23, [])


def test_search_runs_a_bounded_number_of_queries(cat, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        _, page = queries.search_items(SearchFilters(q="营业执照", region="420100"))
        shown = [(i.department.name, i.region.full_name) for i in page]
    assert shown == [("武汉市市场监督管理局", "湖北省武汉市"), ("江夏区市场监督管理局", "湖北省武汉市江夏区")]


# --- Guides ----------------------------------------------------------------------------------


def test_get_guide_current_and_by_version(cat):
    wh = cat.items["wh"]
    guide = queries.get_guide(wh.code.lower())
    assert (guide.pk, guide.version, guide.promised_limit) == (wh.pk, 2, 5)
    old = queries.get_guide(wh.code, version=1)
    assert (old.version, old.promised_limit, old.status) == (1, 10, "superseded")
    with pytest.raises(NotFound):
        queries.get_guide(wh.code, version=3)
    with pytest.raises(InvalidInput):
        queries.get_guide(wh.code, version=0)
    with pytest.raises(NotFound):
        queries.get_guide("91350100M000100Y433420100101000")


@pytest.mark.parametrize("code", ["", "a-b", "x" * 37, "营业 执照"])
def test_get_guide_bad_code(db, code):
    with pytest.raises(InvalidInput) as exc:
        queries.get_guide(code)
    assert [p.field for p in exc.value.problems] == ["code"]


def test_a_guide_loads_in_three_queries(cat, django_assert_num_queries):
    with django_assert_num_queries(3):
        guide = queries.get_guide(cat.items["wh"].code)
        shown = (
            [m.name for m in guide.materials.all()],
            [h.kind for h in guide.handling_items.all()],
            guide.department.name,
            guide.region.name,
        )
    assert shown == (["申请书", "营业执照"], ["new"], "武汉市市场监督管理局", "武汉市")


# --- The published lists and the indicators ----------------------------------------------------


def test_handling_lists(cat):
    assert [i.code for i in queries.handling_list("now", SearchFilters())] == codes(cat, "food")
    assert [i.code for i in queries.handling_list("online", SearchFilters(region="420100"))] == sorted(
        codes(cat, "wh", "food", "si")
    )
    assert [i.code for i in queries.handling_list("nearby", SearchFilters())] == codes(cat, "food", "jx")
    assert [i.code for i in queries.handling_list("once", SearchFilters(region="420200"))] == codes(cat, "hs")
    with pytest.raises(InvalidInput):
        queries.handling_list("soon", SearchFilters())


def test_visits_list(cat):
    rows = [(i.code, i.visits, i.visit_reason) for i in queries.visits_list(SearchFilters(region="420000"))]
    zero = sorted(codes(cat, "wh", "food", "si"))
    assert rows == [
        *[(c, 0, "") for c in zero],
        (cat.items["hs"].code, 1, "核验原件"),
        (cat.items["jx"].code, 2, "现场勘验"),
    ]


def ratios(total, online, fully, once, zero, now, nearby):
    def pct(n):
        return round(100 * n / total, 2) if total else 0.0

    return {
        "total": total,
        "online": online,
        "fully_online": fully,
        "at_most_once": once,
        "zero_visit": zero,
        "immediate": now,
        "nearby": nearby,
        "online_rate": pct(online),
        "fully_online_rate": pct(fully),
        "at_most_once_rate": pct(once),
        "zero_visit_rate": pct(zero),
    }


def test_indicators(cat):
    assert queries.indicators(SearchFilters()) == ratios(5, 3, 2, 4, 3, 1, 2)
    assert queries.indicators(SearchFilters()) == {
        "total": 5,
        "online": 3,
        "fully_online": 2,
        "at_most_once": 4,
        "zero_visit": 3,
        "immediate": 1,
        "nearby": 2,
        "online_rate": 60.0,
        "fully_online_rate": 40.0,
        "at_most_once_rate": 80.0,
        "zero_visit_rate": 60.0,
    }
    assert queries.indicators(SearchFilters(region="420100")) == ratios(4, 3, 2, 3, 3, 1, 2)
    assert queries.indicators(SearchFilters(region="420200")) == ratios(1, 0, 0, 1, 0, 0, 0)
    assert queries.indicators(SearchFilters(department=str(cat.depts["wh_amr"].pk))) == ratios(
        2, 2, 1, 2, 2, 1, 1
    )
    assert queries.indicators(SearchFilters(region="420300")) == ratios(0, 0, 0, 0, 0, 0, 0)


def test_indicators_with_non_terminating_rates(cat):
    make_item(cat.depts["jx_amr"], cat.basics["food"], popularity=1)  # online and fully online: 6 in all
    assert queries.indicators(SearchFilters())["online_rate"] == 66.67  # 4 of 6
    assert queries.indicators(SearchFilters())["fully_online_rate"] == 50.0


def test_indicators_by_region(cat, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        rows = queries.indicators_by_region("420000")
    assert len(rows) == 17
    by_name = {r.name: ind for r, ind in rows}
    assert by_name["武汉市"] == ratios(4, 3, 2, 3, 3, 1, 2)
    assert by_name["黄石市"] == ratios(1, 0, 0, 1, 0, 0, 0)
    assert by_name["仙桃市"] == ratios(0, 0, 0, 0, 0, 0, 0)
    districts = {r.name: ind["total"] for r, ind in queries.indicators_by_region("420100")}
    assert districts["江夏区"] == 1
    assert sum(districts.values()) == 1  # the city-level items belong to no district


def test_indicators_by_department(cat):
    rows = [(d.name, ind["total"], ind["online_rate"]) for d, ind in queries.indicators_by_department()]
    assert rows == [
        ("武汉市市场监督管理局", 2, 100.0),
        ("武汉市人力资源和社会保障局", 1, 100.0),
        ("江夏区市场监督管理局", 1, 0.0),
        ("黄石市市场监督管理局", 1, 0.0),
    ]
    assert [d.name for d, _ in queries.indicators_by_department("420200")] == ["黄石市市场监督管理局"]


def test_count_by_type_and_hot_items(cat):
    assert queries.count_by_type() == {"01": 4, "20": 1}
    # 热门服务 of 江夏: its own item first, though Wuhan's are more popular (issue 11).
    assert [i.code for i in queries.hot_items(region="420115", limit=3)] == codes(cat, "jx", "wh", "food")
    assert [i.code for i in queries.hot_items()] == codes(cat, "wh", "food", "si", "hs", "jx")


# --- 四级四同 -----------------------------------------------------------------------------------


def test_conforming_items_are_not_listed(cat):
    assert queries.four_sames_report() == []


def test_each_divergence_is_listed_with_exactly_its_fields(cat):
    licence = cat.basics["licence"]
    other_basic = make_basic_item(code="420100105000", name="企业名称登记")
    xiaogan = make_department(region="420900", name="孝感市市场监督管理局")
    yichang = make_department(region="420500", name="宜昌市市场监督管理局")
    suizhou = make_department(region="421300", name="随州市市场监督管理局")
    renamed = make_item(xiaogan, licence, name="营业执照办理")
    retyped = make_item(xiaogan, licence, level="4", item_type="20")
    rebased = make_item(xiaogan, licence, level="5", legal_basis="《湖北省优化营商环境办法》")
    spaced = make_item(
        xiaogan, licence, level="6", legal_basis=" 《中华人民共和国市场主体登记管理条例》\n 第三条 "
    )
    recoded = make_item(yichang, licence, code=f"{yichang.credit_code}3{other_basic.code}")
    several = make_item(suizhou, licence, name="营业执照", legal_basis="《其他》")
    report = {d.item.code: d.fields for d in queries.four_sames_report()}
    assert report == {
        renamed.code: ("name",),
        retyped.code: ("item_type",),
        rebased.code: ("legal_basis",),
        recoded.code: ("code",),
        several.code: ("name", "legal_basis"),
    }
    assert spaced.code not in report
    divergence = next(d for d in queries.four_sames_report() if d.item.code == renamed.code)
    assert (divergence.basic.code, divergence.basic.name) == (licence.code, "企业营业执照核发")


def test_an_item_whose_basic_item_is_not_published_is_listed_by_code(cat):
    draft_basic = make_basic_item(code="420100106000", name="个体工商户登记", publish=False)
    item = make_item(cat.depts["wh_amr"], draft_basic)
    [divergence] = queries.four_sames_report()
    assert (divergence.item.code, divergence.basic, divergence.fields) == (item.code, None, ("code",))


def test_the_report_follows_the_filters(cat):
    renamed = make_item(
        make_department(region="420200", name="黄石港区市场监督管理局"),
        cat.basics["licence"],
        name="营业执照办理",
    )
    assert [d.item.code for d in queries.four_sames_report(SearchFilters(region="420200"))] == [renamed.code]
    assert queries.four_sames_report(SearchFilters(region="420100")) == []
    assert (
        queries.is_code(renamed.code) and queries.is_code("420100101000") and not queries.is_code("营业执照")
    )


@pytest.mark.django_db
def test_a_basic_code_finds_every_implementation_of_it():
    basic = make_basic_item(name="道路运输经营许可证核发")
    items = {make_item(make_department(region=r), basic).code for r in ("420100", "420200")}
    other = make_item(make_department(region="420300"), make_basic_item(name="排污许可证核发"))
    total, page = queries.search_items(SearchFilters(q=basic.code))
    assert total == 2
    assert {i.code for i in page} == items
    assert other.code not in {i.code for i in page}


def test_search_rows_follow_the_current_versions_and_reindex_repairs_them(cat):
    from tongban.catalog import services
    from tongban.catalog.models import ItemSearch

    wh = cat.items["wh"]
    assert set(ItemSearch.objects.values_list("code", flat=True)) == {i.code for i in cat.items.values()}
    assert ItemSearch.objects.get(code=wh.code).item_id == wh.pk
    ItemSearch.objects.filter(code=wh.code).delete()  # a row lost (say, a failed bulk load)
    assert search(q="营业执照")[0] == 2
    report = services.do_reindex_search(actor="system:test")
    assert (report["rows"], report["rebuilt"]) == (5, 1)
    assert search(q="营业执照") == (3, codes(cat, "wh", "hs", "jx"))
    assert services.do_reindex_search(actor="system:test")["rebuilt"] == 0


# --- 免提交: materials the e-licence library supplies ----------------------------------------

TWO_MAPPED = [
    {"name": "申请书", "originals": 1},
    {"name": "营业执照", "source": "2", "copies": 1, "license_type_code": "11100000000013338W001"},
    {"name": "结婚证", "source": "2", "copies": 1, "license_type_code": "111000000000131710001"},
]


@pytest.fixture
def mapped(dept, basic):
    """A current item with two materials mapped to licence types and one that is not."""
    return make_item(dept, basic, materials=TWO_MAPPED)


def test_a_material_counts_when_the_library_holds_its_type(mapped, library_type):
    guide = queries.mark_exempt_materials(queries.get_guide(mapped.code))
    assert guide.exempt_materials == 1
    assert [(m.name, m.exempt) for m in guide.materials.all()] == [
        ("申请书", False),
        ("营业执照", True),
        ("结婚证", False),
    ]


def test_no_material_counts_when_the_library_holds_none_of_the_types(mapped):
    guide = queries.mark_exempt_materials(queries.get_guide(mapped.code))
    assert guide.exempt_materials == 0
    assert [m.exempt for m in guide.materials.all()] == [False, False, False]


def test_a_guide_without_mapped_materials_asks_the_library_nothing(dept, basic, django_assert_num_queries):
    item = make_item(dept, basic, materials=[{"name": "申请书", "originals": 1}])
    guide = queries.get_guide(item.code)
    with django_assert_num_queries(0):
        assert queries.mark_exempt_materials(guide).exempt_materials == 0


def test_a_result_page_is_counted_in_two_queries(dept, library_type, django_assert_num_queries):
    items = []
    for n in range(12):
        basic = make_basic_item(code=f"4220{n + 1:05d}000", name=f"证照事项{n}", item_type="20")
        materials = TWO_MAPPED if n % 3 == 0 else [{"name": "申请书", "originals": 1}]
        items.append(make_item(dept, basic, materials=materials, popularity=100 - n))
    _, page = queries.search_items(SearchFilters(q="证照事项"))
    with django_assert_num_queries(2):  # the page's mapped materials, then one look-up in the library
        counted = queries.mark_exempt_counts(page)
    assert [(i.code, i.exempt_materials) for i in counted] == [
        (item.code, 1 if n % 3 == 0 else 0) for n, item in enumerate(items)
    ]


def test_an_empty_page_is_counted_without_queries(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert queries.mark_exempt_counts([]) == []


def test_an_item_without_prefetched_materials_is_marked_too(mapped, library_type):
    item = queries.mark_exempt_materials(type(mapped).objects.get(pk=mapped.pk))
    assert (item.exempt_materials, [m.exempt for m in item.materials.all()]) == (1, [False, True, False])
