"""The public exports of the open catalogue: DCAT-AP 3 (Turtle, JSON-LD) and the CKAN action API
facade. Read-only, anonymous, CORS-open (any origin may read the open catalogue); the CKAN
facade takes POST JSON as CKAN does and is exempt from CSRF because it changes nothing."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import ckan, dcat

PUBLIC_CACHE = "public, max-age=60"


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _open(response: HttpResponse) -> HttpResponse:
    """Any origin may read it; a success may be cached briefly (public data, no personal data)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = PUBLIC_CACHE if response.status_code == 200 else "no-cache"
    return response


@require_safe
def catalog_ttl(request):
    graph = dcat.catalog_graph(_base_url(request))
    return _open(HttpResponse(dcat.serialize(graph, "turtle"), content_type="text/turtle; charset=utf-8"))


@require_safe
def catalog_jsonld(request):
    graph = dcat.catalog_graph(_base_url(request))
    return _open(
        HttpResponse(dcat.serialize(graph, "json-ld"), content_type="application/ld+json; charset=utf-8")
    )


def _params(request) -> dict:
    """The action's data dict as CKAN reads it: the query string for GET; a JSON object body or
    form fields for POST (JSON when the body is one, whatever the content type says)."""
    if request.method == "GET":
        return {k: (v[0] if len(v) == 1 else v) for k, v in request.GET.lists()}
    body = request.body
    if request.content_type == "application/json" or body.lstrip().startswith(b"{"):
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except ValueError as e:
            raise ckan.bad_request(f"JSON Error: {e}") from None
        if not isinstance(data, dict):
            raise ckan.bad_request("JSON Error: the request body must be a JSON object")
        return data
    return {k: (v[0] if len(v) == 1 else v) for k, v in request.POST.lists()}


@csrf_exempt
def ckan_action(request, action: str):
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CKAN-API-Key"
        response["Access-Control-Max-Age"] = "86400"
        return _open(response)
    help_url = f"{_base_url(request)}/api/3/action/help_show?name={action}"
    status = 200
    try:
        if request.method not in ("GET", "HEAD", "POST"):
            raise ckan.bad_request(f"Method not allowed: {request.method}")
        result = ckan.call(action, _params(request), base_url=_base_url(request))
        body = {"help": help_url, "success": True, "result": result}
    except ckan.CkanError as error:
        status = error.status
        body = {"help": help_url, "success": False, "error": error.error}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/json;charset=utf-8"
    return _open(response)
