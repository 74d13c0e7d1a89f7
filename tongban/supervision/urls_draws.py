"""urls_draws: 双随机一公开 under /supervision/ (public pages, the plan workbench, inspectors' tasks)."""

from django.urls import path

from . import views_draw

urlpatterns: list = [
    path("public/", views_draw.public_index, name="public"),
    path("public/plans/<int:pk>/", views_draw.public_plan, name="public_plan"),
    path("public/draws/<int:pk>.json", views_draw.public_draw_json, name="public_draw_json"),
    path("draws/plans/", views_draw.plans, name="draw_plans"),
    path("draws/plans/new/", views_draw.plan_new, name="draw_plan_new"),
    path("draws/plans/<int:pk>/", views_draw.plan, name="draw_plan"),
    path("draws/plans/<int:pk>/submit/", views_draw.plan_submit, name="draw_plan_submit"),
    path("draws/plans/<int:pk>/decide/", views_draw.plan_decide, name="draw_plan_decide"),
    path("draws/plans/<int:pk>/commit/", views_draw.plan_commit, name="draw_plan_commit"),
    path("draws/plans/<int:pk>/reveal/", views_draw.plan_reveal, name="draw_plan_reveal"),
    path("draws/tasks/", views_draw.tasks, name="draw_tasks"),
    path("draws/tasks/<int:pk>/", views_draw.task, name="draw_task"),
]
