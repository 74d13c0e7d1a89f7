"""URLs under /exchange/."""

from django.urls import path

app_name = "exchange"
urlpatterns: list = []

from . import views_catalogue  # noqa: E402 (each helper appends its own block)

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

from . import views_export  # noqa: E402

urlpatterns += [
    # export: the open catalogue in DCAT-AP 3 (docs/exchange.md)
    path("catalog.ttl", views_export.catalog_ttl, name="catalog-ttl"),
    path("catalog.jsonld", views_export.catalog_jsonld, name="catalog-jsonld"),
]
