"""URLs under /exchange/."""

app_name = "exchange"
urlpatterns: list = []

# --- use: public operational statistics (views_use) ---
from django.urls import path  # noqa: E402

from . import views_use  # noqa: E402

urlpatterns += [
    path("stats/", views_use.stats_page, name="stats"),
    path("stats.json", views_use.stats_json, name="stats_json"),
]
