"""Public pages and API of the themes part: the list of the chosen region, a theme's guide
with what it saves, and the API's shapes."""

from __future__ import annotations

import pytest

from tongban.bundles import queries, testing
from tongban.catalog import testing as catalog_testing

from .themes_world import WUHAN, world_fixture  # noqa: F401 (fixtures)


@pytest.fixture(name="published")
def published_fixture(world):
    theme = testing.make_published_theme(world.doc, code="company-opening", name="企业开办")
    huangshi = catalog_testing.make_department(region="420200")
    other = testing.make_member_items(huangshi, count=1)
    testing.make_published_theme(
        {"promised_days": 2, "members": [{"key": "only", "item_code": other[0].code}]},
        code="huangshi-theme",
        region_code="420200000000",
        name="黄石一件事",
        audience="person",
    )
    return theme


def test_savings_compare_the_bundle_with_each_member_alone(world, published):
    guide = queries.theme_guide(published)
    s = guide.savings
    assert (s.items_alone, s.items_bundle, s.items_saved) == (3, 1, 2)
    # each item: 申请书 + 营业执照; the bundle: 申请书 once for all three (m0's is named like
    # the shared one), m0's own 营业执照, and the 营业执照 m1/m2 need comes from m0 (免提交).
    assert (s.materials_alone, s.materials_bundle, s.materials_saved) == (6, 2, 4)
    assert (s.trips_alone, s.trips_bundle) == (1, 1)
    assert (s.days_alone, s.days_critical_path, s.days_bundle, s.days_saved) == (6.0, 4.0, 1, 5.0)
    plan = [(p.key, p.members, p.exempt, p.produced_by) for p in guide.plan]
    assert plan == [
        ("application", ("m1", "m2", "m0"), "", ""),
        (f"licence:{testing.LICENCE_TYPE}", ("m0",), "", ""),
        (f"produced:{testing.LICENCE_TYPE}:m0", ("m1", "m2"), "produced", "m0"),
    ]
    assert guide.layers == [["m0"], ["m1", "m2"]]


def test_the_list_shows_the_chosen_regions_themes(client, published):
    body = client.get("/bundles/").content.decode()
    assert "企业开办" in body and "黄石一件事" in body  # no region chosen: the whole province
    client.cookies["tb_region"] = "420102000000"  # 江岸区, in 武汉
    body = client.get("/bundles/").content.decode()
    assert "企业开办" in body and "黄石一件事" not in body
    assert 'href="/bundles/company-opening/"' in body


def test_the_guide_shows_members_order_materials_and_savings(client, world, published):
    response = client.get("/bundles/company-opening/")
    assert response.status_code == 200
    body = response.content.decode()
    for item in world.items:
        assert f'href="/items/{item.code}/"' in body
    assert world.dept.name in body
    assert "免提交" in body
    assert 'href="/bundles/company-opening/apply/"' in body
    client.cookies["tb_region"] = "420200000000"
    assert client.get("/bundles/company-opening/").status_code == 404
    assert client.get("/bundles/no-such-theme/").status_code == 404


def test_the_api_lists_and_details_themes(client, world, published):
    data = client.get("/api/v1/bundles/themes", {"region": "420102"}).json()
    assert data["count"] == 1 and data["page_size"] == 20
    assert data["themes"] == [
        {
            "code": "company-opening",
            "version": 1,
            "name": "企业开办",
            "scenario": "测试用的一件事主题",
            "audience": "enterprise",
            "region": WUHAN,
            "promised_days": 1,
            "members": 3,
        }
    ]
    assert client.get("/api/v1/bundles/themes").json()["count"] == 2
    assert client.get("/api/v1/bundles/themes", {"region": "12"}).status_code in (400, 422)
    detail = client.get("/api/v1/bundles/themes/company-opening").json()
    assert detail["layers"] == [["m0"], ["m1", "m2"]]
    assert [m["key"] for m in detail["members_detail"]] == ["m0", "m1", "m2"]
    first = detail["members_detail"][0]
    assert (first["item_code"], first["department"], first["visits"], first["published"]) == (
        world.items[0].code,
        world.dept.name,
        1,
        True,
    )
    assert detail["members_detail"][1]["requires"] == [{"member": "m0", "result": testing.LICENCE_TYPE}]
    assert detail["savings"]["items_saved"] == 2 and detail["savings"]["days_critical_path"] == 4.0
    assert client.get("/api/v1/bundles/themes/no-such").status_code == 404
    assert client.get("/api/v1/bundles/themes/company-opening", {"region": "420200"}).status_code == 404


def test_the_questionnaire_chooses_the_members_the_guide_counts(client, world):
    doc = {
        **world.doc,
        "questions": [
            {
                "key": "local",
                "text": "父母双方是否均为本地户籍？",
                "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}],
            }
        ],
    }
    doc["members"] = [dict(m) for m in doc["members"]]
    doc["members"][2]["when"] = [{"question": "local", "in": ["no"]}]
    theme = testing.make_published_theme(doc, code="newborn", audience="person")
    plain = queries.theme_guide(theme)
    assert plain.counted == ["m0", "m1"] and plain.savings.items_alone == 2
    answered = queries.theme_guide(theme, answers={"local": "no"})
    assert answered.counted == ["m0", "m1", "m2"] and answered.savings.items_alone == 3
    assert client.get("/bundles/newborn/", {"local": "no"}).status_code == 200
    refused = client.get("/bundles/newborn/", {"local": "maybe"})
    assert refused.status_code == 400 and "不是该问题的选项" in refused.content.decode()
    detail = client.get("/api/v1/bundles/themes/newborn").json()
    assert detail["counted_members"] == ["m0", "m1"]
    assert detail["questions"][0]["choices"] == [
        {"value": "yes", "label": "是"},
        {"value": "no", "label": "否"},
    ]
