"""The rows of the annual evaluation and the public operational statistics (insight): the
public ranking, a region's computation, the PDF report and /insight/stats/ (everyone); the
scheme workbench and the run (platform administrators; other staff 404, everyone else to sign
in). The world has a published scheme `{eval_scheme}` and the 2026 run."""

from __future__ import annotations

import re

from .table import LOGIN, Row, each, rules

PUBLIC = rules(200)
ADMINS = ("platform_admin", "superuser")
# The workbench: platform administrators; other staff 404; people and nobody sign in (as staff).
WORKBENCH = rules(404, anonymous=LOGIN, people=LOGIN, **each(ADMINS, 200))
SCHEME = "/insight/evaluation/schemes/{eval_scheme}/"


def _write(ok) -> dict:
    return rules(404, anonymous=LOGIN, people=LOGIN, **each(ADMINS, ok))


INSIGHT_EVALUATION = [
    Row("evaluation", "get", "/insight/evaluation/", "/insight/evaluation/", PUBLIC),
    Row(
        "evaluation_region",
        "get",
        "/insight/evaluation/{eval_year}/{eval_region}/",
        "/insight/evaluation/<int:year>/<str:region>/",
        PUBLIC,
    ),
    Row(
        "evaluation_report",
        "get",
        "/insight/evaluation/{eval_year}/report.pdf",
        "/insight/evaluation/<int:year>/report.pdf",
        PUBLIC,
    ),
    Row("insight_stats", "get", "/insight/stats/", "/insight/stats/", PUBLIC),
    Row("insight_stats_csv", "get", "/insight/stats.csv", "/insight/stats.csv", PUBLIC),
    Row("eval_schemes", "get", "/insight/evaluation/schemes/", "/insight/evaluation/schemes/", WORKBENCH),
    Row("eval_scheme", "get", SCHEME, "/insight/evaluation/schemes/<int:version>/", WORKBENCH),
    Row(
        "eval_scheme_edit",
        "post",
        SCHEME,
        "/insight/evaluation/schemes/<int:version>/",
        # the world's version is published: an edit is refused (a message, back to its page)
        _write((302, SCHEME)),
        {"name": "改名"},
        writes=True,
    ),
    Row(
        "eval_scheme_new",
        "post",
        "/insight/evaluation/schemes/new/",
        "/insight/evaluation/schemes/new/",
        _write((302, re.compile(r"/insight/evaluation/schemes/\d+/"))),
        {},
        writes=True,
    ),
    Row(
        "eval_scheme_action",
        "post",
        SCHEME + "submit/",
        "/insight/evaluation/schemes/<int:version>/<slug:action>/",
        _write((302, SCHEME)),  # published: not submitted again (a message)
        {},
        writes=True,
    ),
    Row(
        "eval_run",
        "post",
        "/insight/evaluation/run/",
        "/insight/evaluation/run/",
        _write(400),  # no year: the form again, the field named
        {},
        writes=True,
    ),
]
