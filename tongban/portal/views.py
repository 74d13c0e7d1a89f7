"""Portal pages: parse the input, call one query, render.

Domain errors (bad input, unknown codes) are raised, not handled here: the core middleware
renders them on `core/error.html` (which extends `portal/base.html`) with their HTTP status.
The one exception is the search page, which shows its own form again with the message next
to the field at fault (still HTTP 400), so the person can correct it in place.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.cases import services as case_services
from tongban.catalog import presenters
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import Audience, HandlingList, Status
from tongban.catalog.queries import SearchFilters
from tongban.core import queries as core_queries
from tongban.core.enums import DepartmentKind
from tongban.core.errors import InvalidInput, NotFound

from . import queries, schemas
from .context import region_from_cookie, set_large_text_cookie, set_region_cookie
from .enums import ENTRY_NOTES, LIVE_ENTRIES, SEARCH_SUGGESTIONS, Entry

LIST_PAGE_SIZE = 50


def _next_url(request, default: str = "/") -> str:
    """Where to go back to after a POST: a same-site path from the form, else `default`."""
    target = request.POST.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok and target.startswith("/") else default


def _cookie_region_code(request) -> str:
    """The chosen region's code, only if it exists (a stale cookie means "whole province")."""
    region = region_from_cookie(request)
    return region.code if region else ""


@require_GET
def home(request):
    region = region_from_cookie(request)
    entries = [
        {"key": e.value, "label": e.label, "note": ENTRY_NOTES[e], "href": LIVE_ENTRIES.get(e, "")}
        for e in Entry
    ]
    return render(
        request,
        "portal/home.html",
        {
            "person_topics": catalog_queries.topics(Audience.PERSON),
            "enterprise_topics": catalog_queries.topics(Audience.ENTERPRISE),
            "hot_items": catalog_queries.hot_items(region=region.code if region else ""),
            "handling_lists": HandlingList.choices,
            "entries": entries,
            "suggestions": SEARCH_SUGGESTIONS,
        },
    )


@require_GET
def search(request):
    context = {
        "suggestions": SEARCH_SUGGESTIONS,
        "params": request.GET,
        "filter_fields": queries.FILTER_FIELDS,
    }
    try:
        filters = schemas.search_filters(request.GET, cookie_region=_cookie_region_code(request))
        total, items, facets = catalog_queries.search(filters, facets=True)
    except (InvalidInput, NotFound) as error:
        # An unknown region or department code is the person's input too: say so on the form.
        if isinstance(error, NotFound):
            field = "region" if "行政区划" in error.message else "department"
            error = InvalidInput.field(field, error.message)
        problems = {p.field: p.message for p in error.problems}
        context.update(
            error=error,
            problems=problems,
            filter_panel=queries.filter_panel_after_error(request.GET, problems),
            filters_open=True,
        )
        return render(request, "portal/search.html", context, status=400)
    items = catalog_queries.mark_twins(catalog_queries.mark_exempt_counts(items))
    panel = queries.filter_panel(filters, facets, explicit_region=bool(request.GET.get("region")))
    context.update(
        filters=filters,
        facets=facets,
        filter_panel=panel,
        active_filters=sum(1 for group in panel if group.selected),
        page=queries.Page(items, filters.page, total),
        serving_scope=bool(filters.region) and not request.GET.get("region"),
    )
    return render(request, "portal/search.html", context)


def _guide_context(request, code: str) -> dict:
    version = schemas.parse_version(request.GET.get("version"))
    item = catalog_queries.get_guide(code, version=version)
    versions = [
        v
        for v in catalog_queries.item_versions(item.code).only(
            "version", "status", "published_at", "is_current"
        )
        if v.status in (Status.PUBLISHED, Status.SUPERSEDED)
    ]
    g = presenters.guide(item)
    above, below, more_below = catalog_queries.other_levels(item)
    return {
        "item": item,
        "g": g,
        "supplied_count": _mark_supplied(request.user, item),
        "levels_above": above,
        "levels_below": below,
        "levels_more": more_below,
        "nearby_desk": item.department.kind == DepartmentKind.SERVICE_CENTER,
        "versions": versions,
        "is_old_version": not item.is_current,
    }


def _mark_supplied(user, item) -> int:
    """What this visitor is promised for each material (`supplied`, and the licence or the
    verified identity that stands in), decided as the submission decides
    (`cases.services.material_plan`): 免提交 only for what this signed-in applicant holds now.
    Returns how many materials they need not provide."""
    plans = {p.pk: p for p in case_services.material_plan(user, item)}
    count = 0
    for m in item.materials.all():
        plan = plans.get(m.pk)
        m.supplied = plan.how if plan else "upload"
        m.supplied_plan = plan
        count += m.supplied in ("licence", "identity", "fact")
    return count


@require_GET
def guide(request, code: str):
    return render(request, "portal/guide.html", _guide_context(request, code))


@require_GET
def guide_print(request, code: str):
    return render(request, "portal/guide_print.html", _guide_context(request, code))


@require_GET
def department(request, dept_id: int):
    dept = core_queries.get_department(dept_id)
    page = queries.page_of(
        catalog_queries.department_items(dept.pk),
        schemas.parse_page(request.GET.get("page")),
        per_page=LIST_PAGE_SIZE,
    )
    return render(
        request,
        "portal/department.html",
        {
            "department": dept,
            "page": page,
            "indicators": catalog_queries.indicators(SearchFilters(department=str(dept.pk))),
        },
    )


@require_GET
def topic(request, slug: str):
    topic = catalog_queries.get_topic(slug)
    filters = SearchFilters(
        topic=topic.slug,
        region=_cookie_region_code(request),
        scope="serving",
        page=schemas.parse_page(request.GET.get("page")),
    )
    total, items = catalog_queries.search_items(filters)
    page = queries.Page(catalog_queries.mark_exempt_counts(items), filters.page, total)
    return render(request, "portal/topic.html", {"topic": topic, "page": page})


@require_GET
def handling_list(request, kind: str):
    if kind not in HandlingList.values:
        raise Http404
    qs = catalog_queries.handling_list(kind, SearchFilters(region=_cookie_region_code(request)))
    return render(
        request,
        "portal/list.html",
        {
            "kind": kind,
            "title": HandlingList(kind).label,
            "handling_lists": HandlingList.choices,
            "page": queries.page_of(qs, schemas.parse_page(request.GET.get("page")), per_page=LIST_PAGE_SIZE),
        },
    )


@require_GET
def visits_list(request):
    qs = catalog_queries.visits_list(SearchFilters(region=_cookie_region_code(request)))
    return render(
        request,
        "portal/visits.html",
        {
            "handling_lists": HandlingList.choices,
            "page": queries.page_of(qs, schemas.parse_page(request.GET.get("page")), per_page=LIST_PAGE_SIZE),
        },
    )


@require_GET
def indicators(request):
    province = core_queries.provinces().order_by("code").first()
    rows, total = [], None
    if province is not None:
        rows = catalog_queries.indicators_by_region(province.code)
        total = catalog_queries.indicators(SearchFilters(region=province.code))
    return render(request, "portal/indicators.html", {"province": province, "rows": rows, "total": total})


@require_http_methods(["GET", "POST"])
def region(request):
    """GET: browse the region tree (works without JS). POST: remember the chosen region."""
    if request.method == "POST":
        code = schemas.clean_text(request.POST.get("code"), field="code", max_chars=20)
        chosen = core_queries.get_region(code, field="code") if code else None
        response = HttpResponseRedirect(_next_url(request))
        set_region_cookie(response, chosen)
        return response
    code = schemas.clean_text(request.GET.get("code"), field="code", max_chars=20)
    return render(
        request,
        "portal/region.html",
        {"picker": queries.region_picker(code), "next": request.GET.get("next", "")},
    )


@require_GET
def region_children(request, code: str):
    """The htmx fragment of the region switch: one level of the tree, with its choose buttons."""
    return render(
        request,
        "portal/region.html#picker",
        {"picker": queries.region_picker(code), "next": request.GET.get("next", "")},
    )


@require_POST
def display(request):
    """Large-text mode (适老化) on or off, remembered in a cookie."""
    response = HttpResponseRedirect(_next_url(request))
    set_large_text_cookie(response, request.POST.get("large") == "1")
    return response
