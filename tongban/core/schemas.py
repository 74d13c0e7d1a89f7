"""Shared API shapes: the base of every input schema (no NUL byte in any string, every date within
the platform's range: `core.inputs`), typed codes whose patterns the OpenAPI document states, and
the shapes core itself answers with."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from . import inputs

# Codes as the OpenAPI document states them (the services check them fully, check digits included).


def coded(pattern: str, message: str, description: str):
    """A string type whose pattern the OpenAPI document states and whose refusal names the rule
    in words (not the regular expression)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.search(value):
            raise PydanticCustomError("pattern", message)
        return value

    return Annotated[
        str,
        AfterValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "description": description}),
    ]


REGION_MESSAGE = "行政区划代码应为6位或12位数字"
RegionCode = coded(r"^([0-9]{6}|[0-9]{12})$", REGION_MESSAGE, "行政区划代码（6位）或统计用区划代码（12位）")
OptionalRegionCode = coded(r"^([0-9]{6}|[0-9]{12})?$", REGION_MESSAGE, "行政区划代码（6位或12位；空：全省）")
CreditCode = Annotated[
    str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码（18位，GB 32100）")
]
# 实施编码: up to 36 digits and capital letters (the catalogue upper-cases what is typed).
ItemCode = Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,36}$", description="事项实施编码")]
# A department by id or by credit code; empty: any.
DepartmentRef = Annotated[
    str, Field(pattern=r"^([0-9]{1,12}|[0-9A-Za-z]{18})?$", description="部门编号或18位统一社会信用代码")
]
# 事项类型: the national two-digit code (01 行政许可 ... 20 公共服务); empty: any.
ItemTypeCode = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-9]|20)?$", description="事项类型代码（01-20）")]
# 办件编号: region (6) + date (8) + channel (1) + daily sequence (6).
CaseNumber = Annotated[str, Field(pattern=r"^[0-9]{21}$", description="办件编号（21位数字）")]
# A primary key: positive and within the signed 64-bit range of the database.
Id = Annotated[int, Field(ge=1, le=inputs.MAX_ID)]
Page = Annotated[int, Field(ge=1, le=100_000, description="页码，从1开始")]


class InSchema(Schema):
    """Base of every API input: a string (at any depth) with a NUL byte, or a date outside
    [EARLIEST_DATE, LATEST_DATE], is a field error naming the field, on SQLite and PostgreSQL alike."""

    @field_validator("*", mode="after")
    @classmethod
    def _within_bounds(cls, value, info: ValidationInfo):
        where = inputs.find_nul(value)
        if where is not None:
            raise PydanticCustomError("nul_byte", inputs.NUL_MESSAGE)
        if (
            isinstance(value, dt.date)
            and not isinstance(value, dt.datetime)
            and not inputs.date_in_range(value)
        ):
            raise PydanticCustomError("date_range", inputs.date_message())
        return value


class RegionOut(Schema):
    code: str
    statistical_code: str
    name: str
    level: int
    level_name: str
    parent: str | None
    has_children: bool


class DepartmentOut(Schema):
    id: int
    name: str
    credit_code: str
    region: str
    region_name: str
    kind: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] | None = None
