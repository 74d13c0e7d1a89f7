"""Kernel endpoints: regions (the region switch walks these)."""

from ninja import Router

from . import queries
from .schemas import ErrorOut, RegionCode, RegionOut

router = Router(tags=["regions"])


def region_out(region, *, has_children: bool) -> RegionOut:
    return RegionOut(
        code=queries.display_code(region),
        statistical_code=region.code,
        name=region.name,
        level=region.level,
        level_name=region.get_level_display(),
        parent=region.parent_id,
        has_children=has_children,
    )


@router.get("/regions/{code}", response={200: RegionOut, 400: ErrorOut, 404: ErrorOut})
def region_detail(request, code: RegionCode):
    region = queries.get_region(code, field="code")
    return region_out(region, has_children=region.children.exists())


@router.get("/regions/{code}/children", response={200: list[RegionOut], 400: ErrorOut, 404: ErrorOut})
def region_children(request, code: RegionCode):
    children = list(queries.region_children(code, field="code").prefetch_related("children"))
    return [region_out(r, has_children=bool(r.children.all())) for r in children]
