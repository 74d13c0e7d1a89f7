"""The rows of the policy workbench (政务公开, /openness/workbench/policies/) and the catalogue's
review flags it raises.

The world's `{policy}` is 江夏's (the department of JIANGXIA_STAFF), drafted and submitted by its
window clerk, approved by its administrator, now in 保密审查 with one open finding. Its staff (any
role) and platform administrators see it; anyone else gets 404 (a person too: the workbench does
not exist for them). Reviewer actions need a reviewer role of the department (administrator or
approving officer); the window clerk drafted it and holds neither (404, audited). Writes an
authorised actor may not make in this state answer with a redirect and a message, changing
nothing (Refusal)."""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Refusal, Row, each, rules

BASE = "/openness/workbench/policies/"
POLICY = BASE + "{policy}/"
R = "/openness/workbench/policies/<int:pk>/"
PLATFORM = ("platform_admin", "superuser")
SEES = JIANGXIA_STAFF + PLATFORM
# Staff of a department, or platform administrators (the inspector belongs to none).
WORKBENCH = rules(200, anonymous=LOGIN, people=404, inspector=404)
VIEW = rules(404, anonymous=LOGIN, **each(SEES, 200))
REVIEWERS = ("approving_officer", "department_admin", *PLATFORM)


def back(to: str = POLICY) -> Refusal:
    return Refusal(302, to)


def refused_for(actors, to: str = POLICY) -> dict:
    return rules(404, anonymous=LOGIN, **each(actors, back(to)))


OPENNESS_POLICIES = [
    Row("pol_list", "get", BASE, BASE, WORKBENCH),
    Row("pol_new", "get", BASE + "new/", BASE + "new/", WORKBENCH),
    Row(
        "pol_new_post",
        "post",
        BASE + "new/",
        BASE + "new/",
        rules(400, anonymous=LOGIN, people=404, inspector=404),  # no 文号: the form again, naming it
        {"number": "", "title": "x", "text": "x", "written_on": "2026-09-01"},
        writes=True,
    ),
    Row("pol_page", "get", POLICY, R, VIEW),
    Row("pol_edit", "get", POLICY + "edit/", R + "edit/", VIEW),
    Row(
        "pol_edit_post",
        "post",
        POLICY + "edit/",
        R + "edit/",
        refused_for(SEES),  # under 保密审查: not editable
        {"number": "江夏审批发〔2026〕8号", "title": "改", "text": "改", "written_on": "2026-09-01"},
        writes=True,
    ),
    Row("pol_interpretations", "get", POLICY + "interpretations/", R + "interpretations/", VIEW),
    Row(
        "pol_interpretations_post",
        "post",
        POLICY + "interpretations/",
        R + "interpretations/",
        rules(404, anonymous=LOGIN, **each(SEES, 400)),  # no title
        {"kind": "text", "title": "", "text": "x"},
        writes=True,
    ),
    Row(
        "pol_interpretation_image",
        "get",
        POLICY + "interpretations/{graphic}/image/",
        R + "interpretations/<int:ipk>/image/",
        VIEW,
    ),
    Row(
        "pol_interpretation_delete",
        "post",
        POLICY + "interpretations/{interpretation}/delete/",
        R + "interpretations/<int:ipk>/delete/",
        refused_for(SEES, POLICY + "interpretations/"),
        writes=True,
    ),
    Row("pol_attachments", "get", POLICY + "attachments/", R + "attachments/", VIEW),
    Row(
        "pol_attachments_post",
        "post",
        POLICY + "attachments/",
        R + "attachments/",
        rules(404, anonymous=LOGIN, **each(SEES, 400)),  # no file
        {"name": "x"},
        writes=True,
    ),
    Row(
        "pol_attachment_file", "get", POLICY + "attachments/{attachment}/", R + "attachments/<int:apk>/", VIEW
    ),
    Row(
        "pol_attachment_delete",
        "post",
        POLICY + "attachments/{attachment}/delete/",
        R + "attachments/<int:apk>/delete/",
        refused_for(SEES, POLICY + "attachments/"),
        writes=True,
    ),
    Row("pol_links", "get", POLICY + "links/", R + "links/", VIEW),
    Row(
        "pol_links_post",
        "post",
        POLICY + "links/",
        R + "links/",
        rules(404, anonymous=LOGIN, **each(SEES, 400)),  # no code
        {"kind": "item", "code": ""},
        writes=True,
    ),
    Row(
        "pol_link_delete",
        "post",
        POLICY + "links/{policy_link}/delete/",
        R + "links/<int:lpk>/delete/",
        rules(404, anonymous=LOGIN, **each(SEES, (302, POLICY + "links/"))),  # removable until repealed
        writes=True,
    ),
    Row(
        "pol_submit",
        "post",
        POLICY + "submit/",
        R + "submit/",
        refused_for(SEES),  # not a draft
        writes=True,
    ),
    Row(
        "pol_review",
        "post",
        POLICY + "review/",
        R + "review/",
        refused_for(REVIEWERS),  # not under review any more
        {"decision": "approve"},
        writes=True,
    ),
    Row("pol_secrecy", "get", POLICY + "secrecy/", R + "secrecy/", VIEW),
    Row(
        "pol_secrecy_post",
        "post",
        POLICY + "secrecy/",
        R + "secrecy/",
        refused_for(REVIEWERS, POLICY + "secrecy/"),  # a finding is open: blocked
        {"decision": "approve"},
        writes=True,
    ),
    Row(
        "pol_finding_confirm",
        "post",
        POLICY + "findings/{finding}/confirm/",
        R + "findings/<int:fpk>/<slug:action>/",
        refused_for(REVIEWERS, POLICY + "secrecy/"),  # a confirmation needs its reason
        {"reason": ""},
        writes=True,
    ),
    Row(
        "pol_publish",
        "post",
        POLICY + "publish/",
        R + "publish/",
        refused_for(REVIEWERS),  # a finding is open (and 保密审查 not passed)
        writes=True,
    ),
    Row("pol_repeal", "get", POLICY + "repeal/", R + "repeal/", VIEW),
    Row(
        "pol_repeal_post",
        "post",
        POLICY + "repeal/",
        R + "repeal/",
        rules(404, anonymous=LOGIN, **each(REVIEWERS, 400)),  # no reason
        {"reason": ""},
        writes=True,
    ),
    Row("pol_history", "get", POLICY + "history/", R + "history/", VIEW),
    # The catalogue's review flags: cleared by the item's department editors (its administrator)
    # and catalogue reviewers (platform administrators); catalogue pages send others to sign in as staff.
    Row(
        "catalog_flag_clear",
        "post",
        "/workbench/catalog/flags/{review_flag}/clear/",
        "/workbench/catalog/flags/<int:pk>/clear/",
        rules(
            404,
            anonymous=LOGIN,
            people=LOGIN,
            **each(("department_admin", *PLATFORM), (302, "/workbench/catalog/items/{item_a_pk}/")),
        ),
        {"note": "已复核"},
        writes=True,
    ),
]
