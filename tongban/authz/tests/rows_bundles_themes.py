"""The rows of the themes part of bundles (一件事主题): the public list and guide, the themes API,
and the themes workbench.

The world's themes are 江夏's (`_bundles_themes`): `{theme}` published, `{theme_draft_code}` a
draft (version `{theme_draft}`), `{theme_review_code}` in review (version `{theme_review}`),
each created and submitted by 江夏's department administrator. The workbench is for platform
administrators and department administrators (others, people included, get 404); a theme exists
there for its region's administrators (江汉's gets 404 for 江夏's themes)."""

from __future__ import annotations

import re

from .table import LOGIN, Refusal, Row, each, rules

PUBLIC = rules(200)
WB = "/bundles/workbench/themes/"
ADMINS = ("department_admin", "other_region_admin", "platform_admin", "superuser")
REGION = ("department_admin", "platform_admin", "superuser")  # 江夏's themes
# The list, a new theme and the import: any administrator; other staff and people 404.
WORKBENCH = rules(404, anonymous=LOGIN, **each(ADMINS, 200))
# A theme of 江夏: its region's administrators and platform administrators.
THEME = rules(404, anonymous=LOGIN, **each(REGION, 200))
PUBLISHED_PAGE = WB + "{theme}/"
REVIEW_PAGE = WB + "{theme_review_code}/"
DRAFT_PAGE = WB + "{theme_draft_code}/"

BUNDLES_THEMES = [
    Row("bundles_theme_list", "get", "/bundles/", "/bundles/", PUBLIC),
    Row("bundles_theme_guide", "get", "/bundles/{theme}/", "/bundles/<themecode:code>/", PUBLIC),
    Row("api_bundles_themes", "get", "/api/v1/bundles/themes", "GET /api/v1/bundles/themes", PUBLIC),
    Row(
        "api_bundles_theme",
        "get",
        "/api/v1/bundles/themes/{theme}",
        "GET /api/v1/bundles/themes/{code}",
        PUBLIC,
    ),
    Row("bundles_wb_themes", "get", WB, WB, WORKBENCH),
    Row("bundles_wb_theme_new", "get", WB + "new/", WB + "new/", WORKBENCH),
    Row("bundles_wb_theme_import", "get", WB + "import/", WB + "import/", WORKBENCH),
    Row("bundles_wb_theme", "get", PUBLISHED_PAGE, WB + "<themecode:code>/", THEME),
    Row(
        "bundles_wb_theme_json",
        "get",
        PUBLISHED_PAGE + "export.json",
        WB + "<themecode:code>/export.json",
        THEME,
    ),
    Row(
        "bundles_wb_theme_xlsx",
        "get",
        PUBLISHED_PAGE + "export.xlsx",
        WB + "<themecode:code>/export.xlsx",
        THEME,
    ),
    Row(
        "bundles_wb_version_edit",
        "get",
        WB + "versions/{theme_draft}/edit/",
        WB + "versions/<int:pk>/edit/",
        THEME,
    ),
    Row(
        "bundles_wb_version_submit",
        "post",
        WB + "versions/{theme_draft}/submit/",
        WB + "versions/<int:pk>/submit/",
        rules(404, anonymous=LOGIN, **each(REGION, (302, DRAFT_PAGE))),
        {},
        writes=True,
    ),
    Row(
        "bundles_wb_version_review",
        "post",
        WB + "versions/{theme_review}/review/",
        WB + "versions/<int:pk>/review/",
        # Four eyes: 江夏's administrator submitted it and is sent back with a message.
        rules(
            404,
            anonymous=LOGIN,
            department_admin=Refusal(302, REVIEW_PAGE),
            **each(("platform_admin", "superuser"), (302, REVIEW_PAGE)),
        ),
        {"decision": "approve", "comment": ""},
        writes=True,
    ),
    Row(
        "bundles_wb_version_withdraw",
        "post",
        WB + "versions/{theme_published}/withdraw/",
        WB + "versions/<int:pk>/withdraw/",
        rules(404, anonymous=LOGIN, **each(REGION, (302, PUBLISHED_PAGE))),
        {"reason": "职责调整"},
        writes=True,
    ),
    Row(
        "bundles_wb_theme_new_version",
        "post",
        PUBLISHED_PAGE + "new-version/",
        WB + "<themecode:code>/new-version/",
        rules(
            404,
            anonymous=LOGIN,
            **each(REGION, (302, re.compile(r"/bundles/workbench/themes/versions/[0-9]+/edit/"))),
        ),
        {},
        writes=True,
    ),
]
