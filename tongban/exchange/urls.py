"""URLs under /exchange/."""

from django.urls import path

from . import views_gateway, views_use

app_name = "exchange"
urlpatterns: list = []
urlpatterns += [
    path("v1/services/<str:code>/query", views_gateway.query, name="gateway-query"),
    path("v1/services/<str:code>/batch", views_gateway.batch, name="gateway-batch"),
]
# --- use: public operational statistics (views_use) ---
urlpatterns += [
    path("stats/", views_use.stats_page, name="stats"),
    path("stats.json", views_use.stats_json, name="stats_json"),
]
