"""The whole demo catalogue: every basic item spec, checked for unique codes and names."""

from __future__ import annotations

from functools import cache

from . import items_market, items_people, items_sectors
from .specs import Spec


@cache
def all_specs() -> tuple[Spec, ...]:
    specs = (*items_market.SPECS, *items_people.SPECS, *items_sectors.SPECS)
    codes = [s.code for s in specs]
    names = [s.name for s in specs]
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"duplicate demo basic codes: {dupes}")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"duplicate demo basic item names: {dupes}")
    return specs


@cache
def spec_by_name() -> dict[str, Spec]:
    return {s.name: s for s in all_specs()}


# The basic item whose presence marks a seeded demo (内资有限责任公司设立登记, 营业执照).
MARKER_NAME = "内资有限责任公司设立登记"


def marker_code() -> str:
    return spec_by_name()[MARKER_NAME].code
