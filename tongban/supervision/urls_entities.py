"""urls_entities: the core part's patterns under /supervision/ (registry, credit, 经营异常名录,
risk rules and alerts, joint tasks)."""

from django.urls import path

from . import views_core, views_tasks

urlpatterns: list = [
    path("entities/", views_core.entities, name="entities"),
    path("entities/<int:pk>/", views_core.entity, name="entity"),
    path("abnormal/", views_core.public_abnormal, name="abnormal"),
    path("rules/", views_core.rule_list, name="rules"),
    path("rules/<int:pk>/", views_core.rule_detail, name="rule"),
    path("alerts/", views_core.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views_core.alert_detail, name="alert"),
    path("tasks/", views_tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/", views_tasks.task_detail, name="task"),
    path("tasks/<int:pk>/files/<int:fid>/", views_tasks.task_file, name="task_file"),
    path("tasks/<int:pk>/verify/", views_tasks.task_verify, name="task_verify"),
]
