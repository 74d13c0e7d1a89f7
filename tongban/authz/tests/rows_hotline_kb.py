"""The rows of the 12345 knowledge base and the Open311 facade (hotline, helper "hotline-kb").

The world's `{kb_article}` is a live article of 江夏's (written by its window clerk, approved by
its administrator). The knowledge base's maintenance pages are for the staff of the owner
department and platform administrators (anyone else: 404, as for an unknown article); a
department's list and the new-article form need a department (or the platform); the operators'
search, the live article and the assist fragment are for every staff member. The Open311 facade
is public to read; posting needs a registered api_key (403 in the spec's error format without).
"""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Refusal, Row, each, rules

KB = "/hotline/workbench/kb/"
ARTICLE = KB + "{kb_article}/"
PLATFORM = ("platform_admin", "superuser")
ANY_STAFF = rules(200, anonymous=LOGIN, people=404)
WITH_DEPARTMENT = rules(200, anonymous=LOGIN, people=404, inspector=404)
OWNER = rules(404, anonymous=LOGIN, **each((*JIANGXIA_STAFF, *PLATFORM), 200))
# Retiring without a reason: the owner's reviewers (and the platform) are sent back to the
# article with the message; a writer who is not a reviewer, and everyone else, get 404.
RETIRE = rules(
    404,
    anonymous=LOGIN,
    **each(("approving_officer", "department_admin", *PLATFORM), Refusal(302, ARTICLE)),
)
PUBLIC = rules(200)
O311 = "/open311/v2/"

HOTLINE_KB = [
    Row("kb_articles", "get", KB, KB, WITH_DEPARTMENT),
    Row("kb_article_new", "get", KB + "new/", KB + "new/", WITH_DEPARTMENT),
    Row("kb_search", "get", KB + "search/?q=12345", KB + "search/", ANY_STAFF),
    Row("kb_assist", "get", KB + "assist/?text=12345", KB + "assist/", ANY_STAFF),
    Row("kb_live", "get", KB + "live/{kb_article}/", KB + "live/<int:pk>/", ANY_STAFF),
    Row("kb_article", "get", ARTICLE, KB + "<int:pk>/", OWNER),
    Row("kb_article_edit", "get", ARTICLE + "edit/", KB + "<int:pk>/edit/", OWNER),
    Row("kb_article_links", "get", ARTICLE + "links/", KB + "<int:pk>/links/", OWNER),
    Row(
        "kb_article_retire",
        "post",
        ARTICLE + "retire/",
        KB + "<int:pk>/<slug:action>/",
        RETIRE,
        {"comment": ""},
        writes=True,
    ),
    Row("open311_services", "get", O311 + "services.json", O311 + "services.<str:fmt>", PUBLIC),
    Row(
        "open311_service", "get", O311 + "services/urban.xml", O311 + "services/<str:code>.<str:fmt>", PUBLIC
    ),
    Row("open311_requests", "get", O311 + "requests.json", O311 + "requests.<str:fmt>", PUBLIC),
    Row(
        "open311_requests_post",
        "post",
        O311 + "requests.json",
        O311 + "requests.<str:fmt>",
        rules(403),
        {"service_code": "urban", "address_string": "纸坊大街", "description": "路灯不亮已经三天"},
        writes=True,
    ),
    Row(
        "open311_request",
        "get",
        O311 + "requests/{ticket}.json",
        O311 + "requests/<str:number>.<str:fmt>",
        PUBLIC,
    ),
    Row("open311_token", "get", O311 + "tokens/{ticket}.xml", O311 + "tokens/<str:token>.<str:fmt>", PUBLIC),
]
