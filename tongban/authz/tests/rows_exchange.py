"""The rows of data sharing (exchange): the catalogue's public pages and exports, the CKAN facade,
the operational statistics, a person's data-use page, the workbench catalogue and the gateway.

The world's resource `{resource}` is 江夏's (the department of JIANGXIA_STAFF), open, mounted
as a data service; nobody holds a grant on it."""

from __future__ import annotations

from .table import LOGIN, Row, each, rules

PUBLIC = rules(200)
ENTRY = "/exchange/workbench/catalogue/{resource}/"
# The workbench catalogue: staff only (a person gets 404: it does not exist for them).
WORKBENCH = rules(200, anonymous=LOGIN, people=404, inspector=404)
# An entry's workbench page: its provider's staff and platform administrators.
PROVIDER = rules(404, anonymous=LOGIN, **each(("window_clerk", "approving_officer", "department_admin"), 200))
PROVIDER |= each(("platform_admin", "superuser"), 200)
# A new entry: a department's administrator (for their own department).
NEW = rules(404, anonymous=LOGIN, department_admin=200, other_region_admin=200)
# An entry's edit and mount pages: its provider's staff who may edit it, platform administrators.
EDITORS = ("department_admin", "platform_admin", "superuser")
EDIT = rules(404, anonymous=LOGIN, **each(EDITORS, 200))
GATEWAY = rules(401, systems=403)

EXCHANGE = [
    Row("catalog_ttl", "get", "/exchange/catalog.ttl", "/exchange/catalog.ttl", PUBLIC),
    Row("catalog_jsonld", "get", "/exchange/catalog.jsonld", "/exchange/catalog.jsonld", PUBLIC),
    Row("ckan_status", "get", "/api/3/action/status_show", "/api/3/action/<str:action>", PUBLIC),
    Row("ckan_unversioned", "get", "/api/action/package_list", "/api/action/<str:action>", PUBLIC),
    Row("res_catalogue", "get", "/exchange/catalogue/", "/exchange/catalogue/", PUBLIC),
    Row("res_entry", "get", "/exchange/catalogue/{resource}/", "/exchange/catalogue/<str:code>/", PUBLIC),
    Row("exchange_stats", "get", "/exchange/stats/", "/exchange/stats/", PUBLIC),
    Row("exchange_stats_json", "get", "/exchange/stats.json", "/exchange/stats.json", PUBLIC),
    Row(
        "data_use",
        "get",
        "/accounts/me/data-use/",
        "/accounts/me/data-use/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row("wb_resources", "get", "/exchange/workbench/catalogue/", "/exchange/workbench/catalogue/", WORKBENCH),
    Row(
        "wb_resource_new",
        "get",
        "/exchange/workbench/catalogue/new/",
        "/exchange/workbench/catalogue/new/",
        NEW,
    ),
    Row("wb_resource", "get", ENTRY, "/exchange/workbench/catalogue/<str:code>/", PROVIDER),
    Row("wb_resource_edit", "get", ENTRY + "edit/", "/exchange/workbench/catalogue/<str:code>/edit/", EDIT),
    Row(
        "wb_resource_mount", "get", ENTRY + "mount/", "/exchange/workbench/catalogue/<str:code>/mount/", EDIT
    ),
    Row(
        "wb_resource_retire",
        "post",
        ENTRY + "retire/",
        "/exchange/workbench/catalogue/<str:code>/<slug:action>/",
        rules(404, anonymous=LOGIN, **each(EDITORS, (302, ENTRY))),
        {"reason": ""},
        writes=True,
    ),
    Row(
        "gateway_query",
        "post",
        "/exchange/v1/services/{resource}/query",
        "/exchange/v1/services/<str:code>/query",
        GATEWAY,
        {"purpose": "licensing", "subject": "91420115MA4K0000X0", "fields": ["name"]},
        json=True,
        writes=True,
    ),
    Row(
        "gateway_batch",
        "post",
        "/exchange/v1/services/{resource}/batch",
        "/exchange/v1/services/<str:code>/batch",
        rules(401, systems=200),  # each query answered (here refused) in the results
        {"purpose": "licensing", "fields": ["name"], "queries": [{"subject": "91420115MA4K0000X0"}]},
        json=True,
        writes=True,
    ),
]
