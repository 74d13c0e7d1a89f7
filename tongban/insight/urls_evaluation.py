"""URLs of the annual evaluation and the public operational statistics (under /insight/)."""

from django.urls import path

from . import views_evaluation, views_stats

urlpatterns = [
    path("evaluation/", views_evaluation.evaluation_home, name="evaluation"),
    path("evaluation/schemes/", views_evaluation.schemes, name="schemes"),
    path("evaluation/schemes/new/", views_evaluation.scheme_new, name="scheme_new"),
    path("evaluation/schemes/<int:version>/", views_evaluation.scheme, name="scheme"),
    path(
        "evaluation/schemes/<int:version>/<slug:action>/",
        views_evaluation.scheme_action,
        name="scheme_action",
    ),
    path("evaluation/run/", views_evaluation.run, name="evaluation_run"),
    path("evaluation/<int:year>/report.pdf", views_evaluation.evaluation_report, name="evaluation_report"),
    path("evaluation/<int:year>/<str:region>/", views_evaluation.evaluation_region, name="evaluation_region"),
    path("stats/", views_stats.stats, name="stats"),
    path("stats.csv", views_stats.stats_csv, name="stats_csv"),
]
