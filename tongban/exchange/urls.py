"""URLs under /exchange/."""

from django.urls import path

from . import views_catalogue, views_gateway, views_use

app_name = "exchange"
urlpatterns: list = []
urlpatterns += [
    path("v1/services/<str:code>/query", views_gateway.query, name="gateway-query"),
    path("v1/services/<str:code>/batch", views_gateway.batch, name="gateway-batch"),
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
