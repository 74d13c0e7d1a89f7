"""insight API shapes: query parameters (the OpenAPI document states their patterns; a reversed
or over-long period and an unknown region or department are refused by `queries`, naming the
field) and answers. Public figures only: nothing personal is in any of them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from tongban.core.schemas import DepartmentRef, InSchema, RegionCode

from .indicators import INDICATORS

IndicatorId = Literal[tuple(INDICATORS)]  # type: ignore[valid-type]


class PeriodQuery(InSchema):
    region: RegionCode = Field(..., description="行政区划代码（6位）或统计用区划代码（12位），含下级")
    date_from: dt.date | None = Field(None, alias="from", description="开始日期（含），缺省：今年1月1日")
    date_to: dt.date | None = Field(
        None, alias="to", description="结束日期（含），缺省：今天；期间不超过10年"
    )
    department: DepartmentRef = ""


class SeriesQuery(PeriodQuery):
    indicator: IndicatorId
    grain: Literal["day", "month"] = "month"


class BreakdownQuery(InSchema):
    indicator: IndicatorId
    region: RegionCode = Field(..., description="上级行政区划：按其直接下级分解")
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class VolumeQuery(PeriodQuery):
    by: Literal["channel", "state", "department", "item"] = "channel"


class RegionRef(Schema):
    code: str
    name: str


class IndicatorDefinition(Schema):
    id: str
    name: str
    unit: str
    formula: str
    numerator: str
    denominator: str
    source: str
    higher_is_better: bool
    has_series: bool


class IndicatorValueOut(IndicatorDefinition):
    value: float | int | None
    numerator_value: int | None
    denominator_value: int | None


class IndicatorsOut(Schema):
    region: RegionRef
    date_from: dt.date = Field(..., serialization_alias="from")
    date_to: dt.date = Field(..., serialization_alias="to")
    department: int | None
    indicators: list[IndicatorValueOut]


class Point(Schema):
    date: dt.date
    value: float | int | None


class SeriesOut(Schema):
    indicator: str
    unit: str
    grain: str
    region: RegionRef
    points: list[Point]


class RegionValueOut(Schema):
    code: str
    name: str
    value: float | int | None
    numerator: int | None
    denominator: int | None


class BreakdownOut(Schema):
    indicator: str
    unit: str
    region: RegionRef
    rows: list[RegionValueOut]


class VolumeRow(Schema):
    key: str
    label: str
    count: int


class VolumesOut(Schema):
    by: str
    region: RegionRef
    rows: list[VolumeRow]
