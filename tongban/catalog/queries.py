"""Catalogue reads: search, guides, the published lists, indicators and the 四级四同 report."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)

from tongban.core import queries as core_queries
from tongban.core.enums import DepartmentKind
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.search import MAX_QUERY_CHARS, query_tokens
from tongban.licences import queries as licence_queries

from .checks import BASIC_CODE_RE, IMPL_CODE_RE, embedded_basic_code
from .enums import HandlingList, ItemType, ServiceObject, Status
from .models import BasicItem, ImplementationItem, ItemSearch, Material, ReviewFlag, Topic

PAGE_SIZE = 20
MAX_PAGE = 500
CODE_QUERY_RE = re.compile(r"^[0-9A-Za-z]{9,36}$")


def current_items() -> QuerySet[ImplementationItem]:
    return ImplementationItem.objects.filter(is_current=True)


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    region: str = ""  # 6- or 12-digit code
    scope: str = "within"  # within: the region and below; serving: the region and above
    department: str = ""  # id or credit code
    item_type: str = ""
    topic: str = ""
    handling_list: str = ""  # the handling mode (马上办/网上办/就近办/一次办): `mode` (or `list`)
    service_object: str = ""  # 服务对象 code (1 自然人, 2 企业法人 ...): `object`
    page: int = 1


def check_filters(f: SearchFilters) -> SearchFilters:
    """Validate filters, naming the field at fault."""
    if len(f.q) > MAX_QUERY_CHARS:
        raise InvalidInput.field("q", f"搜索词不能超过{MAX_QUERY_CHARS}个字")
    if f.item_type and f.item_type not in ItemType.values:
        raise InvalidInput.field(
            "item_type", "事项类型应为国家代码表中的两位代码（如 01 行政许可、20 公共服务）"
        )
    if f.scope not in ("within", "serving"):
        raise InvalidInput.field("scope", "scope 只能是 within 或 serving")
    if f.handling_list and f.handling_list not in HandlingList.values:
        raise InvalidInput.field("list", "清单只能是 now、online、nearby、once")  # the public parameter name
    if not 1 <= f.page <= MAX_PAGE:
        raise InvalidInput.field("page", f"页码应在1到{MAX_PAGE}之间")
    if f.region:
        core_queries.check_region_code(f.region)
    if f.department and not re.fullmatch(r"\d{1,12}|[0-9A-Za-z]{18}", f.department):
        raise InvalidInput.field("department", "部门应为部门编号或18位统一社会信用代码")
    if f.service_object and f.service_object not in ServiceObject.values:
        raise InvalidInput.field("object", "服务对象应为国家代码表中的一位代码（如 1 自然人、2 企业法人）")
    if f.topic and not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", f.topic):
        raise InvalidInput.field("topic", "主题应为字母、数字、连字符组成的标识")
    if "\x00" in f.q:  # PostgreSQL text cannot hold NUL, and it is never part of what people look for
        f = replace(f, q=f.q.replace("\x00", ""))
    return f


LIST_FILTERS = {
    HandlingList.NOW: Q(is_immediate=True),
    HandlingList.ONLINE: Q(is_online=True),
    HandlingList.NEARBY: Q(nearby=True),
    HandlingList.ONCE: Q(at_most_once=True),
}


def filter_items(qs: QuerySet, f: SearchFilters) -> QuerySet:
    """The filters of a search, on current items or on their search rows (same field names)."""
    if f.region:
        region = core_queries.get_region(f.region)
        if f.scope == "serving":
            qs = qs.filter(region_id__in=core_queries.region_codes_serving(region))
        else:
            # On the item the region is a foreign key (to Region.code); on a search row, its code.
            field = "region__code" if qs.model is ImplementationItem else "region_id"
            qs = qs.filter(**{f"{field}__startswith": region.prefix})
    if f.department:
        qs = qs.filter(department_id=core_queries.get_department(f.department).pk)
    if f.item_type:
        qs = qs.filter(item_type=f.item_type)
    if f.topic:
        codes = BasicItem.objects.filter(is_current=True, topics__slug=f.topic).values("code")
        qs = qs.filter(basic_code__in=codes)
    if f.handling_list:
        qs = qs.filter(LIST_FILTERS[HandlingList(f.handling_list)])
    if f.service_object:
        if qs.model is ItemSearch:
            qs = qs.filter(service_objects__contains=f.service_object)
        else:
            rows = ItemSearch.objects.filter(service_objects__contains=f.service_object)
            qs = qs.filter(pk__in=rows.values("item_id"))
    return qs


def nearness(f: SearchFilters):
    """How far an item's region is from the chosen one, for ranking: 0 the region's own items,
    then its parent's (1), grandparent's (2) ...; in a `within` search the items of the regions
    below it come after its own (99). None when no region is chosen. The ancestors are read off
    the code itself (GB/T 2260 and the statistical codes nest: 420624103000 → 420624, 420600,
    420000), so ranking costs no query; a level that does not exist matches nothing."""
    if not f.region:
        return None
    code = core_queries.check_region_code(f.region)
    chain = list(dict.fromkeys(code[:n].ljust(12, "0") for n in (12, 9, 6, 4, 2)))
    whens = [When(region_id=c, then=Value(distance)) for distance, c in enumerate(chain)]
    return Case(*whens, default=Value(99), output_field=IntegerField())


class SearchCount(int):
    """The number of matches; `exact` is False when it is the database's estimate."""

    exact: bool = True

    def __new__(cls, value: int, *, exact: bool = True):
        obj = super().__new__(cls, value)
        obj.exact = exact
        return obj


# A word search ranks at most this many of the most popular matches (then name hits first).
# Beyond it the count is the planner's estimate: counting or sorting 170,000 matches of a
# common word such as 许可 is what made searches slow at province scale (bench/README.md).
SEARCH_CANDIDATES = 1000


def search_items(f: SearchFilters) -> tuple[SearchCount, list[ImplementationItem]]:
    """Count and one page of current items matching the filters, best first.

    A query that looks like a code matches code prefixes; otherwise every segmented word of
    the query must match the item's name, department, region or result. Items whose name
    contains the whole query rank first, then popular ones. A word search with more than
    SEARCH_CANDIDATES matches ranks the SEARCH_CANDIDATES most popular ones and reports an
    estimated count (`count.exact` is False)."""
    total, items, _ = search(f)
    return total, items


# Facets are counted over at most this many matching rows (more would mean scanning a large part
# of the province's catalogue on every page view; the filters are still offered, without counts).
FACET_MAX_ROWS = 20_000
FACET_TOP = 60  # regions and departments listed in a facet, the most frequent first


@dataclass
class Facets:
    """Counts of the matching items per filter value: what the filter panel shows next to each
    choice. `partial` is True when they were counted over the SEARCH_CANDIDATES most popular
    matches only."""

    regions: list[tuple[object, int]]
    departments: list[tuple[object, int]]
    item_types: dict[str, int]
    objects: dict[str, int]
    modes: dict[str, int]
    partial: bool = False


def search(f: SearchFilters, *, facets: bool = False):
    """`search_items` and, when asked, the facets of the whole match (`Facets` or None when the
    match is too large to count cheaply). Returns (count, page, facets)."""
    f = check_filters(f)
    q = f.q.strip()
    near = nearness(f)
    # Which rows are taken (candidates, a browse's page) follows `near` only where the region's
    # match is small: a resident's view (serving: the region and the few levels above) or a
    # county and below. A province's or a city's `within` match can be 100,000s of rows: those
    # are taken by popularity through the index, as before, and only the page is ranked by `near`.
    near_all = near is not None and (f.scope == "serving" or _county_or_below(f.region))
    order = ["near", "-popularity", "code"] if near_all else ["-popularity", "code"]
    start = (f.page - 1) * PAGE_SIZE
    if q and not BASIC_CODE_RE.match(q) and not (CODE_QUERY_RE.match(q) and any(c.isdigit() for c in q)):
        rows = filter_items(ItemSearch.objects.all(), f)  # validates the filters first
        if not query_tokens(q):
            return SearchCount(0), [], (_facets(ItemSearch.objects.none()) if facets else None)
        matches = rows.filter(search_text__matches=q)
        if near_all:
            matches = matches.annotate(near=near)
        candidates = list(matches.order_by(*order).values_list("item_id", flat=True)[: SEARCH_CANDIDATES + 1])
        total = SearchCount(len(candidates))
        if len(candidates) > SEARCH_CANDIDATES:
            total = SearchCount(max(estimate_count(matches), len(candidates)), exact=False)
        # Rank the candidates on the narrow rows (name hits first); fetch only that page's guides.
        name_hit = Case(When(name__contains=q, then=Value(0)), default=Value(1), output_field=IntegerField())
        # The chosen region's own items first, then its parents' (`near`); within each, name hits.
        ranked = ["near", "name_hit", "-popularity", "code"] if near is not None else ["name_hit", *order]
        page_rows = ItemSearch.objects.filter(item_id__in=candidates[:SEARCH_CANDIDATES]).annotate(
            name_hit=name_hit
        )
        page_item = ImplementationItem.objects.annotate(name_hit=name_hit)
        if near is not None:
            page_rows, page_item = page_rows.annotate(near=near), page_item.annotate(near=near)
        page_ids = page_rows.order_by(*ranked).values("item_id")[start : start + PAGE_SIZE]
        page = page_item.filter(pk__in=page_ids)
        found = list(page.select_related("department", "region").order_by(*ranked))
        if facets:
            facet_rows = ItemSearch.objects.filter(item_id__in=candidates[:SEARCH_CANDIDATES])
            return total, found, _facets(facet_rows, partial=not total.exact)
        return total, found, None
    qs = filter_items(current_items(), f)
    if q and BASIC_CODE_RE.match(q):
        qs = qs.filter(basic_code=q)  # every implementation of a basic item
    elif q:
        qs = qs.filter(code__startswith=q.upper())
    if q:
        # A code matches few items: take them through the code index, then rank them. (Ordered by
        # popularity with a limit, the planner would rather walk every item by popularity.)
        ids = list(qs.values_list("pk", flat=True)[: SEARCH_CANDIDATES + 1])
        if len(ids) <= SEARCH_CANDIDATES:
            page = ImplementationItem.objects.filter(pk__in=ids).select_related("department", "region")
            if near is not None:  # a few items: rank them all by region
                page = page.annotate(near=near)
            ranked = ["near", "-popularity", "code"] if near is not None else order
            found = list(page.order_by(*ranked)[start : start + PAGE_SIZE])
            facet = _facets(ItemSearch.objects.filter(item_id__in=ids)) if facets else None
            return SearchCount(len(ids)), found, facet
    total = SearchCount(qs.count())
    if near_all:
        qs = qs.annotate(near=near)
    page = list(qs.select_related("department", "region").order_by(*order)[start : start + PAGE_SIZE])
    facet = None
    if facets and total <= FACET_MAX_ROWS:
        rows = filter_items(ItemSearch.objects.all(), f)
        if q and BASIC_CODE_RE.match(q):
            rows = rows.filter(basic_code=q)
        elif q:
            rows = rows.filter(code__startswith=q.upper())
        facet = _facets(rows)
    return total, page, facet


def _facets(rows: QuerySet, *, partial: bool = False) -> Facets:
    """Count the matching search rows per filter value: two GROUP BY queries on the narrow rows
    (by region and department; by type and 服务对象 with the handling modes summed), plus the
    names of the regions and departments that occur."""
    places: Counter = Counter()
    for row in rows.values("region_id", "department_id").annotate(n=Count("pk")).order_by():
        places[(row["region_id"], row["department_id"])] += row["n"]
    by_region: Counter = Counter()
    by_department: Counter = Counter()
    for (region_id, department_id), n in places.items():
        by_region[region_id] += n
        by_department[department_id] += n
    region_counts = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_TOP]
    department_counts = sorted(by_department.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_TOP]
    one, zero = Value(1), Value(0)
    modes = {kind.value: Sum(Case(When(cond, then=one), default=zero)) for kind, cond in LIST_FILTERS.items()}
    item_types: Counter = Counter()
    objects: Counter = Counter()
    mode_counts: Counter = Counter()
    for row in rows.values("item_type", "service_objects").annotate(n=Count("pk"), **modes).order_by():
        item_types[row["item_type"]] += row["n"]
        for code in row["service_objects"]:
            objects[code] += row["n"]
        for kind in LIST_FILTERS:
            mode_counts[kind.value] += int(row[kind.value] or 0)
    regions = core_queries.regions_by_code([code for code, _ in region_counts])
    departments = core_queries.departments_by_id([pk for pk, _ in department_counts])
    return Facets(
        regions=[(regions[code], n) for code, n in region_counts if code in regions],
        departments=[(departments[pk], n) for pk, n in department_counts if pk in departments],
        item_types=dict(item_types),
        objects=dict(objects),
        modes={kind.value: mode_counts[kind.value] for kind in LIST_FILTERS},
        partial=partial,
    )


def estimate_count(qs: QuerySet) -> int:
    """The planner's row estimate on PostgreSQL (one EXPLAIN, no scan); an exact count elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return qs.count()
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def guide_queryset() -> QuerySet[ImplementationItem]:
    return ImplementationItem.objects.select_related("department", "region").prefetch_related(
        Prefetch("materials", queryset=Material.objects.order_by("order", "id")), "handling_items"
    )


def get_guide(code: str, *, version: int | None = None) -> ImplementationItem:
    """The current published guide of an item, or a given version (cases keep theirs)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 36 or not code.isalnum():
        raise InvalidInput.field("code", "实施编码应为不超过36位的数字和大写字母")
    if version is not None and version < 1:  # 0 used to fall through to the current version
        raise InvalidInput.field("version", "版本号应为正整数，如 ?version=1")
    qs = guide_queryset().filter(code=code)
    qs = (
        qs.filter(version=version, status__in=[Status.PUBLISHED, Status.SUPERSEDED])
        if version is not None
        else qs.filter(is_current=True)
    )
    item = qs.first()
    if item is None:
        raise NotFound(f"没有找到编码为 {code} 的已发布事项")
    return item


# --- 免提交: materials the e-licence library supplies ---------------------------------------


def library_type_codes(codes: Iterable[str]) -> set[str]:
    """Which of these licence type codes the e-licence library holds (one query; none when no
    code is given). A material mapped to one of them need not be submitted (免提交)."""
    codes = {c for c in codes if c}
    return licence_queries.known_type_codes(codes) if codes else set()


def licence_types_of_items(codes: Iterable[str]) -> set[str]:
    """The licence type codes the current versions of these items deal in: the licence each
    issues (出证) and those its materials accept in place of a file (免提交). An agent's
    (经办人) item scope reaches the enterprise's licences of these types only."""
    codes = {c for c in codes if c}
    if not codes:
        return set()
    items = current_items().filter(code__in=codes)
    issued = items.exclude(result_license_type_code="").values_list("result_license_type_code", flat=True)
    used = (
        Material.objects.filter(item__in=items)
        .exclude(license_type_code="")
        .values_list("license_type_code", flat=True)
    )
    return set(issued) | set(used)


def mark_exempt_materials(item: ImplementationItem) -> ImplementationItem:
    """Set `exempt` on each material of a guide and `exempt_materials`, how many are 免提交, on
    the item. Materials a guide has not prefetched (as `get_guide` does) are fetched once here,
    so the marks stay on what `item.materials.all()` returns."""
    prefetch_related_objects([item], Prefetch("materials", queryset=Material.objects.order_by("order", "id")))
    materials = list(item.materials.all())
    known = library_type_codes(m.license_type_code for m in materials)
    for m in materials:
        m.exempt = bool(m.license_type_code) and m.license_type_code in known
    item.exempt_materials = sum(m.exempt for m in materials)
    return item


def mark_exempt_counts(items: Iterable[ImplementationItem]) -> list[ImplementationItem]:
    """Set `exempt_materials` on each item of a result page: one query for the page's mapped
    materials and one look-up in the library, whatever the page's size."""
    items = list(items)
    rows: list[tuple[int, str]] = []
    if items:
        mapped = Material.objects.filter(item_id__in=[i.pk for i in items]).exclude(license_type_code="")
        rows = list(mapped.values_list("item_id", "license_type_code"))
    known = library_type_codes(code for _, code in rows)
    counts = Counter(item_id for item_id, code in rows if code in known)
    for item in items:
        item.exempt_materials = counts[item.pk]
    return items


def item_versions(code: str) -> QuerySet[ImplementationItem]:
    return ImplementationItem.objects.filter(code=code).order_by("-version")


def get_item_version(pk: int) -> ImplementationItem:
    item = guide_queryset().filter(pk=pk).first()
    if item is None:
        raise NotFound("事项版本不存在")
    return item


def basic_item_for(code: str) -> BasicItem | None:
    return BasicItem.objects.filter(code=code, is_current=True).prefetch_related("topics").first()


def topics(audience: str | None = None) -> QuerySet[Topic]:
    qs = Topic.objects.all()
    return qs.filter(audience=audience) if audience else qs


def get_topic(slug: str) -> Topic:
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise NotFound("主题不存在")
    return topic


def hot_items(*, region: str = "", limit: int = 8) -> list[ImplementationItem]:
    """热门服务 of a region: its own most popular items first, then its parents' (a resident of
    a township sees the township's, then the county's, the city's and the province's)."""
    if not region:
        return list(
            current_items().select_related("department", "region").order_by("-popularity", "code")[:limit]
        )
    f = SearchFilters(region=region, scope="serving")
    qs = filter_items(current_items(), f).annotate(near=nearness(f))
    return list(qs.select_related("department", "region").order_by("near", "-popularity", "code")[:limit])


def department_items(department_id: int) -> QuerySet[ImplementationItem]:
    return current_items().filter(department_id=department_id).order_by("item_type", "code")


def work_queue(*, department_id: int | None, statuses: list[str]) -> QuerySet[ImplementationItem]:
    qs = ImplementationItem.objects.filter(status__in=statuses).select_related("department", "region")
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs.order_by("-updated_at")


# --- The published lists and the indicators -----------------------------------------------


def handling_list(kind: str, f: SearchFilters) -> QuerySet[ImplementationItem]:
    """马上办 / 网上办 / 就近办 / 一次办 list for a region or department."""
    f = check_filters(SearchFilters(region=f.region, department=f.department, handling_list=kind))
    return (
        filter_items(current_items(), f).select_related("department", "region").order_by("region_id", "code")
    )


def visits_list(f: SearchFilters) -> QuerySet[ImplementationItem]:
    """跑动次数清单: every current item with its on-site visits and the reason for each visit."""
    f = check_filters(SearchFilters(region=f.region, department=f.department))
    return filter_items(current_items(), f).select_related("department").order_by("visits", "code")


def _indicator_aggregates():
    one = Value(1)
    return {
        "total": Count("pk"),
        "online": Sum(Case(When(is_online=True, then=one), default=Value(0))),
        "fully_online": Sum(Case(When(fully_online=True, then=one), default=Value(0))),
        "at_most_once": Sum(Case(When(at_most_once=True, then=one), default=Value(0))),
        "zero_visit": Sum(Case(When(zero_visit=True, then=one), default=Value(0))),
        "immediate": Sum(Case(When(is_immediate=True, then=one), default=Value(0))),
        "nearby": Sum(Case(When(nearby=True, then=one), default=Value(0))),
    }


def _ratios(row: dict) -> dict:
    total = row.get("total") or 0

    def pct(n):
        return round(100 * (n or 0) / total, 2) if total else 0.0

    return {
        "total": total,
        "online": row.get("online") or 0,
        "fully_online": row.get("fully_online") or 0,
        "at_most_once": row.get("at_most_once") or 0,
        "zero_visit": row.get("zero_visit") or 0,
        "immediate": row.get("immediate") or 0,
        "nearby": row.get("nearby") or 0,
        "online_rate": pct(row.get("online")),  # 可网办率
        "fully_online_rate": pct(row.get("fully_online")),  # 全程网办率
        "at_most_once_rate": pct(row.get("at_most_once")),  # 最多跑一次比率
        "zero_visit_rate": pct(row.get("zero_visit")),  # 零跑动比率
    }


def indicators(f: SearchFilters) -> dict:
    """可网办率, 全程网办率, 最多跑一次 and 零跑动 for a region (and below) or a department."""
    f = check_filters(SearchFilters(region=f.region, department=f.department))
    return _ratios(filter_items(current_items(), f).aggregate(**_indicator_aggregates()))


def indicators_by_region(region_code: str) -> list[tuple[object, dict]]:
    """Indicators for each child region of `region_code`, from one grouped query."""
    parent = core_queries.get_region(region_code)
    children = list(core_queries.region_children(region_code))
    rows = (
        current_items()
        .filter(region__code__startswith=parent.prefix)
        .values("region_id")
        .annotate(**_indicator_aggregates())
    )
    totals: dict[str, dict] = {c.code: {} for c in children}
    for row in rows:
        child = next((c for c in children if row["region_id"].startswith(c.prefix)), None)
        if child is None:
            continue
        acc = totals[child.code]
        for key, value in row.items():
            if key != "region_id":
                acc[key] = acc.get(key, 0) + (value or 0)
    return [(c, _ratios(totals[c.code])) for c in children]


def indicators_by_department(region_code: str | None = None) -> list[tuple[object, dict]]:
    qs = current_items()
    if region_code:
        qs = qs.filter(region__code__startswith=core_queries.get_region(region_code).prefix)
    rows = {r["department_id"]: r for r in qs.values("department_id").annotate(**_indicator_aggregates())}
    depts = core_queries.departments().filter(pk__in=list(rows))
    return sorted(((d, _ratios(rows[d.pk])) for d in depts), key=lambda x: (-x[1]["total"], x[0].name))


# --- 四级四同 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    item: ImplementationItem
    basic: BasicItem | None
    fields: tuple[str, ...]  # which of name / item_type / legal_basis / code differ


def four_sames_report(f: SearchFilters | None = None) -> list[Divergence]:
    """Implementation items whose name, type, legal basis or code differ from their basic item."""
    f = check_filters(f or SearchFilters())
    basics = {b.code: b for b in BasicItem.objects.filter(is_current=True)}
    qs = (
        filter_items(current_items(), f)
        .select_related("department", "region")
        .only(
            "pk",
            "code",
            "basic_code",
            "name",
            "item_type",
            "legal_basis",
            "department__name",
            "department__credit_code",
            "region__name",
            "region__full_name",
        )
        .order_by("code")
    )
    out = []
    for item in qs.iterator(chunk_size=2000):
        basic = basics.get(item.basic_code)
        if basic is None:
            out.append(Divergence(item, None, ("code",)))
            continue
        diff = []
        if item.name.strip() != basic.name.strip():
            diff.append("name")
        if item.item_type != basic.item_type:
            diff.append("item_type")
        if _norm(item.legal_basis) != _norm(basic.legal_basis):
            diff.append("legal_basis")
        if embedded_basic_code(item.code) != basic.code:
            diff.append("code")
        if diff:
            out.append(Divergence(item, basic, tuple(diff)))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def is_code(value: str) -> bool:
    return bool(IMPL_CODE_RE.match(value) or BASIC_CODE_RE.match(value))


def count_by_type() -> dict[str, int]:
    rows = current_items().values("item_type").annotate(n=Count("pk"))
    return {r["item_type"]: r["n"] for r in rows}


# --- The same item at several levels (个体工商户设立登记 at the county and at the township) ------

OTHER_LEVELS_SHOWN = 5


def other_levels(item: ImplementationItem) -> tuple[list[ImplementationItem], list[ImplementationItem], int]:
    """The other current implementations of this item's basic item (same 基本编码) that serve the
    same residents: those of the regions above the item's (`above`, nearest first) and those of
    the regions below it (`below`, at most OTHER_LEVELS_SHOWN; `more_below` counts the rest).
    This is why one name appears twice: a county 行政审批局 registers 个体工商户 and the township
    便民服务中心 takes the same application nearby."""
    if not item.basic_code:
        return [], [], 0
    code = item.region_id
    above_codes = _codes_above(code)
    prefix = item.region.prefix
    # One query: an ancestor's code sorts before the item's and a descendant's after it.
    limit = len(above_codes) + OTHER_LEVELS_SHOWN + 1
    found = list(
        current_items()
        .filter(basic_code=item.basic_code)
        .filter(Q(region_id__in=above_codes) | (Q(region__code__startswith=prefix) & ~Q(region_id=code)))
        .select_related("department", "region")
        .order_by("region_id", "code")[:limit]
    )
    above = sorted((o for o in found if o.region_id in above_codes), key=lambda o: o.region_id, reverse=True)
    below = [o for o in found if o.region_id not in above_codes]
    more = 0
    if len(below) > OTHER_LEVELS_SHOWN:
        more = (
            current_items()
            .filter(basic_code=item.basic_code, region__code__startswith=prefix)
            .exclude(region_id=code)
            .count()
            - OTHER_LEVELS_SHOWN
        )
        below = below[:OTHER_LEVELS_SHOWN]
    return above, below, more


def mark_twins(items: Iterable[ImplementationItem]) -> list[ImplementationItem]:
    """Mark each result whose basic item (same 基本编码) is also implemented for a region above or
    below it: `item.twins_above` (the higher body also handles it) and `item.twins_below` (a body
    nearer to people takes it too), so the page can say which body handles which and why the
    name appears more than once.

    Only where a 便民服务中心 takes the application near people is the second entry a real
    alternative; the 分级 implementations of 食品经营许可 serve different places, not the same.
    Pairs on the page are found without a query; for a 便民服务中心 result whose higher body is
    not on the page, one query fetches it (none when the page has no such result)."""
    items = list(items)
    by_basic: dict[str, list[ImplementationItem]] = {}
    for item in items:
        by_basic.setdefault(item.basic_code, []).append(item)
    for item in items:
        others = [
            o for o in by_basic.get(item.basic_code, []) if o is not item and o.region_id != item.region_id
        ]
        nearby_desk = item.department.kind == DepartmentKind.SERVICE_CENTER
        item.twins_above = [o for o in others if nearby_desk and item.region_id.startswith(o.region.prefix)]
        item.twins_below = [
            o
            for o in others
            if o.department.kind == DepartmentKind.SERVICE_CENTER
            and o.region_id.startswith(item.region.prefix)
        ]
    lonely = [i for i in items if i.department.kind == DepartmentKind.SERVICE_CENTER and not i.twins_above]
    if lonely:
        chains = {i.pk: _codes_above(i.region_id) for i in lonely}
        found = (
            current_items()
            .filter(basic_code__in={i.basic_code for i in lonely})
            .filter(region_id__in={c for chain in chains.values() for c in chain})
            .select_related("department", "region")
            .order_by("-region_id", "code")  # nearest level first
        )
        rows = list(found)
        for item in lonely:
            item.twins_above = [
                o for o in rows if o.basic_code == item.basic_code and o.region_id in chains[item.pk]
            ]
    return items


def _county_or_below(code: str) -> bool:
    """A county-level region or below (420115, 429004, 420115001000), not a province or a city."""
    code = code.ljust(12, "0")
    return code[4:6] != "00" or code[6:] != "000000"


def _codes_above(code: str) -> list[str]:
    """The codes of the regions above a 12-digit region code, read off the code (GB/T 2260 and
    the statistical codes nest); a level that does not exist simply matches nothing."""
    return [c for c in dict.fromkeys(code[:n].ljust(12, "0") for n in (9, 6, 4, 2)) if c != code]


def review_flags(*, department_id: int | None = None, open_only: bool = True) -> QuerySet[ReviewFlag]:
    """Review flags (待复核), newest first; of one department's items when `department_id`."""
    qs = ReviewFlag.objects.select_related("cleared_by")
    if open_only:
        qs = qs.filter(cleared_at__isnull=True)
    if department_id is not None:
        codes = ImplementationItem.objects.filter(department_id=department_id).values("code")
        qs = qs.filter(code__in=codes)
    return qs


def flags_for_code(code: str) -> QuerySet[ReviewFlag]:
    return ReviewFlag.objects.filter(code=code).select_related("cleared_by")


def item_names(codes) -> dict[str, str]:
    """The current published name of each of these items' codes (one query)."""
    codes = [c for c in codes if c]
    return dict(current_items().filter(code__in=codes).values_list("code", "name")) if codes else {}
