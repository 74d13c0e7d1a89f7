"""The workbench's call log (/exchange/workbench/calls/): the gateway's calls a provider's or a
caller's staff (or the platform administrator) may see, filtered and paged. Read-only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import calls, grants
from .enums import CallOutcome
from .errors import CODES
from .views_grants import staff_required


@staff_required
@require_GET
def call_log(request):
    user = request.user
    if not calls.may_view(user):
        raise calls.denied(user)
    filters = calls.Filters.parse(request.GET)
    page = Paginator(calls.calls(user, filters), calls.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/calls/calls.html",
        {
            "page": page,
            "rows": calls.rows(page.object_list),
            "filters": filters,
            "outcomes": CallOutcome.choices,
            "errors": sorted(CODES),
            "is_platform_admin": grants.is_platform_admin(user),
        },
    )
