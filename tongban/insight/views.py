"""The dashboards' pages (thin): `/insight/` (desktop and phone), `/insight/screen/` (the
1920×1080 big screen), their live fragments (the same URLs asked by htmx), the downloads of each
figure's table, the map outlines and the indicator formulas. All public: the figures are counts
and rates, never a person. See README.md "Dashboards"."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem, InvalidInput

from . import dashboard, exports, mapdata
from .indicators import INDICATORS

REFRESH_SECONDS = 30  # the dashboard's figures; INSIGHT_REFRESH_SECONDS overrides
SCREEN_REFRESH_SECONDS = 15  # the big screen's; INSIGHT_SCREEN_REFRESH_SECONDS overrides


def _refresh(name: str, default: int) -> int:
    return max(1, int(getattr(settings, name, default)))


def _problems(error: DomainError, default_field: str) -> list[dict]:
    problems = error.problems or [FieldProblem(default_field, error.message)]
    return [
        {"field": p.field, "label": dashboard.field_label(p.field), "message": p.message} for p in problems
    ]


def _form_context(request, selection=None) -> dict:
    """What the selection form shows: the values asked for (kept when they were wrong), the
    presets, the indicators and the departments of the region."""
    asked = {
        k: (request.GET.get(k) or "").strip()
        for k in ("region", "from", "to", "preset", "department", "indicator")
    }
    departments = []
    if selection is not None:
        asked.update(
            region=selection.region.code,
            indicator=selection.indicator.id,
            **({"from": selection.date_from.isoformat(), "to": selection.date_to.isoformat()}),
        )
        departments = list(core_queries.departments(region=selection.region.code))
    return {
        "asked": asked,
        "presets": dashboard.PRESETS,
        "indicator_choices": dashboard.chartable_indicators(),
        "departments": departments,
    }


def _page(request, template: str, partial: str, refresh: int):
    """The dashboard and the screen: the selection, then the whole page or (asked by htmx)
    only its live part. A bad selection is the page with the fields named, status 400."""
    try:
        selection = dashboard.read_selection(request.GET, today=timezone.localdate())
    except DomainError as error:
        context = {"problems": _problems(error, "region"), "refresh": refresh, **_form_context(request)}
        response = render(request, template, context, status=400)
        patch_vary_headers(response, ["HX-Request"])
        return response
    board = dashboard.build(selection)
    context = {
        "board": board,
        "selection": selection,
        "refresh": refresh,
        "updated_at": timezone.localtime(),
        "map_available": mapdata.available(),
        "links": dashboard.links(selection),
        **_form_context(request, selection),
    }
    name = f"{template}#{partial}" if getattr(request, "htmx", False) else template
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def dashboard_page(request):
    return _page(
        request, "insight/dashboard.html", "results", _refresh("INSIGHT_REFRESH_SECONDS", REFRESH_SECONDS)
    )


@require_GET
def screen_page(request):
    refresh = _refresh("INSIGHT_SCREEN_REFRESH_SECONDS", SCREEN_REFRESH_SECONDS)
    return _page(request, "insight/screen.html", "board", refresh)


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.xlsx_bytes),
}


def _export(request, extension: str):
    content_type, write = EXPORTS[extension]
    try:
        selection = dashboard.read_selection(request.GET, today=timezone.localdate())
        table = dashboard.build_table(selection, (request.GET.get("table") or "").strip())
    except InvalidInput as error:
        context = {"problems": _problems(error, "table"), "refresh": 0, **_form_context(request)}
        return render(request, "insight/dashboard.html", context, status=400)
    response = HttpResponse(write(table), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(table, selection, extension)}"'
    )
    return response


@require_GET
def export_csv(request):
    return _export(request, "csv")


@require_GET
def export_xlsx(request):
    return _export(request, "xlsx")


@require_GET
def formulas(request):
    """Each indicator's definition: its id (the anchor the cards link to), formula and unit."""
    return render(
        request, "insight/formulas.html", {"indicators": list(INDICATORS.values()), "title": _("指标定义")}
    )
