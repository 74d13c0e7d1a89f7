"""Template context shared by every portal page: the chosen region and display mode.

Both live in cookies so the portal needs no session: `tb_region` holds the 12-digit code of
the region a person picked (省 > 市 > 县 > 乡镇 > 村), `tb_large` is "1" in large-text mode
(适老化). A cookie that was tampered with or names a region that no longer exists is ignored,
never an error: the person simply sees the province-wide portal again.
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError

REGION_COOKIE = "tb_region"
LARGE_TEXT_COOKIE = "tb_large"
COOKIE_MAX_AGE = 365 * 24 * 3600


def region_code_from_cookie(request) -> str:
    """The cookie's region code if it is well-formed (6 or 12 digits), else ""."""
    raw = request.COOKIES.get(REGION_COOKIE, "")
    try:
        return core_queries.check_region_code(raw)
    except DomainError:
        return ""


def region_from_cookie(request):
    """The chosen Region, or None; looked up once per request."""
    if not hasattr(request, "_tb_region"):
        code = region_code_from_cookie(request)
        region = None
        if code:
            try:
                region = core_queries.get_region(code)
            except DomainError:
                region = None
        request._tb_region = region
    return request._tb_region


def is_large_text(request) -> bool:
    return request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"


def set_region_cookie(response, region) -> None:
    if region is None:
        response.delete_cookie(REGION_COOKIE, samesite="Lax")
    else:
        response.set_cookie(REGION_COOKIE, region.code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)


def set_large_text_cookie(response, on: bool) -> None:
    if on:
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE, samesite="Lax")


def portal(request) -> dict:
    return {
        "current_region_code": region_code_from_cookie(request),
        # Lazy: pages that never show the region (and the error pages of a broken database
        # connection) do not pay for the lookup.
        "current_region": SimpleLazyObject(lambda: region_from_cookie(request)),
        "large_text": is_large_text(request),
    }
