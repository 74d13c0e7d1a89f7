"""The rows of the fan-out part of bundles (一事联办申请): the combined form, my bundles, a
bundle's status page with its withdrawal and pickup choice, the 综合窗口 pickup desk, and the
applications API.

The world's bundle `{bundle}` is 市民乙's (citizen_l2) under 江夏's published theme
(`_bundles_fanout`). Its page is for the applicant's side, a 综合窗口 clerk of a hall whose
region covers 江夏 (to hand the results over) and a superuser; anyone else gets 404 (its
existence is private). Only the applicant withdraws or chooses the pickup."""

from __future__ import annotations

from .table import LOGIN, Row, each, rules

APPLICATION = "/bundles/applications/{bundle}/"
NUMBER = "/bundles/applications/<bundlenumber:number>/"
# Clerks of a hall covering 江夏 (the 江夏 clerk, and the 民政局's officer who also keeps a window).
HALL_CLERKS = ("window_clerk", "other_department_officer")
SEES = rules(404, anonymous=LOGIN, citizen_l2=200, superuser=200, **each(HALL_CLERKS, 200))
CLERKS = ("window_clerk", "other_department_officer", "other_region_officer", "superuser")

BUNDLES_FANOUT = [
    Row(
        "bundles_apply",
        "get",
        "/bundles/{theme}/apply/",
        "/bundles/<themecode:code>/apply/",
        rules(403, anonymous=LOGIN, people=200),
    ),
    Row(  # a clerk with nobody at the window desk is sent there to find the applicant first
        "bundles_window_apply",
        "get",
        "/bundles/{theme}/window/",
        "/bundles/<themecode:code>/window/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 302)),
    ),
    Row(
        "bundles_applications",
        "get",
        "/bundles/applications/",
        "/bundles/applications/",
        rules(200, anonymous=LOGIN),
    ),
    Row(
        "bundles_window",
        "get",
        "/bundles/applications/window/",
        "/bundles/applications/window/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 200)),
    ),
    Row("bundles_application", "get", APPLICATION, NUMBER, SEES),
    Row(
        "bundles_pickup",
        "post",
        APPLICATION + "pickup/",
        NUMBER + "pickup/",
        rules(404, anonymous=LOGIN, citizen_l2=302),
        data={"pickup": "window"},
        writes=True,
    ),
    Row(
        "bundles_withdraw",
        "post",
        APPLICATION + "withdraw/",
        NUMBER + "withdraw/",
        rules(404, anonymous=LOGIN, citizen_l2=302),
        data={"reason": "不再办理"},
        writes=True,
    ),
    Row(
        "api_bundles_application",
        "get",
        "/api/v1/bundles/applications/{bundle}",
        "GET /api/v1/bundles/applications/{number}",
        rules(404, anonymous=401, systems=401, citizen_l2=200, superuser=200, **each(HALL_CLERKS, 200)),
    ),
    Row(
        "api_bundles_submit",
        "post",
        "/api/v1/bundles/applications",
        "POST /api/v1/bundles/applications",
        rules(403, anonymous=401, systems=401, people=404),
        data={"theme_code": "no-such-theme"},
        json=True,
        writes=True,
    ),
]
