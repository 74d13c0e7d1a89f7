"""Licence pages under /licences/: "my licences" and a licence's page for its holder (the face,
its PDF, its versions and who used it), presenting it by a rotating QR code (出示), and the two
public pages a QR code opens: the verification page printed on every face and the page a
presentation code opens. Thin: parse, call one read (sharing, queries, verification), render.

The holder's pages need a signed-in natural person (`sharing.holdings` refuses staff with 403); a
licence is reached through `sharing.access_held_licence`: someone else's, or an enterprise's
the person does not act for now, is the same 404 as one that does not exist. Public pages show
the face masked (rendering.py) and never reveal whether a licence exists to someone who holds
neither a face (its check code) nor a live presentation code.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongban.core.errors import InvalidInput, NotFound

from . import queries, rendering, services, sharing, verification
from .enums import VerifyReason

PAGE_SIZE = 20
# Reasons that mean the library's copy cannot be trusted: the face is not shown at all.
UNTRUSTED = {
    VerifyReason.SIGNATURE_INVALID,
    VerifyReason.CONTENT_UNREADABLE,
    VerifyReason.SEAL_KEY_WRONG_ISSUER,
}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def verify_url(request, identifier: str) -> str:
    path = reverse("licences:verify", args=[identifier, sharing.verify_code(identifier)])
    return request.build_absolute_uri(path)


# --- The holder's pages -------------------------------------------------------------------------


@require_GET
@login_required
def my_licences(request):
    held = sharing.holdings(request.user)
    context = {
        "held": held,
        "person_page": _page(request, sharing.own_licences(held), "page"),
        "enterprise_page": _page(request, sharing.enterprise_licences(held), "epage"),
        "usage": sharing.recent_usage(held),
    }
    return _private(render(request, "licences/mine.html", context))


def _page(request, rows, param: str):
    """One page of a list, with the links to its neighbours keeping the other list's page."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))
    for name, number in (
        ("prev_query", page.has_previous() and page.number - 1),
        ("next_query", page.has_next() and page.number + 1),
    ):
        query = request.GET.copy()
        query[param] = str(number)
        setattr(page, name, query.urlencode() if number else "")
    return page


@require_GET
@login_required
def licence_page(request, identifier: str):
    licence = sharing.access_held_licence(request.user, identifier)
    versions = queries.versions(licence)
    context = {
        "licence": licence,
        "result": verification.verify(licence),
        "face": rendering.render_face(
            licence, verify_url=verify_url(request, licence.identifier), public=False
        ),
        "versions": versions,
        "usage": sharing.usage_of(versions),
    }
    return _private(render(request, "licences/licence.html", context))


@require_GET
@login_required
def licence_pdf(request, identifier: str):
    licence = sharing.access_held_licence(request.user, identifier)
    pdf = rendering.render_pdf(licence, verify_url=verify_url(request, licence.identifier))
    response = HttpResponse(pdf, content_type="application/pdf")
    # A number an issuer gave may be Chinese: RFC 6266 / 5987 encoding.
    response["Content-Disposition"] = content_disposition_header(False, f"{licence.number}.pdf")
    return _private(response)


def _present_token(request, identifier: str) -> dict:
    token, expires = sharing.make_present_token(identifier)
    url = request.build_absolute_uri(reverse("licences:shown", args=[token]))
    return {
        "url": url,
        "qr": rendering.qr_data_uri(url, scale=6),
        "expires_at": expires.isoformat(),
        "expires_local": timezone.localtime(expires).strftime("%H:%M:%S"),
        "seconds": sharing.PRESENT_SECONDS,
        "refresh": sharing.REFRESH_SECONDS,
    }


@require_GET
@login_required
def present(request, identifier: str):
    """出示: a QR code for the person in front of the holder to scan; present.js replaces it
    with a fresh one every REFRESH_SECONDS (the page reloads itself without JavaScript)."""
    licence = sharing.access_held_licence(request.user, identifier)
    context = {
        "licence": licence,
        "result": verification.verify(licence),
        "code": _present_token(request, licence.identifier),
    }
    return _private(render(request, "licences/present.html", context))


@require_GET
@login_required
def present_code(request, identifier: str):
    """A fresh presentation code as JSON (for present.js)."""
    licence = sharing.access_held_licence(request.user, identifier)
    return _private(JsonResponse(_present_token(request, licence.identifier)))


# --- Public pages -------------------------------------------------------------------------------


def _public(request, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _face_as_verified(request, result, *, public: bool) -> str:
    """The face of a verified licence; none when the library's copy cannot be trusted."""
    licence = result.licence
    if licence is None or UNTRUSTED.intersection(result.reasons):
        return ""
    return rendering.render_face(licence, verify_url=verify_url(request, licence.identifier), public=public)


@require_GET
def verify_page(request, identifier: str, code: str):
    """The page the QR code on a face opens: 有效 / 无效 with every reason, and the face masked."""
    if not sharing.check_verify_code(identifier, code):
        raise NotFound(_("没有找到该证照：请核对二维码或链接是否完整"))
    try:
        result = verification.verify_licence(identifier)
    except InvalidInput as exc:
        raise NotFound(_("没有找到该证照：请核对二维码或链接是否完整")) from exc
    face = _face_as_verified(request, result, public=True)
    context = {"result": result, "face": face, "checked_at": timezone.now()}
    return _public(request, "licences/verify.html", context)


@require_GET
def shown(request, token: str):
    """The page a presentation code opens: the licence as verified now, or why the code no
    longer works."""
    try:
        identifier = sharing.read_present_token(token)
    except sharing.TokenExpired as exc:
        return _public(request, "licences/shown.html", {"expired": exc.message}, status=410)
    result = services.verify_and_log(sharing.PRESENT_ACTOR, identifier)  # a use: logged
    # The holder chose to show it: names as on the licence, ID numbers still masked.
    face = _face_as_verified(request, result, public=False)
    context = {"result": result, "face": face, "checked_at": timezone.now()}
    return _public(request, "licences/shown.html", context)
