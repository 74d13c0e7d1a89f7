"""URLs under /insight/."""

from django.urls import path

from . import views, views_map

app_name = "insight"
urlpatterns: list = []
# Dashboards (helper "dashboards"): views.py; the live fragments are these URLs asked by htmx.
urlpatterns += [
    path("", views.dashboard_page, name="dashboard"),
    path("screen/", views.screen_page, name="screen"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("map.json", views_map.map_json, name="map_json"),
    path("formulas/", views.formulas, name="formulas"),
]

from .urls_evaluation import urlpatterns as evaluation_urls  # noqa: E402  (helper "evaluation")

urlpatterns += evaluation_urls  # the annual evaluation and /insight/stats/
