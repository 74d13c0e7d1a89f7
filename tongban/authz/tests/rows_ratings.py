"""The rows of 好差评 (ratings): the public pages, the rater's pages, links and the hall screen,
and the workbench.

The world's `{rated_case}` is the principal's case concluded by 江夏 and rated 非常不满意 by her
(its rectification `{rating_rect}` waits for 核实); `{rating_window}` is a window of 江夏's hall
that nobody has taken and no screen is paired with; `{rating_link}` an unused SMS link of the case."""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Row, each, rules

PUBLIC = rules(200)
RATE = "/ratings/rate/case/{rated_case}/"
RECT = "/ratings/workbench/rect/{rating_rect}/"
WINDOW = "/ratings/hall/{rating_window}/"
WB_WINDOW = "/ratings/workbench/windows/{rating_window}/"
ADMINS = ("platform_admin", "superuser")
# The workbench: staff of a department and platform administrators; an inspector (no department)
# is refused; a person is sent to sign in as staff.
WORKBENCH = rules(200, anonymous=LOGIN, people=LOGIN, inspector=403)
# A rectification: the handling unit's staff and platform administrators; other staff get 404.
RECT_SEEN = rules(404, anonymous=LOGIN, people=LOGIN, inspector=403, **each((*JIANGXIA_STAFF, *ADMINS), 200))

RATINGS = [
    Row("ratings_mine", "get", "/ratings/", "/ratings/", PUBLIC),
    Row("ratings_public", "get", "/ratings/public/", "/ratings/public/", PUBLIC),
    Row(
        "ratings_rate",
        "get",
        RATE,
        "/ratings/rate/<slug:kind>/<str:ref>/",
        rules(404, anonymous=LOGIN, principal=200),
    ),
    Row(
        "ratings_rate_post",
        "post",
        RATE,
        "/ratings/rate/<slug:kind>/<str:ref>/",
        rules(404, anonymous=LOGIN, principal=400),
        {"level": ""},
        writes=True,
    ),
    Row(
        "ratings_fix",
        "post",
        "/ratings/fix/{rating_rect}/",
        "/ratings/fix/<int:pk>/",
        rules(404, anonymous=LOGIN, principal=409),
        {"level": "1"},
        writes=True,
    ),
    Row("ratings_link", "get", "/ratings/t/{rating_link}/", "/ratings/t/<str:token>/", PUBLIC),
    Row("ratings_hall", "get", WINDOW, "/ratings/hall/<slug:code>/", PUBLIC),
    Row(
        "ratings_hall_post",
        "post",
        WINDOW,
        "/ratings/hall/<slug:code>/",
        rules(403),
        {"case": "{rated_case}", "level": "1"},
        writes=True,
    ),
    Row(
        "ratings_hall_pair",
        "post",
        WINDOW + "pair/",
        "/ratings/hall/<slug:code>/pair/",
        rules(404, anonymous=LOGIN, **each(JIANGXIA_STAFF, (302, WINDOW))),
        writes=True,
    ),
    Row("ratings_wb", "get", "/ratings/workbench/", "/ratings/workbench/", WORKBENCH),
    Row("ratings_wb_rect", "get", RECT, "/ratings/workbench/rect/<int:pk>/", RECT_SEEN),
    Row(
        "ratings_wb_verify",
        "post",
        RECT + "verify/",
        "/ratings/workbench/rect/<int:pk>/<slug:action>/",
        rules(
            404,
            anonymous=LOGIN,
            people=LOGIN,
            inspector=403,
            **each(JIANGXIA_STAFF, 403),
            **each(ADMINS, (302, RECT)),
        ),
        {"note": ""},
        writes=True,
    ),
    Row(
        "ratings_wb_rankings",
        "get",
        "/ratings/workbench/rankings/",
        "/ratings/workbench/rankings/",
        WORKBENCH,
    ),
    Row("ratings_wb_windows", "get", "/ratings/workbench/windows/", "/ratings/workbench/windows/", WORKBENCH),
    Row(
        "ratings_wb_window_new",
        "post",
        "/ratings/workbench/windows/new/",
        "/ratings/workbench/windows/new/",
        rules(400, anonymous=LOGIN, people=LOGIN, inspector=403),
        {"code": "", "name": ""},
        writes=True,
    ),
    Row(
        "ratings_wb_window_take",
        "post",
        WB_WINDOW + "take/",
        "/ratings/workbench/windows/<slug:code>/take/",
        rules(
            404,
            anonymous=LOGIN,
            people=LOGIN,
            inspector=403,
            window_clerk=(302, "/ratings/workbench/windows/"),
            approving_officer=403,
            department_admin=403,
        ),
        writes=True,
    ),
    Row(
        "ratings_wb_window_qr",
        "post",
        WB_WINDOW + "qr/",
        "/ratings/workbench/windows/<slug:code>/qr/",
        rules(404, anonymous=LOGIN, people=LOGIN, inspector=403, **each(JIANGXIA_STAFF, 403)),
        writes=True,
    ),
    Row("api_ratings_rankings", "get", "/api/v1/ratings/rankings", "GET /api/v1/ratings/rankings", PUBLIC),
]
