"""Validity periods (有效期) of licences, and the one "today" the licence rules use."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongban.core.errors import FieldProblem

from .enums import ValidityKind

MAX_YEARS = 100


def today() -> dt.date:
    """The local date every licence rule uses (tests set it: monkeypatch validity.today)."""
    return timezone.localdate()


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def end_after_years(start: dt.date, years: int) -> dt.date:
    """The last day of a period of `years` years starting on `start` (inclusive)."""
    return add_years(start, years) - dt.timedelta(days=1)


def check_rule(kind: str, years: int | None) -> list[FieldProblem]:
    """A licence type's validity rule."""
    if kind not in ValidityKind.values:
        return [
            FieldProblem("validity_kind", f"有效期规则 {kind} 无效，应为 {'、'.join(ValidityKind.values)}")
        ]
    if kind == ValidityKind.LONG_TERM and years is not None:
        return [FieldProblem("validity_years", "长期有效的证照类型不设有效年限")]
    if kind == ValidityKind.YEARS and years is None:
        return [FieldProblem("validity_years", "请填写有效年限")]
    if years is not None and (
        isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS
    ):
        return [FieldProblem("validity_years", f"有效年限应为1-{MAX_YEARS}的整数")]
    return []


def period(
    *, kind: str, years: int | None, valid_from: dt.date, valid_until: dt.date | None
) -> tuple[dt.date | None, list[FieldProblem]]:
    """The end of the period (None: 长期有效) under the type's rule, or the problems."""
    if kind == ValidityKind.LONG_TERM:
        if valid_until is not None:
            return None, [FieldProblem("valid_until", "该类证照长期有效，不应填写有效期截止日期")]
        return None, []
    if kind == ValidityKind.YEARS:
        end = end_after_years(valid_from, years or 0)
        if valid_until is not None and valid_until != end:
            return None, [
                FieldProblem("valid_until", f"该类证照有效期为{years}年，截止日期应为 {end.isoformat()}")
            ]
        return end, []
    # GIVEN: the issuer sets the end, within the maximum when there is one.
    if valid_until is None:
        return None, [FieldProblem("valid_until", "请填写有效期截止日期")]
    if valid_until < valid_from:
        return None, [FieldProblem("valid_until", "有效期截止日期不能早于起始日期")]
    if years is not None and valid_until > end_after_years(valid_from, years):
        return None, [FieldProblem("valid_until", f"该类证照有效期最长{years}年")]
    return valid_until, []
