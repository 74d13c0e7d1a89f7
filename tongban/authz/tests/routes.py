"""Every endpoint the site serves, read from the URL configuration and the ninja API.

A Django URL pattern is named by its full route (``/cases/<str:number>/supply/``); an API
operation by its method and OpenAPI path (``POST /api/v1/cases/{number}/withdraw``). The admin's
model pages are named by their route like any other pattern, so a newly registered model (or a
custom admin view) is a new endpoint too.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from tongban.api import api

API_PREFIX = "/api/v1/"


def _walk(patterns, prefix: str = ""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


def url_routes() -> set[str]:
    """Full routes of every Django URL pattern outside the API (the API's own patterns are the
    operations of `api_operations`)."""
    return {r for r in _walk(get_resolver().url_patterns) if not r.startswith(API_PREFIX)}


def api_operations() -> set[str]:
    """``METHOD /api/v1/path`` of every operation in the OpenAPI schema, plus the schema and docs
    pages themselves (GET)."""
    # With the slash, as the served schema has it: nested routers (bundles, hotline ...) are
    # mounted without a leading one, and "/api/v1" + "bundles/themes" would lose it.
    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    ops = {f"{m.upper()} {path}" for path, item in schema["paths"].items() for m in item}
    api_pages = {r for r in _walk(get_resolver().url_patterns) if r.startswith(API_PREFIX)}
    documented = {r for r in api_pages if r.endswith(("openapi.json", "docs"))}
    return ops | {f"GET {r}" for r in documented}
