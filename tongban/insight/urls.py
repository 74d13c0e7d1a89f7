"""URLs under /insight/."""

from django.urls import path

from . import views_map

app_name = "insight"
urlpatterns: list = []
# Dashboards (helper "dashboards"): the map outlines.
urlpatterns += [
    path("map.json", views_map.map_json, name="map_json"),
]

from .urls_evaluation import urlpatterns as evaluation_urls  # noqa: E402  (helper "evaluation")

urlpatterns += evaluation_urls  # the annual evaluation and /insight/stats/
