"""URLs under /exchange/."""

from django.urls import path

from . import views_export

app_name = "exchange"
urlpatterns: list = [
    # export: the open catalogue in DCAT-AP 3 (docs/exchange.md)
    path("catalog.ttl", views_export.catalog_ttl, name="catalog-ttl"),
    path("catalog.jsonld", views_export.catalog_jsonld, name="catalog-jsonld"),
]
