"""Staff workbench for cases (/workbench/cases/): queues, search, the case page and its actions,
batch actions, window intake and statistics."""

from django.urls import path

from . import views, workbench_views

app_name = "workbench_cases"

urlpatterns = [
    path("", workbench_views.workbench, name="home"),
    path("batch/", workbench_views.batch, name="batch"),
    path("window/", workbench_views.window, name="window"),
    path("window/find/", workbench_views.window_find, name="window_find"),
    path("window/clear/", workbench_views.window_clear, name="window_clear"),
    path("window/intake/", workbench_views.window_intake, name="window_intake"),
    path("stats/", workbench_views.stats, name="stats"),
    path("<str:number>/", workbench_views.wb_case, name="case"),
    path("<str:number>/files/<int:pk>/", views.material_file, name="file"),
    path("<str:number>/<str:action>/", workbench_views.wb_act, name="act"),
]
