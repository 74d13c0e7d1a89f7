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

REQUEST = "/exchange/workbench/requests/{share_request}/"
GRANT = "/exchange/workbench/grants/{grant}/"
# Requests and grants: seen by the staff of the requesting (江汉) and providing (江夏) departments
# and platform administrators; decided by the provider's administrator (and a superuser).
PARTIES = ("window_clerk", "approving_officer", "department_admin", "other_region_officer")
PARTIES += ("other_region_admin", "platform_admin", "superuser")
# (views_grants sends a signed-in person to sign in as staff, as the catalogue workbench does)
SEEN_BY_PARTIES = rules(404, anonymous=LOGIN, people=LOGIN, **each(PARTIES, 200))
DECIDERS = ("department_admin", "superuser")
MANAGERS = ("department_admin", "platform_admin", "superuser")
GRANTS_WORKBENCH = rules(200, anonymous=LOGIN, people=LOGIN)

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
    Row(
        "wb_requests",
        "get",
        "/exchange/workbench/requests/",
        "/exchange/workbench/requests/",
        GRANTS_WORKBENCH,
    ),
    Row(
        "wb_request_new",
        "get",
        "/exchange/workbench/requests/new/{resource}/",
        "/exchange/workbench/requests/new/<str:code>/",
        # a department's administrator asks for their department
        rules(404, anonymous=LOGIN, people=LOGIN, department_admin=200, other_region_admin=200),
    ),
    Row("wb_request", "get", REQUEST, "/exchange/workbench/requests/<int:pk>/", SEEN_BY_PARTIES),
    Row(
        "wb_request_refuse",
        "post",
        REQUEST + "refuse/",
        "/exchange/workbench/requests/<int:pk>/refuse/",
        rules(404, anonymous=LOGIN, people=LOGIN, **each(DECIDERS, 400)),  # a refusal needs its reason
        {"reason": ""},
        writes=True,
    ),
    Row(
        "wb_request_approve",
        "post",
        REQUEST + "approve/",
        "/exchange/workbench/requests/<int:pk>/approve/",
        rules(404, anonymous=LOGIN, people=LOGIN, **each(DECIDERS, 400)),
        {"rate_limit": "not-a-rate"},
        writes=True,
    ),
    Row(
        "wb_request_withdraw",
        "post",
        REQUEST + "withdraw/",
        "/exchange/workbench/requests/<int:pk>/withdraw/",
        rules(404, anonymous=LOGIN, people=LOGIN, other_region_admin=(302, REQUEST)),
        writes=True,
    ),
    Row(
        "wb_escalated",
        "get",
        "/exchange/workbench/escalated/",
        "/exchange/workbench/escalated/",
        rules(404, anonymous=LOGIN, people=LOGIN, platform_admin=200, superuser=200),
    ),
    Row("wb_grants", "get", "/exchange/workbench/grants/", "/exchange/workbench/grants/", GRANTS_WORKBENCH),
    Row("wb_grant", "get", GRANT, "/exchange/workbench/grants/<int:pk>/", SEEN_BY_PARTIES),
    Row(
        "wb_grant_suspend",
        "post",
        GRANT + "suspend/",
        "/exchange/workbench/grants/<int:pk>/<str:action>/",
        rules(404, anonymous=LOGIN, people=LOGIN, **each(MANAGERS, 400)),  # a suspension needs its reason
        {"reason": ""},
        writes=True,
    ),
    Row(
        "federation_entries",
        "post",
        "/exchange/v1/federation/entries",
        "/exchange/v1/federation/entries",
        rules(401, systems=403),  # only a registered city node's system may register entries
        {"node": "city:420100", "entries": []},
        json=True,
        writes=True,
    ),
    # The call log as staff browse it: their department's services and systems (404 for staff of none).
    Row(
        "exchange_calls",
        "get",
        "/exchange/workbench/calls/",
        "/exchange/workbench/calls/",
        rules(200, anonymous=LOGIN, people=LOGIN, inspector=404),
    ),
]
