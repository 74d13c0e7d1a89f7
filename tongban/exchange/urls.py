"""URLs under /exchange/."""

from django.urls import path

from . import (
    views_calls,
    views_catalogue,
    views_export,
    views_federation,
    views_gateway,
    views_grants,
    views_use,
)

app_name = "exchange"
urlpatterns: list = []
urlpatterns += [
    path("v1/services/<str:code>/query", views_gateway.query, name="gateway-query"),
    path("v1/services/<str:code>/batch", views_gateway.batch, name="gateway-batch"),
    path("v1/federation/entries", views_federation.register_entries, name="federation-entries"),
]
urlpatterns += [
    path("catalogue/", views_catalogue.public_list, name="catalogue"),
    path("catalogue/<str:code>/", views_catalogue.public_entry, name="catalogue_entry"),
    path("workbench/catalogue/", views_catalogue.workbench, name="wb_catalogue"),
    path("workbench/catalogue/new/", views_catalogue.entry_new, name="wb_entry_new"),
    path("workbench/catalogue/<str:code>/", views_catalogue.entry_page, name="wb_entry"),
    path("workbench/catalogue/<str:code>/edit/", views_catalogue.entry_edit, name="wb_entry_edit"),
    path("workbench/catalogue/<str:code>/mount/", views_catalogue.mount_page, name="wb_mount"),
    path(
        "workbench/catalogue/<str:code>/<slug:action>/", views_catalogue.entry_action, name="wb_entry_action"
    ),
]
urlpatterns += [
    path("stats/", views_use.stats_page, name="stats"),
    path("stats.json", views_use.stats_json, name="stats_json"),
]
urlpatterns += [
    # the open catalogue in DCAT-AP 3 (docs/exchange.md)
    path("catalog.ttl", views_export.catalog_ttl, name="catalog-ttl"),
    path("catalog.jsonld", views_export.catalog_jsonld, name="catalog-jsonld"),
]
# Requests and grants (the workbench; views_grants.py).
urlpatterns += [
    path("workbench/requests/", views_grants.requests_home, name="requests"),
    path("workbench/requests/new/<str:code>/", views_grants.request_new, name="request_new"),
    path("workbench/requests/<int:pk>/", views_grants.request_detail, name="request"),
    path("workbench/requests/<int:pk>/approve/", views_grants.request_approve, name="request_approve"),
    path("workbench/requests/<int:pk>/refuse/", views_grants.request_refuse, name="request_refuse"),
    path("workbench/requests/<int:pk>/withdraw/", views_grants.request_withdraw, name="request_withdraw"),
    path("workbench/escalated/", views_grants.escalated, name="escalated"),
    path("workbench/grants/", views_grants.grants_home, name="grants"),
    path("workbench/grants/<int:pk>/", views_grants.grant_detail, name="grant"),
    path("workbench/grants/<int:pk>/<str:action>/", views_grants.grant_action, name="grant_action"),
]
# The call log as staff browse it (views_calls.py).
urlpatterns += [
    path("workbench/calls/", views_calls.call_log, name="calls"),
]
