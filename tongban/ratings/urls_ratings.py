"""urls_ratings: patterns under /ratings/ (好差评)."""

from django.urls import path

from . import views, views_workbench

urlpatterns: list = [
    path("", views.mine, name="mine"),
    path("rate/<slug:kind>/<str:ref>/", views.rate, name="rate"),
    path("fix/<int:pk>/", views.rate_fix, name="rate_fix"),
    path("t/<str:token>/", views.link, name="link"),
    path("hall/<slug:code>/", views.hall_screen, name="hall"),
    path("hall/<slug:code>/pair/", views.hall_pair, name="hall_pair"),
    path("public/", views.public, name="public"),
    path("workbench/", views_workbench.index, name="wb_index"),
    path("workbench/rect/<int:pk>/", views_workbench.rect, name="wb_rect"),
    path("workbench/rect/<int:pk>/<slug:action>/", views_workbench.rect_action, name="wb_rect_action"),
    path("workbench/rankings/", views_workbench.rankings, name="wb_rankings"),
    path("workbench/windows/", views_workbench.windows, name="wb_windows"),
    path("workbench/windows/new/", views_workbench.window_new, name="wb_window_new"),
    path("workbench/windows/<slug:code>/take/", views_workbench.window_take, name="wb_window_take"),
    path("workbench/windows/<slug:code>/qr/", views_workbench.window_qr, name="wb_window_qr"),
]
