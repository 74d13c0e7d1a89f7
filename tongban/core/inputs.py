"""Input bounds every layer shares (输入边界): text without NUL bytes, dates in a plausible range,
ids within the 64-bit range of the database keys.

PostgreSQL refuses a NUL byte in text ("A string literal cannot contain NUL") and in jsonb,
SQLite stores it; Python dates reach year 9999, so date arithmetic near the ends overflows; a
primary key is a signed 64-bit integer. These checks give one answer on both databases, before
any of those limits is met: a field problem naming the field (400), or "not found" for an id.

Where they apply: `InputGuardMiddleware` (every path, query and form value of every request, and
every string of an API JSON body), `core.schema_types` (API schemas), `BoundedDateField` (forms),
and services that take dates (`check_date`)."""

from __future__ import annotations

import datetime as dt

from .errors import FieldProblem, InvalidInput

NUL = "\x00"
# The earliest and latest dates the platform accepts anywhere: registers reach back to 1900, and
# a validity period of up to 100 years from the latest start still ends well before year 9999.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
# Primary keys are signed 64-bit (BigAutoField); a larger number names no row.
MAX_ID = 2**63 - 1

NUL_MESSAGE = "不能包含空字符（NUL）"


def date_message() -> str:
    return f"日期应在 {EARLIEST_DATE.isoformat()} 至 {LATEST_DATE.isoformat()} 之间"


def has_nul(value) -> bool:
    return isinstance(value, str) and NUL in value


def find_nul(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL byte inside `value`, else None."""
    if isinstance(value, str):
        return (path or "request") if NUL in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_nul(key):
                return where
            found = find_nul(inner, where)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            found = find_nul(inner, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def nul_error(field: str) -> InvalidInput:
    return InvalidInput.field(field.replace(NUL, "\\0"), NUL_MESSAGE)


def check_text(field: str, value) -> FieldProblem | None:
    """A problem when the text holds a NUL byte."""
    return FieldProblem(field, NUL_MESSAGE) if has_nul(value) else None


def date_in_range(value: dt.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def check_date(field: str, value: dt.date | None) -> FieldProblem | None:
    """A problem when the date is outside [EARLIEST_DATE, LATEST_DATE] (None passes)."""
    if value is None or date_in_range(value):
        return None
    return FieldProblem(field, date_message())


def check_dates(**fields: dt.date | None) -> list[FieldProblem]:
    """Problems of every out-of-range date among `fields` (name=value)."""
    return [p for name, value in fields.items() if (p := check_date(name, value)) is not None]


def parse_id(text) -> int | None:
    """An id given as text or int, or None when it is not one (not digits, or past MAX_ID)."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 <= text <= MAX_ID else None
    text = str(text)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ID else None
