"""The CKAN action API facade (/api/3/action/...): answers in the shape CKAN's action API
documents, errors with CKAN's types and status codes, GET and POST JSON, CORS, no CSRF token
needed, the open part of the catalogue only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ..ckan import NAMESPACE
from . import export_world


@pytest.fixture
def world(db):
    return export_world.build()


def action(client, _action, method="get", **params):
    if method == "get":
        response = client.get(f"/api/3/action/{_action}", params)
    else:
        response = client.post(
            f"/api/3/action/{_action}", json.dumps(params), content_type="application/json"
        )
    return response, response.json()


def ok(client, _action, **params):
    response, body = action(client, _action, **params)
    assert response.status_code == 200, body
    assert body["success"] is True
    assert body["help"] == f"http://testserver/api/3/action/help_show?name={_action}"
    assert response["Content-Type"] == "application/json;charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    return body["result"]


def test_package_list_is_the_open_part_sorted_by_name(client, world):
    assert ok(client, "package_list") == ["fr-001", "hg-001", "jt-001", "kj-001"]
    assert ok(client, "package_list", limit=2, offset=1) == ["hg-001", "jt-001"]
    # The unversioned path (ckanapi's) answers the same.
    assert client.get("/api/action/package_list").json()["result"] == ["fr-001", "hg-001", "jt-001", "kj-001"]


def test_package_show_has_ckan_s_package_shape(client, world):
    package = ok(client, "package_show", id="fr-001")
    market = world["market"]
    assert set(package) >= {
        "id", "name", "title", "notes", "type", "state", "private", "url", "version", "author",
        "maintainer", "license_id", "license_title", "isopen", "owner_org", "organization",
        "metadata_created", "metadata_modified", "tags", "num_tags", "groups", "resources",
        "num_resources", "extras", "relationships_as_object", "relationships_as_subject",
    }  # fmt: skip
    import uuid

    assert package["id"] == str(uuid.uuid5(NAMESPACE, "package:FR-001"))
    assert package["name"] == "fr-001"
    assert package["title"] == "法人单位基本信息"
    assert package["notes"] == "市场主体的名称、类型、法定代表人、住所和登记状态。"
    assert (package["type"], package["state"], package["private"], package["version"]) == (
        "dataset",
        "active",
        False,
        "2",
    )
    assert package["metadata_created"] == "2026-03-02T01:30:00.000000"
    assert package["metadata_modified"] == "2026-11-30T10:00:00.000000"
    assert package["maintainer"] == "武汉市市场监督管理局"
    assert package["url"] == "http://testserver/exchange/catalogue/FR-001/"
    assert package["organization"]["name"] == market.credit_code.lower()
    assert package["organization"]["title"] == "武汉市市场监督管理局"
    assert package["owner_org"] == package["organization"]["id"]
    assert [t["name"] for t in package["tags"]] == sorted(["企业登记", "市场监管", "法人"])
    assert package["num_tags"] == 3
    [resource] = package["resources"]
    assert resource["url"] == "http://testserver/exchange/v1/services/FR-001/query"
    assert (resource["format"], resource["mimetype"], resource["resource_type"]) == (
        "API",
        "application/json",
        "api",
    )
    assert resource["package_id"] == package["id"]
    assert resource["last_modified"] == "2026-11-30T10:00:00.000000"
    assert package["num_resources"] == 1
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["uri"] == "http://testserver/exchange/catalog/datasets/FR-001"
    assert extras["share_type"] == "无条件共享"
    assert extras["open_type"] == "向社会开放"
    assert extras["update_frequency"] == "每日"
    assert json.loads(extras["data_items"]) == [
        {"name": "名称", "type": "C", "length": 200},
        {"name": "法定代表人", "type": "C", "length": 50},
        {"name": "成立日期", "type": "D", "length": 8},
    ]
    # The same package by id, by resource code, and by POST JSON.
    assert ok(client, "package_show", id=package["id"]) == package
    assert ok(client, "package_show", id="FR-001") == package
    assert ok(client, "package_show", method="post", id="fr-001") == package


def test_a_conditionally_open_package_shows_no_data_items(client, world):
    package = ok(client, "package_show", id="hg-001")
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert "data_items" not in extras
    assert "地区生产总值" not in json.dumps(package["extras"], ensure_ascii=False)
    assert extras["open_type"] == "有条件开放"
    assert extras["open_condition"] == "经申请并签署数据使用协议后向科研机构开放"
    assert package["resources"][0]["format"] == "CSV"
    assert package["resources"][0]["url"] == "http://testserver/exchange/catalogue/HG-001/"


@pytest.mark.parametrize("key", ["rk-001", "RK-001", "xy-009", "zz-009", "nope"])
def test_closed_draft_retired_and_unknown_packages_are_not_found(client, world, key):
    response, body = action(client, "package_show", id=key)
    assert response.status_code == 404
    assert body == {
        "help": "http://testserver/api/3/action/help_show?name=package_show",
        "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    }


def test_missing_and_malformed_parameters_are_validation_errors(client, world):
    response, body = action(client, "package_show")
    assert response.status_code == 409
    assert body["success"] is False
    assert body["error"] == {"__type": "Validation Error", "id": ["Missing value"]}
    response, body = action(client, "package_list", limit="ten")
    assert (response.status_code, body["error"]) == (
        409,
        {"__type": "Validation Error", "limit": ["Invalid integer"]},
    )
    response, body = action(client, "package_search", rows="-1")
    assert (response.status_code, body["error"]) == (
        409,
        {"__type": "Validation Error", "rows": ["Must be a natural number"]},
    )
    response, body = action(client, "organization_list", all_fields="maybe")
    assert response.status_code == 409
    assert body["error"] == {
        "__type": "Validation Error",
        "all_fields": ["Value must be one of: true, false"],
    }


def test_unknown_actions_and_bad_bodies_are_bad_requests(client, world):
    response, body = action(client, "package_create", name="x")
    assert response.status_code == 400
    assert body["error"] == {
        "__type": "Bad Request",
        "message": "Bad request - Action name not known: package_create",
    }
    response = client.post("/api/3/action/package_show", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Bad Request"
    response = client.post("/api/3/action/package_show", "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_package_search(client, world):
    result = ok(client, "package_search")
    assert set(result) == {"count", "sort", "facets", "search_facets", "results"}
    assert result["count"] == 4
    assert result["sort"] == "score desc, metadata_modified desc"
    # The most recently modified first: FR-001 and KJ-001 (30 Nov), then HG-001, JT-001 (2 Mar).
    assert [p["name"] for p in result["results"]] == ["fr-001", "kj-001", "hg-001", "jt-001"]
    stats = world["stats"].credit_code.lower()
    found = ok(client, "package_search", fq=f"organization:{stats}", sort="name asc")
    assert [p["name"] for p in found["results"]] == ["hg-001", "jt-001", "kj-001"]
    found = ok(client, "package_search", fq=f"+organization:{stats} -res_format:CSV", sort="name asc")
    assert [p["name"] for p in found["results"]] == ["jt-001", "kj-001"]  # JT-001 has no resource at all
    assert ok(client, "package_search", q="法人")["count"] == 1
    assert ok(client, "package_search", q="生产总值")["results"][0]["name"] == "hg-001"
    assert ok(client, "package_search", q="tags:行政区划")["results"][0]["name"] == "kj-001"
    assert ok(client, "package_search", q="人口")["count"] == 0  # closed: not searchable either
    page = ok(client, "package_search", sort="title desc", rows=2, start=1)
    assert page["count"] == 4
    titles = sorted(
        ["法人单位基本信息", "行政区划边界", "地区生产总值季度数据", "公路里程统计"], reverse=True
    )
    assert [p["title"] for p in page["results"]] == titles[1:3]
    faceted = ok(
        client, "package_search", method="post", **{"facet.field": ["organization", "res_format"], "rows": 0}
    )
    assert faceted["results"] == []
    assert faceted["facets"]["organization"] == {stats: 3, world["market"].credit_code.lower(): 1}
    assert faceted["facets"]["res_format"] == {"API": 1, "CSV": 1, "GEOJSON": 1}
    assert faceted["search_facets"]["res_format"]["items"][0] == {
        "name": "API",
        "display_name": "API",
        "count": 1,
    }


def test_a_search_the_facade_cannot_answer_is_a_search_query_error(client, world):
    response, body = action(client, "package_search", fq="frobnicate:yes")
    assert response.status_code == 400
    assert body["error"]["__type"] == "Search Query Error"
    response, body = action(client, "package_search", sort="popularity desc")
    assert (response.status_code, body["error"]["__type"]) == (400, "Search Query Error")


def test_organizations(client, world):
    market, stats = world["market"], world["stats"]
    # Sorted by title (CKAN's default), in code-point order: 武 (U+6B66) before 湖 (U+6E56).
    assert ok(client, "organization_list") == [market.credit_code.lower(), stats.credit_code.lower()]
    assert ok(client, "organization_list", sort="title desc") == [
        stats.credit_code.lower(),
        market.credit_code.lower(),
    ]
    full = ok(client, "organization_list", all_fields="true", sort="package_count desc")
    assert [(o["title"], o["package_count"]) for o in full] == [
        ("湖北省统计局", 3),
        ("武汉市市场监督管理局", 1),
    ]
    assert full[0]["is_organization"] is True and full[0]["type"] == "organization"
    org = ok(client, "organization_show", id=market.credit_code.lower())
    assert org["title"] == "武汉市市场监督管理局"
    assert org["description"] == "负责市场综合监督管理。"
    assert org["package_count"] == 1
    assert "packages" not in org
    org = ok(client, "organization_show", method="post", id=stats.credit_code, include_datasets=True)
    assert [p["name"] for p in org["packages"]] == ["hg-001", "jt-001", "kj-001"]
    response, body = action(client, "organization_show", id="nobody")
    assert (response.status_code, body["error"]) == (
        404,
        {"__type": "Not Found Error", "message": "Not found"},
    )


def test_status_show_and_help_show(client, world):
    status = ok(client, "status_show")
    assert status["ckan_version"] == "2.10.4"
    assert status["site_url"] == "http://testserver"
    assert set(status) == {
        "site_title", "site_description", "site_url", "ckan_version", "error_emails_to", "locale_default", "extensions",
    }  # fmt: skip
    assert ok(client, "help_show", name="package_search").startswith("Search the open catalogue")


def test_post_needs_no_csrf_token_and_preflight_is_answered(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/3/action/package_list", "{}", content_type="application/json")
    assert response.status_code == 200
    response = client.options(
        "/api/3/action/package_search",
        HTTP_ORIGIN="https://data.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


def test_an_action_reads_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert ok(client, "package_search", rows=1000)["count"] == 4


@pytest.mark.parametrize(
    ("name", "params", "status", "error_type"),
    [
        ("package_show", {"id": 5}, 409, "Validation Error"),
        ("package_show", {"id": ["fr-001", "hg-001"]}, 409, "Validation Error"),
        ("package_show", {"id": None}, 409, "Validation Error"),
        ("package_search", {"q": {"a": 1}}, 409, "Validation Error"),
        ("package_search", {"rows": True}, 409, "Validation Error"),
        ("package_search", {"fq": 'organization:"unclosed'}, 400, "Search Query Error"),
        ("package_search", {"fq_list": "not json ["}, 400, "Search Query Error"),  # one fq string
        ("package_search", {"fq_list": [1]}, 409, "Validation Error"),
        ("package_search", {"facet.field": ["nope"]}, 400, "Search Query Error"),
        ("package_search", {"facet.limit": "many"}, 409, "Validation Error"),
        ("organization_list", {"sort": "created asc"}, 409, "Validation Error"),
        ("organization_list", {"organizations": [1, 2]}, 409, "Validation Error"),
        ("help_show", {"name": "package_create"}, 404, "Not Found Error"),
    ],
)
def test_bad_input_is_refused_in_ckan_s_shape_never_a_500(client, world, name, params, status, error_type):
    response, body = action(client, name, method="post", **params)
    assert response.status_code == status, body
    assert body["success"] is False
    assert body["error"]["__type"] == error_type


def test_out_of_range_numbers_are_clamped_or_refused_never_a_500(client, world):
    assert ok(client, "package_search", rows=10**30)["count"] == 4
    assert ok(client, "package_search", start=10**30)["results"] == []
    assert ok(client, "package_list", offset=10**30) == []
    response = client.get("/api/3/action/package_show", {"id": "fr\x00001"})
    assert response.status_code == 400  # the platform's input guard: a NUL byte never reaches a view


def test_a_huge_body_is_refused_before_it_is_read(client, world, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post(
        "/api/3/action/package_search", json.dumps({"q": "x" * 4096}), content_type="application/json"
    )
    assert response.status_code == 413
