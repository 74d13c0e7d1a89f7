"""The walk-in applicant a 综合窗口 clerk is serving (窗口受理).

The clerk finds or registers the person on the window desk (`/workbench/cases/window/`); the
person stays the desk's applicant in the clerk's session until the clerk finishes. Other apps'
window pages (a one-thing bundle, 一事联办) apply for the same person through `applicant_of`.
"""

from __future__ import annotations

from tongban.accounts import queries as account_queries

WINDOW_SESSION_KEY = "cases.window.applicant"


def applicant_of(request):
    """The person the clerk is serving at the window, or None."""
    pk = request.session.get(WINDOW_SESSION_KEY)
    return account_queries.get_person(pk) if pk else None
