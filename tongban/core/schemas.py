"""Shared API shapes: the base of every input schema (no NUL byte in any string, every date within
the platform's range: `core.inputs`), typed codes whose patterns the OpenAPI document states, and
the shapes core itself answers with."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import inputs

# Codes as the OpenAPI document states them (the services check them fully, check digits included).
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{2,12}$", description="统计用区划代码（2-12位数字）")]
CreditCode = Annotated[
    str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码（18位，GB 32100）")
]
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
