"""Catalogue endpoints under /api/v1/catalog (thin: parse, call queries, shape)."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Query, Router, Schema
from pydantic import Field

from tongban.core.errors import InvalidInput
from tongban.core.schemas import (
    DepartmentRef,
    ErrorOut,
    ItemCode,
    ItemTypeCode,
    OptionalRegionCode,
    RegionCode,
)
from tongban.core.search import MAX_QUERY_CHARS

from . import presenters, queries
from .schemas import (
    DepartmentIndicators,
    Divergence,
    Guide,
    Indicators,
    ItemPage,
    RegionIndicators,
    VisitRow,
)

router = Router(tags=["catalog"])
ERRORS = {400: ErrorOut, 404: ErrorOut}


class ItemQuery(Schema):
    q: str = Field("", max_length=MAX_QUERY_CHARS)
    region: OptionalRegionCode = ""
    scope: Literal["within", "serving"] = "within"
    department: DepartmentRef = ""
    item_type: ItemTypeCode = ""
    topic: str = Field("", pattern=r"^[-a-zA-Z0-9_]{0,50}$")
    list: Literal["", "now", "online", "nearby", "once"] = ""
    object: Literal["", "1", "2", "3", "4", "5", "6"] = ""  # 服务对象: 1 自然人, 2 企业法人 ...
    page: int = Field(1, ge=1, le=queries.MAX_PAGE)


def _filters(p: ItemQuery) -> queries.SearchFilters:
    return queries.SearchFilters(
        q=p.q,
        region=p.region,
        scope=p.scope,
        department=p.department,
        item_type=p.item_type,
        topic=p.topic,
        handling_list=p.list,
        service_object=p.object,
        page=p.page,
    )


@router.get("/items", response={200: ItemPage, **ERRORS})
def list_items(request, params: Query[ItemQuery]):
    """Search current items: `q` (Chinese words or a code), `region` (6 or 12 digits; with
    `scope=within` the region and below, `scope=serving` the region and above), `department`
    (id or credit code), `item_type` (01..20), `topic`, `list` (now|online|nearby|once)."""
    total, page = queries.search_items(_filters(params))
    return {
        "count": total,
        "count_exact": total.exact,
        "page": params.page,
        "page_size": queries.PAGE_SIZE,
        "items": [presenters.summary(i) for i in queries.mark_exempt_counts(page)],
    }


@router.get("/items/{code}", response={200: Guide, **ERRORS})
def item_guide(request, code: ItemCode, version: Annotated[int, Field(ge=1)] | None = None):
    """The whole service guide of the current published version (or `version`)."""
    return presenters.guide(queries.get_guide(code, version=version))


@router.get("/indicators", response={200: Indicators, **ERRORS})
def indicators(request, region: OptionalRegionCode = "", department: DepartmentRef = ""):
    """可网办率, 全程网办率, 最多跑一次 and 零跑动 ratios computed from the catalogue."""
    return queries.indicators(queries.SearchFilters(region=region, department=department))


@router.get("/indicators/by-region/{region}", response={200: list[RegionIndicators], **ERRORS})
def indicators_by_region(request, region: RegionCode):
    return [
        {"region": r.gb_code or r.code, "region_name": r.name, "indicators": ind}
        for r, ind in queries.indicators_by_region(region)
    ]


@router.get("/indicators/by-department", response={200: list[DepartmentIndicators], **ERRORS})
def indicators_by_department(request, region: OptionalRegionCode = ""):
    """Indicators per implementing department (within `region` when given), largest first."""
    return [
        {"department_id": d.pk, "department": d.name, "indicators": ind}
        for d, ind in queries.indicators_by_department(region or None)
    ]


@router.get("/lists/visits", response={200: list[VisitRow], **ERRORS})
def visits_list(
    request,
    region: OptionalRegionCode = "",
    department: DepartmentRef = "",
    page: Annotated[int, Field(ge=1, le=queries.MAX_PAGE)] = 1,
):
    """跑动次数清单: current items with their on-site visits and the reason for each (100 a page)."""
    if not 1 <= page <= queries.MAX_PAGE:
        raise InvalidInput.field("page", f"页码应在1到{queries.MAX_PAGE}之间")
    rows = queries.visits_list(queries.SearchFilters(region=region, department=department))
    return [
        {
            "code": i.code,
            "name": i.name,
            "department": i.department.name,
            "visits": i.visits,
            "visit_reason": i.visit_reason,
        }
        for i in rows[(page - 1) * 100 : page * 100]
    ]


@router.get("/four-sames", response={200: list[Divergence], **ERRORS})
def four_sames(request, region: OptionalRegionCode = "", department: DepartmentRef = ""):
    """四级四同: implementation items whose name, type, basis or code differ from the basic item."""
    rows = queries.four_sames_report(queries.SearchFilters(region=region, department=department))
    return [
        {
            "code": d.item.code,
            "name": d.item.name,
            "department": d.item.department.name,
            "basic_code": d.item.basic_code,
            "basic_name": d.basic.name if d.basic else None,
            "fields": list(d.fields),
        }
        for d in rows[:1000]
    ]
