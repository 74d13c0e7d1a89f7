"""The rows of the public side of 政务公开 (helper "public"): the policy library, a policy and its
print view, attachments and graphics, the Atom feeds, the key-area lists, and the penalty
workbench of department staff.

The world's `{policy_public}` is a published policy of 江夏's department; `{policy_draft}` a draft
of the same department (404 for everybody, its drafters and superusers included: the public side
never shows a draft); `{penalty}` a published penalty decision of 江夏."""

from __future__ import annotations

from .table import LOGIN, Row, each, rules

PUBLIC = rules(200)
NOBODY = rules(404)
POLICY = "/openness/policies/{policy_public}/"
DRAFT = "/openness/policies/{policy_draft}/"
# Staff of a department holding a role that enters penalties (approving officer, department admin,
# inspector); staff without a department (inspector, platform admin, superuser here) have no list.
ENTERERS = ("approving_officer", "department_admin", "other_department_officer", "other_region_officer")
ENTERERS += ("other_region_admin",)
WORKBENCH = rules(404, anonymous=LOGIN, **each(ENTERERS, 200))
WORKBENCH_POST = rules(404, anonymous=LOGIN, **each(ENTERERS, 400))
# Withdrawing 江夏's penalty: its department's enterers and superusers (an empty reason: 400).
WITHDRAW = rules(404, anonymous=LOGIN, **each(("approving_officer", "department_admin", "superuser"), 400))

OPENNESS_PUBLIC = [
    Row("openness_library", "get", "/openness/", "/openness/", PUBLIC),
    Row("openness_policy", "get", POLICY, "/openness/policies/<int:pk>/", PUBLIC),
    Row("openness_policy_draft", "get", DRAFT, "/openness/policies/<int:pk>/", NOBODY),
    Row("openness_policy_print", "get", POLICY + "print/", "/openness/policies/<int:pk>/print/", PUBLIC),
    Row("openness_draft_print", "get", DRAFT + "print/", "/openness/policies/<int:pk>/print/", NOBODY),
    Row(
        "openness_attachment",
        "get",
        POLICY + "attachments/999999/",
        "/openness/policies/<int:pk>/attachments/<int:att>/",
        NOBODY,
    ),
    Row(
        "openness_graphic",
        "get",
        POLICY + "graphics/999999/",
        "/openness/policies/<int:pk>/graphics/<int:interp>/",
        NOBODY,
    ),
    Row("openness_feed_all", "get", "/openness/feeds/all.atom", "/openness/feeds/all.atom", PUBLIC),
    Row(
        "openness_feed",
        "get",
        "/openness/feeds/{jiangxia_code}.atom",
        "/openness/feeds/<str:body>.atom",
        PUBLIC,
    ),
    Row("openness_key_areas", "get", "/openness/key-areas/", "/openness/key-areas/", PUBLIC),
    Row(
        "openness_licensing",
        "get",
        "/openness/key-areas/licensing/",
        "/openness/key-areas/licensing/",
        PUBLIC,
    ),
    Row(
        "openness_penalties",
        "get",
        "/openness/key-areas/penalties/",
        "/openness/key-areas/penalties/",
        PUBLIC,
    ),
    Row(
        "openness_inspections",
        "get",
        "/openness/key-areas/inspections/",
        "/openness/key-areas/inspections/",
        PUBLIC,
    ),
    Row(
        "openness_penalty_wb",
        "get",
        "/openness/workbench/penalties/",
        "/openness/workbench/penalties/",
        WORKBENCH,
    ),
    Row(
        "openness_penalty_new",
        "post",
        "/openness/workbench/penalties/",
        "/openness/workbench/penalties/",
        WORKBENCH_POST,
        {"decision_number": ""},
        writes=True,
    ),
    Row(
        "openness_penalty_withdraw",
        "post",
        "/openness/workbench/penalties/{penalty}/withdraw/",
        "/openness/workbench/penalties/<int:pk>/withdraw/",
        WITHDRAW,
        {"reason": ""},
        writes=True,
    ),
]
