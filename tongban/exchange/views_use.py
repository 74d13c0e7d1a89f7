"""The people-facing and public pages of the gateway (thin): a person's "my data use"
(`/accounts/me/data-use/`, mounted in tongban/urls.py before the accounts include: accounts may
not import the exchange) and the public operational statistics (`/exchange/stats/`, its JSON)."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import datause, stats

CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 300, 60, 2


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except (TypeError, ValueError):
        return 1


@require_GET
@login_required
def data_use(request):
    subjects, page = datause.reads(request.user, page=_page_number(request))
    context = {"subjects": subjects, "page": page, "rows": page.rows}
    return _private(render(request, "exchange/data_use.html", context))


def _bars(service: stats.Service) -> list[dict]:
    """The inline SVG bars of one service's calls per day (heights scaled to its busiest day)."""
    n = len(service.days) or 1
    width = CHART_WIDTH / n
    peak = service.peak or 1
    bars = []
    for i, d in enumerate(service.days):
        height = round(CHART_HEIGHT * d.calls / peak, 1)
        bars.append(
            {
                "x": round(i * width, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "width": round(max(width - BAR_GAP, 1), 1),
                "height": height,
                "title": _("%(day)s：%(calls)s 次") % {"day": d.day.isoformat(), "calls": d.calls},
            }
        )
    return bars


def _bound_label(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return _("> %(ms)s 毫秒") % {"ms": stats.BUCKETS_MS[-1]}
    return _("≤ %(ms)s 毫秒") % {"ms": int(value)}


@require_GET
def stats_page(request):
    services = stats.window()
    rows = [
        {
            "service": s,
            "bars": _bars(s),
            "p95": _bound_label(s.p95_bound_ms),
            "refused_pct": None if s.refused_share is None else round(100 * s.refused_share, 1),
            "days": list(reversed(s.days)),
        }
        for s in services
    ]
    context = {
        "rows": rows,
        "window_days": stats.WINDOW_DAYS,
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
    }
    return render(request, "exchange/stats.html", context)


@require_GET
def stats_json(request):
    return JsonResponse(stats.as_json(stats.window()), json_dumps_params={"ensure_ascii": False})
