"""api_ratings: operations under /api/v1/ratings. Public figures over the rollups (no personal
data, no sign-in): the rankings the public page shows, for other systems to read."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema

from tongban.core.errors import InvalidInput
from tongban.core.schemas import ErrorOut

from . import queries
from .enums import Scope

router = Router()
BY = {"dept": Scope.DEPARTMENT, "region": Scope.REGION, "item": Scope.ITEM}


class RankingQuery(Schema):
    by: Literal["dept", "region", "item"] = "dept"
    level: int | None = Field(None, ge=1, le=3)
    since: str = Field("", pattern=r"^(\d{4}(0[1-9]|1[0-2]))?$")
    until: str = Field("", pattern=r"^(\d{4}(0[1-9]|1[0-2]))?$")


class RankingLine(Schema):
    rank: int
    key: str
    name: str
    count: int
    rated: int
    defaults: int
    bad: int
    participation: float | None
    good_rate: float | None
    bad_rate: float | None
    rectify_rate: float | None
    on_time_rate: float | None
    callback_rate: float | None


def _month(value: str, field: str) -> str:
    if value and not (len(value) == 6 and value.isdigit() and 1 <= int(value[4:]) <= 12):
        raise InvalidInput.field(field, "月份格式为YYYYMM，例如202610")
    return value


def _num(value):
    return float(value) if value is not None else None


@router.get("/rankings", response={200: list[RankingLine], 400: ErrorOut})
def rankings(request, q: Query[RankingQuery]):
    """好差评 indicators per department, region (level 1 province, 2 city, 3 county) or item, best
    好评率 first, over the months given (YYYYMM, both ends included)."""
    if q.level is not None and q.level not in (1, 2, 3):
        raise InvalidInput.field("level", "地区层级为1（省）、2（市）或3（县）")
    lines = queries.ranking(
        BY[q.by],
        level=(q.level or 2) if q.by == "region" else None,
        since=_month(q.since, "since"),
        until=_month(q.until, "until"),
    )
    keep = ("rank", "key", "name", "count", "rated", "defaults", "bad")
    rates = ("participation", "good_rate", "bad_rate", "rectify_rate", "on_time_rate", "callback_rate")
    return [{**{k: line[k] for k in keep}, **{k: _num(line[k]) for k in rates}} for line in lines[:500]]
