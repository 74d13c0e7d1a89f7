"""Staff workbench for cases (/workbench/cases/): queues, search, the case page and its actions,
batch actions, window intake and statistics."""

from django.urls import path

from . import views

app_name = "workbench_cases"

urlpatterns = [
    path("", views.workbench, name="home"),
    path("batch/", views.batch, name="batch"),
    path("window/", views.window, name="window"),
    path("window/find/", views.window_find, name="window_find"),
    path("window/clear/", views.window_clear, name="window_clear"),
    path("window/intake/", views.window_intake, name="window_intake"),
    path("stats/", views.stats, name="stats"),
    path("<str:number>/", views.wb_case, name="case"),
    path("<str:number>/files/<int:pk>/", views.material_file, name="file"),
    path("<str:number>/<str:action>/", views.wb_act, name="act"),
]
