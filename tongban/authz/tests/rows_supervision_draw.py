"""The rows of 双随机一公开 (supervision, /supervision/public/ and /supervision/draws/).

The world's plan `{sup_plan}` is 江夏's (the department of JIANGXIA_STAFF) and drawn; its draw is
`{sup_draw}`. Its two inspectors are 江夏's window clerk and approving officer, so both are drawn
for every target, `{sup_target}` among them. The public pages are open to all. The plan's
workbench page: 江夏's staff and platform administrators (anyone else 404: it does not exist for
them). The workflow actions on a drawn plan are refused with a redirect and a message, changing
nothing. A target's result form: its drawn inspectors only (a bad result: the form again, 400)."""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Refusal, Row, each, rules

PUBLIC = rules(200)
PLATFORM = ("platform_admin", "superuser")
SEES = JIANGXIA_STAFF + PLATFORM
WORKBENCH = rules(200, anonymous=LOGIN, people=404)
PLAN = "/supervision/draws/plans/{sup_plan}/"
R = "/supervision/draws/plans/<int:pk>/"
VIEW = rules(404, anonymous=LOGIN, **each(SEES, 200))
REFUSED = rules(404, anonymous=LOGIN, **each(SEES, Refusal(302, PLAN)))
INSPECTORS = ("window_clerk", "approving_officer")
TASK = "/supervision/draws/tasks/{sup_target}/"

SUPERVISION_DRAW = [
    Row("sup_public", "get", "/supervision/public/", "/supervision/public/", PUBLIC),
    Row(
        "sup_public_plan",
        "get",
        "/supervision/public/plans/{sup_plan}/",
        "/supervision/public/plans/<int:pk>/",
        PUBLIC,
    ),
    Row(
        "sup_public_draw_json",
        "get",
        "/supervision/public/draws/{sup_draw}.json",
        "/supervision/public/draws/<int:pk>.json",
        PUBLIC,
    ),
    Row("sup_plans", "get", "/supervision/draws/plans/", "/supervision/draws/plans/", WORKBENCH),
    Row("sup_plan_new", "get", "/supervision/draws/plans/new/", "/supervision/draws/plans/new/", WORKBENCH),
    Row(
        "sup_plan_new_post",
        "post",
        "/supervision/draws/plans/new/",
        "/supervision/draws/plans/new/",
        rules(400, anonymous=LOGIN, people=404),  # no title: the form again, naming it
        {"title": "", "region_prefix": "42"},
        writes=True,
    ),
    Row("sup_plan", "get", PLAN, R, VIEW),
    Row("sup_plan_submit", "post", PLAN + "submit/", R + "submit/", REFUSED, {}, writes=True),
    Row(
        "sup_plan_decide",
        "post",
        PLAN + "decide/",
        R + "decide/",
        REFUSED,
        {"decision": "approve"},
        writes=True,
    ),
    Row(
        "sup_plan_commit",
        "post",
        PLAN + "commit/",
        R + "commit/",
        REFUSED,
        {"commitment": "0" * 64},
        writes=True,
    ),
    Row(
        "sup_plan_reveal", "post", PLAN + "reveal/", R + "reveal/", REFUSED, {"secret": "0" * 64}, writes=True
    ),
    Row("sup_tasks", "get", "/supervision/draws/tasks/", "/supervision/draws/tasks/", WORKBENCH),
    Row(
        "sup_task",
        "get",
        TASK,
        "/supervision/draws/tasks/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(INSPECTORS, 200)),
    ),
    Row(
        "sup_task_post",
        "post",
        TASK,
        "/supervision/draws/tasks/<int:pk>/",
        rules(404, anonymous=LOGIN, **each(INSPECTORS, 400)),
        {"result": "", "inspected_on": "2026-09-29"},
        writes=True,
    ),
]
