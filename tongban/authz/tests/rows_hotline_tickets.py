"""The rows of 12345 tickets (hotline, helper "hotline-tickets").

The world's `{ticket}` is citizen_l2's 留言, dispatched by the platform to 江夏 and not signed
for yet. The citizen's pages are public or the owner's (a stranger gets 404); the workbench is
for staff of a unit and the platform's operators (platform administrators and superusers here:
the world has no hotline operator); a ticket's workbench page is its lead unit's and the
platform's; everyone else gets 404, as for an unknown ticket.
"""

from __future__ import annotations

from .table import JIANGHAN_STAFF, JIANGXIA_STAFF, LOGIN, Row, each, rules

PUBLIC = rules(200)
OPERATORS = ("platform_admin", "superuser")
UNIT_STAFF = (*JIANGXIA_STAFF, *JIANGHAN_STAFF, "other_department_officer")
DESK = rules(404, anonymous=LOGIN, **each((*UNIT_STAFF, *OPERATORS), 200))
OPERATOR = rules(404, anonymous=LOGIN, **each(OPERATORS, 200))
WB_TICKET = "/hotline/desk/t/{ticket}/"
ACTION = "/hotline/desk/t/<str:number>/<slug:action>/"

HOTLINE_TICKETS = [
    Row("hotline_home", "get", "/hotline/", "/hotline/", PUBLIC),
    # No content, no phone: refused for everyone (people: the text; others: the phone).
    Row("hotline_message", "post", "/hotline/", "/hotline/", rules(400), {"kind": "complaint"}, writes=True),
    Row(
        "hotline_code",
        "post",
        "/hotline/code/",
        "/hotline/code/",
        rules(400),
        {"contact_phone": "1"},
        writes=True,
    ),
    Row("hotline_mine", "get", "/hotline/mine/", "/hotline/mine/", rules(200, anonymous=LOGIN)),
    Row("hotline_follow", "get", "/hotline/follow/", "/hotline/follow/", PUBLIC),
    Row(
        "hotline_follow_post",
        "post",
        "/hotline/follow/",
        "/hotline/follow/",
        rules(400),
        {"number": "x"},
        writes=True,
    ),
    Row(
        "hotline_ticket",
        "get",
        "/hotline/t/{ticket}/",
        "/hotline/t/<str:number>/",
        rules(404, anonymous=LOGIN, citizen_l2=200),
    ),
    Row("hotline_desk", "get", "/hotline/desk/", "/hotline/desk/", DESK),
    Row("hotline_desk_metrics", "get", "/hotline/desk/metrics/", "/hotline/desk/metrics/", DESK),
    Row("hotline_desk_intake", "get", "/hotline/desk/intake/", "/hotline/desk/intake/", OPERATOR),
    Row(
        "hotline_desk_intake_post",
        "post",
        "/hotline/desk/intake/",
        "/hotline/desk/intake/",
        rules(404, anonymous=LOGIN, **each(OPERATORS, 400)),
        {"kind": "complaint", "text": ""},
        writes=True,
    ),
    Row(
        "hotline_desk_call",
        "post",
        "/hotline/desk/call/",
        "/hotline/desk/call/",
        rules(404, anonymous=LOGIN, **each(OPERATORS, (302, "/hotline/desk/intake/"))),
        {"answered": "0"},
        writes=True,
    ),
    Row("hotline_desk_disputes", "get", "/hotline/desk/disputes/", "/hotline/desk/disputes/", OPERATOR),
    Row("hotline_desk_extensions", "get", "/hotline/desk/extensions/", "/hotline/desk/extensions/", OPERATOR),
    Row(
        "hotline_desk_extensions_post",
        "post",
        "/hotline/desk/extensions/",
        "/hotline/desk/extensions/",
        rules(404, anonymous=LOGIN, **each(OPERATORS, 400)),
        {"extension": ""},
        writes=True,
    ),
    Row(
        "hotline_desk_ticket",
        "get",
        WB_TICKET,
        "/hotline/desk/t/<str:number>/",
        rules(404, anonymous=LOGIN, **each((*JIANGXIA_STAFF, *OPERATORS), 200)),
    ),
    # 签收: the lead unit's staff only (the platform sees the ticket but is not the unit).
    Row(
        "hotline_desk_accept",
        "post",
        WB_TICKET + "accept/",
        ACTION,
        rules(404, anonymous=LOGIN, **each(JIANGXIA_STAFF, (302, WB_TICKET))),
        {},
        writes=True,
    ),
    # The API (session only: a department system's token is refused).
    Row(
        "api_hotline_queue",
        "get",
        "/api/v1/hotline/tickets",
        "GET /api/v1/hotline/tickets",
        rules(403, anonymous=401, systems=401, **each((*UNIT_STAFF, *OPERATORS), 200)),
    ),
    Row(
        "api_hotline_ticket",
        "get",
        "/api/v1/hotline/tickets/{ticket}",
        "GET /api/v1/hotline/tickets/{number}",
        rules(404, anonymous=401, systems=401, **each((*JIANGXIA_STAFF, *OPERATORS), 200)),
    ),
]
