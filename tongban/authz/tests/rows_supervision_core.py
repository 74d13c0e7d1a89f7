"""The rows of supervision's core part (helper "sup-core"): the entity registry, rules, alerts,
joint tasks and their public verify page, and the public 经营异常名录.

Supervision staff are staff holding the inspector, department-admin or platform-admin role: in
the world 江夏's and 江汉's administrators, the province inspector (no department), the platform
admin and the superuser. A rule and its alert belong to 江夏; the task is led by 江夏 with 江汉
as partner (so 江汉's administrator sees it); the province inspector, without a department,
sees the registry but not a department's rules, alerts or tasks."""

from __future__ import annotations

from .table import LOGIN, Refusal, Row, each, rules

PUBLIC = rules(200)
SUPERVISORS = ("department_admin", "other_region_admin", "inspector", "platform_admin", "superuser")
WORKBENCH = rules(404, anonymous=LOGIN, **each(SUPERVISORS, 200))
JIANGXIA = ("department_admin", "platform_admin", "superuser")  # the rule's and alert's department
TASK_SIDE = (*JIANGXIA, "other_region_admin")  # the task's departments and the platform
ENTITY = "/supervision/entities/{sup_entity}/"
RULE = "/supervision/rules/{sup_rule}/"
ALERT = "/supervision/alerts/{sup_alert}/"
TASK = "/supervision/tasks/{sup_task}/"


def _back(path: str) -> Refusal:
    return Refusal(302, path)


SUPERVISION_CORE = [
    Row("sup_entities", "get", "/supervision/entities/", "/supervision/entities/", WORKBENCH),
    Row("sup_entity", "get", ENTITY, "/supervision/entities/<int:pk>/", WORKBENCH),
    Row(
        "sup_entity_post",
        "post",
        ENTITY,
        "/supervision/entities/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(SUPERVISORS, _back(ENTITY))),
        {"action": "list", "ground": "bogus", "listed_on": "2026-09-01"},
        writes=True,
    ),
    Row("sup_abnormal", "get", "/supervision/abnormal/", "/supervision/abnormal/", PUBLIC),
    Row("sup_rules", "get", "/supervision/rules/", "/supervision/rules/", WORKBENCH),
    Row(
        "sup_rules_post",
        "post",
        "/supervision/rules/",
        "/supervision/rules/",
        rules(404, anonymous=LOGIN, **each(("department_admin", "other_region_admin"), 400)),
        {"name": "", "expression": "credit.class ="},
        writes=True,
    ),
    Row(
        "sup_rule",
        "get",
        RULE,
        "/supervision/rules/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(JIANGXIA, 200)),
    ),
    Row(
        "sup_rule_post",
        "post",
        RULE,
        "/supervision/rules/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(JIANGXIA, _back(RULE))),
        {"action": "bogus"},
        writes=True,
    ),
    Row("sup_alerts", "get", "/supervision/alerts/", "/supervision/alerts/", WORKBENCH),
    Row(
        "sup_alert",
        "get",
        ALERT,
        "/supervision/alerts/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(JIANGXIA, 200)),
    ),
    Row(
        "sup_alert_post",
        "post",
        ALERT,
        "/supervision/alerts/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(JIANGXIA, _back(ALERT))),
        {"action": "dismiss", "reason": ""},
        writes=True,
    ),
    Row("sup_tasks", "get", "/supervision/tasks/", "/supervision/tasks/", WORKBENCH),
    Row(
        "sup_tasks_post",
        "post",
        "/supervision/tasks/",
        "/supervision/tasks/",
        rules(404, anonymous=LOGIN, **each(SUPERVISORS, 400)),
        {"title": "", "reason": ""},
        writes=True,
    ),
    Row(
        "sup_task",
        "get",
        TASK,
        "/supervision/tasks/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(TASK_SIDE, 200)),
    ),
    Row(
        "sup_task_post",
        "post",
        TASK,
        "/supervision/tasks/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(TASK_SIDE, _back(TASK))),
        {"action": "result", "result_code": "bogus", "result_text": ""},
        writes=True,
    ),
    Row(
        "sup_task_file",
        "get",
        TASK + "files/999999/",
        "/supervision/tasks/<int:pk>/files/<int:fid>/",
        rules(404, anonymous=LOGIN),
    ),
    Row("sup_task_verify", "get", TASK + "verify/", "/supervision/tasks/<int:pk>/verify/", PUBLIC),
]
