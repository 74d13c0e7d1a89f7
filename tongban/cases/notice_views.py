"""Notice pages: the PDF for the applicant and the department's staff, and the public
verification page the QR code on every notice links to. Thin: parse, call one read, render.

Domain errors (NotFound) are rendered by the core middleware with their status: a stranger asking
for a notice gets the same 404 as for a notice that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import notices, progress, services


def _verify_url(request, notice) -> str:
    return request.build_absolute_uri(notices.VERIFY_PATH.format(code=notice.verify_code))


@require_GET
@login_required
def notice_pdf(request, number: str, notice_number: str):
    case = services.access_case(request.user, number)
    notice = notices.access_notice(case, notice_number)
    pdf = notices.render_pdf(
        notice,
        verify_url=_verify_url(request, notice),
        query_code=progress.query_code(case),
        progress_url=request.build_absolute_uri("/cases/progress/"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def verify(request, code: str):
    response = render(request, "cases/notices/verify.html", {"v": notices.verify(code)})
    response["Cache-Control"] = "no-store"
    return response
