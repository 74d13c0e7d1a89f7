"""The kernel's REST endpoints (/api/v1/regions/...), the error shape and the API docs."""

from __future__ import annotations

import pytest

HUBEI_CITIES = 17


def test_region_detail(regions, client):
    response = client.get("/api/v1/regions/420100")
    assert response.status_code == 200
    assert response.json() == {
        "code": "420100",
        "statistical_code": "420100000000",
        "name": "武汉市",
        "level": 2,
        "level_name": "市",
        "parent": "420000000000",
        "has_children": True,
    }


def test_region_children(regions, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/regions/420000/children")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == HUBEI_CITIES
    assert body[0] == {
        "code": "420100",
        "statistical_code": "420100000000",
        "name": "武汉市",
        "level": 2,
        "level_name": "市",
        "parent": "420000000000",
        "has_children": True,
    }
    xiantao = next(r for r in body if r["name"] == "仙桃市")
    assert (xiantao["code"], xiantao["has_children"]) == ("429004", False)


def test_township_children_are_shown_by_their_12_digit_codes(regions, client):
    body = client.get("/api/v1/regions/420115/children").json()
    assert [(r["code"], r["name"], r["level_name"], r["has_children"]) for r in body] == [
        ("420115001000", "纸坊街道", "乡", True),
        ("420115015000", "湖泗街道", "乡", True),
    ]
    assert client.get("/api/v1/regions/420115001000/children").json()[0]["name"] == "青龙村"
    assert client.get("/api/v1/regions/420115001200/children").json() == []


@pytest.mark.parametrize(
    "code", ["abc", "4201", "4201000", "42010000000a", "４２０１００", "%27%3B--", "420100%2B1"]
)
@pytest.mark.parametrize("suffix", ["", "/children"])
def test_bad_region_codes_are_400_naming_the_field(regions, client, code, suffix):
    response = client.get(f"/api/v1/regions/{code}{suffix}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == [{"field": "code", "message": "行政区划代码应为6位或12位数字"}]


@pytest.mark.parametrize("suffix", ["", "/children"])
def test_unknown_region_codes_are_404(regions, client, suffix):
    response = client.get(f"/api/v1/regions/429999{suffix}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "行政区划 429999 不存在"}


def test_unknown_api_paths_are_json_404(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404


def test_openapi_lists_the_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] == "tongban API"
    for path in (
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/children",
        "/api/v1/catalog/items",
        "/api/v1/catalog/items/{code}",
    ):
        assert "get" in spec["paths"][path], path
    params = {p["name"] for p in spec["paths"]["/api/v1/catalog/items"]["get"]["parameters"]}
    assert {"q", "region", "department", "item_type", "page"} <= params


def test_api_docs_are_served_without_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert "cdn." not in html
    assert 'src="http' not in html
    assert 'href="http' not in html
