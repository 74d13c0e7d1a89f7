"""api_themes: operations under /api/v1/bundles (filled by its part): the published themes of a
region (paginated) and one theme with its members, dependencies and what it saves. Public
reads, like the catalogue's guides. Thin: parse, call queries, shape."""

from __future__ import annotations

from typing import Annotated

from ninja import Router
from pydantic import Field

from tongban.core.schemas import ErrorOut, OptionalRegionCode

from . import queries
from .schemas import ThemeDetail, ThemePage

router = Router()
ERRORS = {400: ErrorOut, 404: ErrorOut}
PAGE_SIZE = 20
ThemeCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="主题编码")]


def _summary(t: queries.PublishedTheme) -> dict:
    return {
        "code": t.code,
        "version": t.version,
        "name": t.name,
        "scenario": t.scenario,
        "audience": t.audience,
        "region": t.region_code,
        "promised_days": t.spec.promised_days,
        "members": len(t.spec.members),
    }


@router.get("/themes", response={200: ThemePage, **ERRORS})
def list_themes(
    request,
    region: OptionalRegionCode = "",
    page: Annotated[int, Field(ge=1, le=1000)] = 1,
):
    """Published themes serving `region` (its own and those of the regions above it; empty:
    every theme), nearest region first, 20 a page."""
    themes = queries.themes_for_region(region)
    return {
        "count": len(themes),
        "page": page,
        "page_size": PAGE_SIZE,
        "themes": [_summary(t) for t in themes[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]],
    }


@router.get("/themes/{code}", response={200: ThemeDetail, **ERRORS})
def theme_detail(request, code: ThemeCode, region: OptionalRegionCode = ""):
    """A published theme: members with department, level, promised time and trips, the
    dependency layers, the questionnaire, the de-duplicated materials and what the theme saves
    against doing each member alone (over the members without conditions). With `region`, 404
    when the theme does not serve it."""
    guide = queries.guide_by_code(code, region)
    theme = guide.theme
    return {
        **_summary(theme),
        "layers": guide.layers,
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "choices": [{"value": c.value, "label": c.label} for c in q.choices],
            }
            for q in guide.questions
        ],
        "counted_members": guide.counted,
        "members_detail": [
            {
                "key": i.member.key,
                "item_code": i.member.item_code,
                "name": i.name,
                "published": i.item is not None,
                "department": i.department,
                "level": i.level,
                "promised": i.promised_label,
                "promised_workdays": round(float(i.promised_days), 2),
                "visits": i.visits,
                "when": [{"question": c.question, "values": list(c.values)} for c in i.member.when],
                "requires": [{"member": r.member, "result": r.result} for r in i.member.requires],
                "on_requirement_refused": i.member.on_requirement_refused,
            }
            for i in guide.members
        ],
        "materials": [
            {
                "key": p.key,
                "name": p.name,
                "members": list(p.members),
                "licence_type": p.licence_type,
                "exempt": p.exempt,
                "produced_by": p.produced_by,
            }
            for p in guide.plan
        ],
        "savings": guide.savings.as_dict(),
    }
