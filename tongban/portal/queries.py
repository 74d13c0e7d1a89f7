"""Portal-side reads: paging a catalogue query and the region picker's data.

The portal owns no tables; everything here composes `catalog.queries` and `core.queries`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from tongban.catalog import queries as catalog_queries
from tongban.catalog.queries import MAX_PAGE, PAGE_SIZE
from tongban.core import queries as core_queries


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    total: int
    per_page: int = PAGE_SIZE

    @property
    def exact(self) -> bool:
        """False when the total is an estimate (a very common word): only the ranked
        candidates can be paged through."""
        return getattr(self.total, "exact", True)

    @property
    def pages(self) -> int:
        shown = self.total if self.exact else min(self.total, catalog_queries.SEARCH_CANDIDATES)
        return min(max(1, math.ceil(shown / self.per_page)), MAX_PAGE)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def beyond_end(self) -> bool:
        """A page number past the last page (the list shrank, or a hand-edited URL)."""
        return self.number > self.pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0


def page_of(qs: QuerySet, number: int, *, per_page: int = PAGE_SIZE) -> Page:
    """One page of `qs`: a COUNT and a LIMIT/OFFSET query, whatever the list's size."""
    total = qs.count()
    start = (number - 1) * per_page
    return Page(list(qs[start : start + per_page]), number, total, per_page)


@dataclass(frozen=True)
class RegionPicker:
    region: object | None  # the region being browsed (None: the list of provinces)
    trail: list  # province ... region, for the breadcrumb
    children: list


def region_picker(code: str = "") -> RegionPicker:
    """What the region switch shows for `code`: where we are and the next level down."""
    if not code:
        return RegionPicker(None, [], _with_child_counts(core_queries.provinces().order_by("code")))
    region = core_queries.get_region(code, field="code")
    children = _with_child_counts(core_queries.region_children(region.code))
    return RegionPicker(region, core_queries.region_ancestors(region), children)


def _with_child_counts(qs: QuerySet) -> list:
    """The regions with `child_count`, so the picker offers "下级" only where there is one."""
    return list(qs.annotate(child_count=Count("children")))
