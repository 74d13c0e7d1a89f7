"""Search filters (region, department, type, 服务对象, handling mode), their counts, ranking by
the chosen region (its own items, then its parents'), the same item at county and township
(个体工商户设立登记), and 热门服务 per region: exact results on a small catalogue."""

from __future__ import annotations

import pytest

from tongban.catalog import queries
from tongban.catalog.queries import SearchFilters
from tongban.catalog.testing import make_basic_item, make_department, make_item
from tongban.core.errors import InvalidInput

pytestmark = pytest.mark.usefixtures("regions_loaded")

PROVINCE, WUHAN, JIANGXIA, ZHIFANG, HUANGSHI = "420000", "420100", "420115", "420115001000", "420200"


@pytest.fixture
def world(db):
    """食品经营许可 at the province, Wuhan, 江夏 and Huangshi (popularity rising away from 江夏, so
    ranking by region must beat ranking by popularity); 个体工商户设立登记 at 江夏 (行政审批局) and at
    纸坊街道 (便民服务中心); one 公共服务 item for people."""
    depts = {
        "province": make_department(region=PROVINCE, name="湖北省市场监督管理局"),
        "wuhan": make_department(region=WUHAN, name="武汉市行政审批局"),
        "jiangxia": make_department(region=JIANGXIA, name="武汉市江夏区行政审批局", kind="approval"),
        "zhifang": make_department(region=ZHIFANG, name="江夏区纸坊街道便民服务中心", kind="service_center"),
        "huangshi": make_department(region=HUANGSHI, name="黄石市行政审批局"),
    }
    food = make_basic_item(name="食品经营许可", service_objects=["1", "2"])
    trader = make_basic_item(name="个体工商户设立登记", service_objects=["1"])
    pension = make_basic_item(name="城乡居民养老保险参保登记", item_type="20", service_objects=["1"])
    items = {
        "food_province": make_item(depts["province"], food, level="2", popularity=900),
        "food_wuhan": make_item(depts["wuhan"], food, level="3", popularity=800),
        "food_jiangxia": make_item(depts["jiangxia"], food, level="4", popularity=100),
        "food_huangshi": make_item(depts["huangshi"], food, level="3", popularity=950),
        "trader_county": make_item(
            depts["jiangxia"], trader, level="4", popularity=300, case_type="1", promised_limit=0
        ),
        "trader_township": make_item(
            depts["zhifang"], trader, level="5", popularity=200, case_type="1", promised_limit=0, nearby=True
        ),
        "pension": make_item(
            depts["zhifang"],
            pension,
            level="5",
            popularity=50,
            fully_online=False,
            handling_forms=["1"],
            online_depth=["1"],
        ),
    }
    return {"depts": depts, "items": items}


def names(items) -> list[str]:
    return [f"{i.name}@{i.region.name}" for i in items]


def found(f: SearchFilters) -> list[str]:
    return names(queries.search_items(f)[1])


# --- ranking by the chosen region ----------------------------------------------------------------


def test_without_a_region_the_most_popular_come_first(world):
    assert found(SearchFilters(q="食品经营许可")) == [
        "食品经营许可@黄石市",
        "食品经营许可@湖北省",
        "食品经营许可@武汉市",
        "食品经营许可@江夏区",
    ]


def test_the_chosen_region_ranks_its_own_items_first_then_its_parents(world):
    """A resident of 江夏 (the region switch: scope serving) sees 江夏's 食品经营许可, then Wuhan's,
    then the province's, although those are more popular; Huangshi's does not serve 江夏."""
    f = SearchFilters(q="食品经营许可", region=JIANGXIA, scope="serving")
    assert found(f) == ["食品经营许可@江夏区", "食品经营许可@武汉市", "食品经营许可@湖北省"]
    # The same order without a word (browsing the region's items) and in 热门服务.
    browse = found(SearchFilters(region=ZHIFANG, scope="serving"))
    assert browse[:2] == ["个体工商户设立登记@纸坊街道", "城乡居民养老保险参保登记@纸坊街道"]
    assert browse[2:] == [
        "个体工商户设立登记@江夏区",
        "食品经营许可@江夏区",
        "食品经营许可@武汉市",
        "食品经营许可@湖北省",
    ]


def test_an_explicit_region_ranks_its_own_items_before_those_below(world):
    f = SearchFilters(q="食品经营许可", region=WUHAN)
    assert found(f) == ["食品经营许可@武汉市", "食品经营许可@江夏区"]


def test_hot_items_of_a_region_are_its_own_then_its_parents(world):
    assert names(queries.hot_items(region=ZHIFANG + "", limit=3)) == [
        "个体工商户设立登记@纸坊街道",
        "城乡居民养老保险参保登记@纸坊街道",
        "个体工商户设立登记@江夏区",
    ]
    assert names(queries.hot_items(region=HUANGSHI, limit=2)) == [
        "食品经营许可@黄石市",
        "食品经营许可@湖北省",
    ]
    # Without a region: the province's most popular, wherever they are.
    assert names(queries.hot_items(limit=2)) == ["食品经营许可@黄石市", "食品经营许可@湖北省"]


# --- each filter ---------------------------------------------------------------------------------


def test_filter_by_department(world):
    dept = world["depts"]["jiangxia"]
    assert found(SearchFilters(department=str(dept.pk))) == [
        "个体工商户设立登记@江夏区",
        "食品经营许可@江夏区",
    ]
    assert found(SearchFilters(q="食品经营许可", department=dept.credit_code)) == ["食品经营许可@江夏区"]


def test_filter_by_item_type(world):
    assert found(SearchFilters(item_type="20")) == ["城乡居民养老保险参保登记@纸坊街道"]
    assert found(SearchFilters(q="登记", item_type="01")) == [
        "个体工商户设立登记@江夏区",
        "个体工商户设立登记@纸坊街道",
    ]


def test_filter_by_service_object(world):
    """企业法人 (2): only 食品经营许可 serves enterprises; 自然人 (1): all seven items."""
    assert sorted(found(SearchFilters(service_object="2"))) == sorted(
        ["食品经营许可@黄石市", "食品经营许可@湖北省", "食品经营许可@武汉市", "食品经营许可@江夏区"]
    )
    assert queries.search_items(SearchFilters(service_object="1"))[0] == 7
    assert found(SearchFilters(q="登记", service_object="2")) == []
    assert queries.search_items(SearchFilters(service_object="5"))[0] == 0


def test_filter_by_handling_mode(world):
    assert found(SearchFilters(q="登记", handling_list="nearby")) == ["个体工商户设立登记@纸坊街道"]
    assert found(SearchFilters(handling_list="now")) == [
        "个体工商户设立登记@江夏区",
        "个体工商户设立登记@纸坊街道",
    ]
    online = found(SearchFilters(q="登记", handling_list="online"))
    assert "城乡居民养老保险参保登记@纸坊街道" not in online and len(online) == 2


def test_filters_combine(world):
    f = SearchFilters(q="食品经营许可", region=JIANGXIA, scope="serving", service_object="2", item_type="01")
    assert found(f) == ["食品经营许可@江夏区", "食品经营许可@武汉市", "食品经营许可@湖北省"]
    f = SearchFilters(region=ZHIFANG, scope="serving", item_type="20", service_object="1")
    assert found(f) == ["城乡居民养老保险参保登记@纸坊街道"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (SearchFilters(service_object="7"), "object"),
        (SearchFilters(service_object="12"), "object"),
        (SearchFilters(item_type="99"), "item_type"),
        (SearchFilters(handling_list="soon"), "list"),
    ],
)
def test_a_bad_filter_value_names_its_field(world, filters, field):
    with pytest.raises(InvalidInput) as error:
        queries.search_items(filters)
    assert [p.field for p in error.value.problems] == [field]


# --- facets --------------------------------------------------------------------------------------


def test_facets_count_the_whole_match_per_filter_value(world):
    total, items, facets = queries.search(SearchFilters(q="食品经营许可"), facets=True)
    assert total == 4 and len(items) == 4
    assert sorted((r.name, n) for r, n in facets.regions) == [
        ("武汉市", 1),
        ("江夏区", 1),
        ("湖北省", 1),
        ("黄石市", 1),
    ]
    assert sorted((d.name, n) for d, n in facets.departments) == [
        ("武汉市江夏区行政审批局", 1),
        ("武汉市行政审批局", 1),
        ("湖北省市场监督管理局", 1),
        ("黄石市行政审批局", 1),
    ]
    assert facets.item_types == {"01": 4}
    assert facets.objects == {"1": 4, "2": 4}
    assert facets.modes == {"now": 0, "online": 4, "nearby": 0, "once": 4}
    assert facets.partial is False


def test_facets_of_a_region_browse(world):
    _, _, facets = queries.search(SearchFilters(region=ZHIFANG, scope="serving"), facets=True)
    assert dict((r.name, n) for r, n in facets.regions) == {
        "纸坊街道": 2,
        "江夏区": 2,
        "武汉市": 1,
        "湖北省": 1,
    }
    assert facets.item_types == {"01": 5, "20": 1}
    assert facets.objects == {"1": 6, "2": 3}
    assert facets.modes["nearby"] == 1 and facets.modes["now"] == 2


def test_no_facets_unless_asked(world):
    assert queries.search(SearchFilters(q="食品经营许可"))[2] is None


# --- the same item at county and township --------------------------------------------------------


def test_the_township_desk_and_the_county_bureau_are_told_apart(world):
    county, township = world["items"]["trader_county"], world["items"]["trader_township"]
    above, below, more = queries.other_levels(township)
    assert above == [county] and below == [] and more == 0
    above, below, more = queries.other_levels(county)
    assert above == [] and below == [township] and more == 0
    _, items = queries.search_items(SearchFilters(q="个体工商户设立登记"))
    marked = {i.region.name: i for i in queries.mark_twins(items)}
    assert marked["纸坊街道"].twins_above == [county] and marked["纸坊街道"].twins_below == []
    assert marked["江夏区"].twins_below == [township] and marked["江夏区"].twins_above == []


def test_a_township_desk_alone_on_the_page_still_names_its_county_body(world):
    """Page 1 of a province-wide search may hold the township's entry and not the county's: the
    note still names the county bureau (one query, only for 便民服务中心 results)."""
    _, items = queries.search_items(SearchFilters(q="个体工商户设立登记", region=ZHIFANG))
    assert names(items) == ["个体工商户设立登记@纸坊街道"]
    (township,) = queries.mark_twins(items)
    assert township.twins_above == [world["items"]["trader_county"]]
    assert township.twins_below == []


def test_graded_items_of_different_places_are_not_twins(world):
    """Wuhan's and 江夏's 食品经营许可 each serve their own jurisdiction: no "also here" note."""
    _, items = queries.search_items(SearchFilters(q="食品经营许可"))
    assert all(not i.twins_above and not i.twins_below for i in queries.mark_twins(items))


def test_other_levels_of_an_item_with_many_below_counts_the_rest(world):
    above, below, more = queries.other_levels(world["items"]["food_province"])
    assert above == [] and names(below) == [
        "食品经营许可@武汉市",
        "食品经营许可@江夏区",
        "食品经营许可@黄石市",
    ]
    assert more == 0
