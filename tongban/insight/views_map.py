"""The map outlines the dashboards draw (`/insight/map.json?region=<code>`; see mapdata.py)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem

from . import mapdata


@require_GET
def map_json(request):
    """The outlines of a region's children as GeoJSON; a bad region is 400 naming `region`."""
    code = (request.GET.get("region") or "").strip()
    try:
        region = core_queries.get_region(code, field="region")
    except DomainError as error:
        problems = error.problems or [FieldProblem("region", error.message)]
        body = {"code": error.code, "message": error.message, "errors": [p.as_dict() for p in problems]}
        response = JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "no-store"
        return response
    children = list(core_queries.region_children(region.code))
    response = JsonResponse(
        mapdata.feature_collection(region, children), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=86400"  # outlines change with the package only
    return response
