"""The rows of disclosure on request (依申请公开) and 回应关切 (openness, helper "disclosure").

The world's `{disc_request}` is the principal's request to 江夏 (accepted by its officer, an
extension pending), `{disc_answered}` another of hers, answered; `{concern}` a published
article of 江夏's. Staff of another body (江夏's 民政局, 江汉) and inspectors get 404 on a
request or article, as for an unknown one; people are sent to sign in as staff on the workbench.
"""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Row, each, rules

PUBLIC = rules(200)
BODY = (*JIANGXIA_STAFF, "platform_admin", "superuser")  # the asked body's staff, platform admins
# People acting for someone the request cannot be made for (another person, an enterprise whose
# mandate does not cover it, or a grant no longer valid) are refused: 403.
NOT_FOR_THEM = ("helper", "revoked_helper", "agent", "expired_agent", "revoked_agent")
FORM = rules(200, anonymous=LOGIN, staff=403, **each(NOT_FOR_THEM, 403))
REQUEST = "/openness/requests/{disc_request}/"
WB_REQUEST = "/openness/workbench/requests/{disc_request}/"
WB_CONCERN = "/openness/workbench/concerns/{concern}/"
OF_BODY = rules(404, anonymous=LOGIN, people=LOGIN, **each(BODY, 200))

OPENNESS_DISCLOSURE = [
    Row(
        "disc_mine",
        "get",
        "/openness/requests/",
        "/openness/requests/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row("disc_new", "get", "/openness/requests/new/", "/openness/requests/new/", FORM),
    Row(
        "disc_new_post",
        "post",
        "/openness/requests/new/",
        "/openness/requests/new/",
        rules(400, anonymous=LOGIN, staff=403, **each(NOT_FOR_THEM, 403)),  # no description: refused
        {"description": "", "department": "{jiangxia}", "form": "electronic", "delivery": "online"},
        writes=True,
    ),
    Row("disc_register", "get", "/openness/requests/register/", "/openness/requests/register/", PUBLIC),
    Row(
        "disc_request",
        "get",
        REQUEST,
        "/openness/requests/<int:pk>/",
        rules(404, anonymous=LOGIN, principal=200),
    ),
    Row(
        "disc_clarify",
        "post",
        REQUEST + "clarify/",
        "/openness/requests/<int:pk>/clarify/",
        rules(404, anonymous=LOGIN, principal=400),  # an empty answer
        {"answer": ""},
        writes=True,
    ),
    Row(
        "disc_notice",
        "get",
        "/openness/requests/{disc_answered}/notice.pdf",
        "/openness/requests/<int:pk>/notice.pdf",
        rules(404, anonymous=LOGIN, principal=200, **each(BODY, 200)),
    ),
    Row("concerns", "get", "/openness/concerns/", "/openness/concerns/", PUBLIC),
    Row("concern", "get", "/openness/concerns/{concern}/", "/openness/concerns/<int:pk>/", PUBLIC),
    Row(
        "disc_wb_queue",
        "get",
        "/openness/workbench/requests/",
        "/openness/workbench/requests/",
        rules(200, anonymous=LOGIN, people=LOGIN),
    ),
    Row("disc_wb_request", "get", WB_REQUEST, "/openness/workbench/requests/<int:pk>/", OF_BODY),
    Row(
        "disc_wb_answer",
        "post",
        WB_REQUEST + "answer/",
        "/openness/workbench/requests/<int:pk>/<slug:action>/",
        rules(404, anonymous=LOGIN, people=LOGIN, **each(BODY, 400)),  # no answer kind: refused
        {"kind": "", "text": ""},
        writes=True,
    ),
    Row(
        "concern_wb_list",
        "get",
        "/openness/workbench/concerns/",
        "/openness/workbench/concerns/",
        rules(200, anonymous=LOGIN, people=LOGIN),
    ),
    Row(
        "concern_wb_new",
        "get",
        "/openness/workbench/concerns/new/",
        "/openness/workbench/concerns/new/",
        rules(200, anonymous=LOGIN, people=LOGIN, inspector=404),  # staff of a body, platform admins
    ),
    Row("concern_wb", "get", WB_CONCERN, "/openness/workbench/concerns/<int:pk>/", OF_BODY),
    Row(
        "concern_wb_edit",
        "post",
        WB_CONCERN,
        "/openness/workbench/concerns/<int:pk>/",
        rules(404, anonymous=LOGIN, people=LOGIN, **each(BODY, 400)),  # no title: refused
        {"title": "", "summary": "", "body": "", "topics": ""},
        writes=True,
    ),
    Row(
        "concern_wb_publish",
        "post",
        WB_CONCERN + "publish/",
        "/openness/workbench/concerns/<int:pk>/<slug:action>/",
        # published already: nothing changes, back to the article
        rules(404, anonymous=LOGIN, people=LOGIN, **each(BODY, (302, WB_CONCERN))),
        writes=True,
    ),
]
