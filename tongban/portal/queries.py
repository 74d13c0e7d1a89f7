"""Portal-side reads: paging a catalogue query and the region picker's data.

The portal owns no tables; everything here composes `catalog.queries` and `core.queries`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import HandlingList, ItemType, ServiceObject
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


# --- The search page's filter panel ---------------------------------------------------------


@dataclass(frozen=True)
class FilterOption:
    value: str
    label: str
    count: int | None  # None: not counted (the match was too large to count cheaply)
    selected: bool


@dataclass(frozen=True)
class FilterGroup:
    name: str  # the query parameter
    label: str
    all_label: str
    options: list[FilterOption]
    error: str = ""  # the message when the given value was refused
    param: str = ""  # the parameter the value came in (type or its older name item_type ...)

    @property
    def selected(self) -> FilterOption | None:
        return next((o for o in self.options if o.selected), None)


# A refused value of an older parameter name is shown on the filter that replaced it.
FILTER_FIELDS = {"region": "region", "department": "department", "type": "type", "item_type": "type"}
FILTER_FIELDS |= {"object": "object", "mode": "mode", "list": "mode"}


def filter_panel_after_error(params, problems: dict[str, str]) -> list[FilterGroup]:
    """The filter panel again after a refused value: the fixed choices, what was given where it
    was valid, and the message on the filter at fault. No counts (nothing was searched)."""
    errors = {
        FILTER_FIELDS[field]: (field, message)
        for field, message in problems.items()
        if field in FILTER_FIELDS
    }

    def given(name: str, *older: str) -> str:
        if name in errors:
            return ""
        return next((params.get(n) for n in (name, *older) if params.get(n)), "")

    def group(name, label, all_label, options):
        field, message = errors.get(name, (name, ""))
        return FilterGroup(name, label, all_label, options, error=message, param=field)

    def static(choices, value):
        return [FilterOption(v, str(label), None, v == value) for v, label in choices]

    region = given("region")
    regions = []
    if region.isdigit() and len(region) in (6, 12):
        found = core_queries.regions_by_code([region.ljust(12, "0")])
        regions = [FilterOption(r.code, r.full_name or r.name, None, True) for r in found.values()]
    department = given("department")
    departments = []
    if department.isdigit() and len(department) <= 12:
        found = core_queries.departments_by_id([int(department)])
        departments = [FilterOption(str(d.pk), d.name, None, True) for d in found.values()]
    return [
        group("region", _("地区"), _("全部地区"), regions),
        group("department", _("部门"), _("全部部门"), departments),
        group("type", _("事项类型"), _("全部类型"), static(ItemType.choices, given("type", "item_type"))),
        group("object", _("服务对象"), _("全部对象"), static(ServiceObject.choices, given("object"))),
        group("mode", _("办理方式"), _("全部方式"), static(HandlingList.choices, given("mode", "list"))),
    ]


def _choice_group(name, label, all_label, choices, counts: dict | None, value: str) -> FilterGroup:
    """A filter of fixed choices (type, object, mode), each with its count when counted."""
    options = [
        FilterOption(v, str(text), None if counts is None else counts.get(v, 0), value == v)
        for v, text in choices
    ]
    return FilterGroup(name, label, all_label, options)


def filter_panel(filters, facets, *, explicit_region: bool) -> list[FilterGroup]:
    """The five filters of the search page (region, department, type, object, mode), each with
    the number of matching items per choice when the catalogue counted them (`facets`).
    Regions and departments list those that occur in the match, the most frequent first."""

    region_value = filters.region.ljust(12, "0") if explicit_region and filters.region else ""
    regions = [
        FilterOption(r.code, r.full_name or r.name, n, r.code == region_value)
        for r, n in (facets.regions if facets else [])
    ]
    if region_value and not any(o.selected for o in regions):
        chosen = core_queries.regions_by_code([region_value]).get(region_value)
        if chosen is not None:
            regions.insert(0, FilterOption(chosen.code, chosen.full_name or chosen.name, None, True))
    departments = [
        FilterOption(str(d.pk), d.name, n, filters.department in (str(d.pk), d.credit_code))
        for d, n in (facets.departments if facets else [])
    ]
    if filters.department and not any(o.selected for o in departments):
        chosen = core_queries.get_department(filters.department)
        departments.insert(0, FilterOption(str(chosen.pk), chosen.name, None, True))
    groups = [
        FilterGroup("region", _("地区"), _("全部地区"), regions),
        FilterGroup("department", _("部门"), _("全部部门"), departments),
        _choice_group(
            "type",
            _("事项类型"),
            _("全部类型"),
            ItemType.choices,
            facets and facets.item_types,
            filters.item_type,
        ),
        _choice_group(
            "object",
            _("服务对象"),
            _("全部对象"),
            ServiceObject.choices,
            facets and facets.objects,
            filters.service_object,
        ),
        _choice_group(
            "mode",
            _("办理方式"),
            _("全部方式"),
            HandlingList.choices,
            facets and facets.modes,
            filters.handling_list,
        ),
    ]
    # The counts are of the current match: once a filter is chosen, its other choices would all
    # count 0 although choosing one of them finds items. Show no count there rather than a false 0.
    return [
        replace(g, options=[o if o.selected else replace(o, count=None) for o in g.options])
        if g.selected
        else g
        for g in groups
    ]
