"""openness reads (see README.md). The public policy library: search, filters, a policy's page,
the feeds' entries. Only published and repealed policies are public; everything here filters on
PUBLIC_STATES first, so a draft is never listed, found, fed or shown.

Search at 10⁶ documents (bench/policy_search.py): a word search takes the CANDIDATES newest
matches through the partial date index (or the GIN index for a rare word: the planner picks),
counts them, and pages or ranks within them; a larger match reports the planner's estimate
(`PolicyPage.exact` False). A browse without words counts up to BROWSE_COUNT_CAP rows, then
estimates. Every page costs a bounded number of queries whatever the match size."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from tongban.core import queries as core_queries
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.search import MAX_QUERY_CHARS, query_tokens

from .enums import LinkKind, PolicyState, Subject
from .models import Policy, PolicyLink

PUBLIC_STATES = (PolicyState.PUBLISHED, PolicyState.REPEALED)
PAGE_SIZE = 20
CANDIDATES = 200  # a word search pages and ranks the newest this many matches (10 pages)
BROWSE_COUNT_CAP = 1000  # a browse counts exactly up to this many rows (50 pages), then estimates
MAX_PAGE = 500
YEAR_MIN = 1949
SORTS = ("relevance", "date")
FILTER_KEYS = ("q", "issuer", "subject", "year", "from", "to", "sort", "page")
LIST_FIELDS_DEFERRED = ("text", "search_text")


def public_policies() -> QuerySet[Policy]:
    return Policy.objects.filter(state__in=PUBLIC_STATES)


# --- Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyFilters:
    q: str = ""
    issuer: str = ""  # the issuing department's code (its unified social credit code)
    issuer_id: int | None = None
    subject: str = ""
    year_from: int | None = None
    year_to: int | None = None
    sort: str = ""  # "" = relevance with words, date without
    page: int = 1

    @property
    def order(self) -> str:
        return self.sort or ("relevance" if self.q else "date")

    def as_params(self) -> dict:
        """The query string that gives these filters back (for links and the feed)."""
        out = {"q": self.q, "issuer": self.issuer, "subject": self.subject, "sort": self.sort}
        if self.year_from is not None and self.year_from == self.year_to:
            out["year"] = str(self.year_from)
        else:
            out["from"] = "" if self.year_from is None else str(self.year_from)
            out["to"] = "" if self.year_to is None else str(self.year_to)
        return {k: v for k, v in out.items() if v}


def _year(params: Mapping, key: str, today: dt.date) -> int | None:
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not YEAR_MIN <= int(raw) <= today.year:
        raise InvalidInput.field(key, f"年份应为 {YEAR_MIN} 至 {today.year} 之间的四位数字")
    return int(raw)


def check_filters(params: Mapping, *, today: dt.date | None = None) -> PolicyFilters:
    """The library's filters from a query string. An unknown key, a bad value, a reversed year
    range or a too-long query is refused with the field named (InvalidInput); nothing is guessed."""
    today = today or timezone.localdate()
    unknown = sorted(k for k in params if k not in FILTER_KEYS)
    if unknown:
        raise InvalidInput.field(unknown[0], "不支持的筛选条件；可用：关键词、发文机关、主题分类、年份、排序")
    q = " ".join((params.get("q") or "").split())
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput.field("q", f"关键词不能超过 {MAX_QUERY_CHARS} 字")
    issuer = (params.get("issuer") or "").strip().upper()
    issuer_id = None
    if issuer:
        department = (
            core_queries.department_by_credit_code(issuer) if len(issuer) == 18 and issuer.isalnum() else None
        )
        if department is None:
            raise InvalidInput.field("issuer", "没有该发文机关（应为发文机关的统一社会信用代码）")
        issuer_id = department.pk
    subject = (params.get("subject") or "").strip()
    if subject and subject not in Subject.values:
        raise InvalidInput.field("subject", "主题分类不在可选范围内")
    year = _year(params, "year", today)
    year_from, year_to = _year(params, "from", today), _year(params, "to", today)
    if year is not None:
        if year_from is not None or year_to is not None:
            raise InvalidInput.field("year", "年份与起止年份不能同时使用")
        year_from = year_to = year
    if year_from is not None and year_to is not None and year_from > year_to:
        raise InvalidInput.field("from", f"起始年份 {year_from} 晚于截止年份 {year_to}")
    sort = (params.get("sort") or "").strip()
    if sort and sort not in SORTS:
        raise InvalidInput.field("sort", "排序应为 relevance（相关度）或 date（发布日期）")
    raw_page = (params.get("page") or "1").strip()
    if not raw_page.isascii() or not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise InvalidInput.field("page", f"页码应为 1 至 {MAX_PAGE} 之间的整数")
    return PolicyFilters(
        q=q,
        issuer=issuer,
        issuer_id=issuer_id,
        subject=subject,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=int(raw_page),
    )


def _filtered(f: PolicyFilters) -> QuerySet[Policy]:
    qs = public_policies()
    if f.issuer_id is not None:
        qs = qs.filter(issuer_id=f.issuer_id)
    if f.subject:
        qs = qs.filter(subject=f.subject)
    if f.year_from is not None:
        qs = qs.filter(published_on__gte=dt.date(f.year_from, 1, 1))
    if f.year_to is not None:
        qs = qs.filter(published_on__lte=dt.date(f.year_to, 12, 31))
    return qs


# --- Search --------------------------------------------------------------------------------------


@dataclass
class PolicyPage:
    """One page of the library. `total` is exact when `exact`; otherwise the planner's estimate
    (and `reachable` is how many of the matches can be paged to)."""

    total: int
    policies: list[Policy]
    page: int
    exact: bool = True
    reachable: int = 0
    words: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(min(self.total, self.reachable or self.total) / PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.page - 1

    @property
    def next_page_number(self) -> int:
        return self.page + 1


def estimate_count(qs: QuerySet) -> int:
    """The planner's row estimate on PostgreSQL (one EXPLAIN, no scan); an exact count elsewhere."""
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


def _list_rows(ids: list[int]) -> list[Policy]:
    rows = Policy.objects.filter(pk__in=ids).select_related("issuer").defer(*LIST_FIELDS_DEFERRED).order_by()
    by_id = {p.pk: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def search_policies(f: PolicyFilters) -> PolicyPage:
    """One page of public policies matching the filters (at most four queries)."""
    qs = _filtered(f)
    start = (f.page - 1) * PAGE_SIZE
    newest = ("-published_on", "-id")
    if f.q:
        words = query_tokens(f.q)
        if not words:
            return PolicyPage(0, [], f.page, words=[])
        matches = qs.filter(search_text__matches=f.q)
        candidates = list(matches.order_by(*newest).values_list("pk", flat=True)[: CANDIDATES + 1])
        exact = len(candidates) <= CANDIDATES
        # More than CANDIDATES: at least CANDIDATES + 1 match, whatever the estimate says.
        total = len(candidates) if exact else max(estimate_count(matches), len(candidates))
        candidates = candidates[:CANDIDATES]
        if f.order == "relevance":
            # The candidates ranked: the whole query (or a 文号) in the title or number first, then
            # every word in the title, then the newest.
            rank = Case(
                When(Q(number=f.q) | Q(title__contains=f.q), then=Value(0)),
                When(Q(*[Q(title__contains=w) for w in words]), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
            ids = list(
                Policy.objects.filter(pk__in=candidates)
                .annotate(rank=rank)
                .order_by("rank", *newest)
                .values_list("pk", flat=True)[start : start + PAGE_SIZE]
            )
        else:
            ids = candidates[start : start + PAGE_SIZE]
        return PolicyPage(total, _list_rows(ids), f.page, exact=exact, reachable=len(candidates), words=words)
    capped = list(qs.order_by(*newest).values_list("pk", flat=True)[: BROWSE_COUNT_CAP + 1])
    exact = len(capped) <= BROWSE_COUNT_CAP
    total = len(capped) if exact else max(estimate_count(qs), len(capped))
    ids = capped[start : start + PAGE_SIZE]
    return PolicyPage(
        total, _list_rows(ids), f.page, exact=exact, reachable=min(len(capped), BROWSE_COUNT_CAP)
    )


def issuers() -> list:
    """The departments that have published a policy, for the filter: one query, each department
    probed through the per-issuer public index (a DISTINCT over the policies would read them all)."""
    public = public_policies().filter(issuer_id=OuterRef("pk"))
    return list(core_queries.departments().filter(Exists(public)).order_by("region_id", "name"))


def years() -> list[int]:
    """The years from the newest publication back to the oldest, newest first: the two ends of
    the public date index (two one-row queries), not a scan of every date."""
    ordered = public_policies().exclude(published_on=None).order_by("-published_on", "-id")
    newest = ordered.values_list("published_on", flat=True).first()
    oldest = ordered.reverse().values_list("published_on", flat=True).first()
    if newest is None or oldest is None:
        return []
    return list(range(newest.year, oldest.year - 1, -1))


# --- One policy ----------------------------------------------------------------------------------


def get_public_policy(pk: int) -> Policy:
    """A published or repealed policy with its interpretations, attachments and links; anything
    else (a draft, one in review, no such id) is NotFound for everybody."""
    policy = (
        public_policies()
        .select_related("issuer", "issuer__region")
        .prefetch_related("interpretations", "interpretations__author_body", "attachments", "links")
        .filter(pk=pk)
        .first()
    )
    if policy is None:
        raise NotFound("没有找到该政策文件")
    return policy


RELATED_MAX = 5


def related_policies(policy: Policy) -> list[Policy]:
    """Other public policies linked to the same items or bundles, else of the same issuer and
    subject; newest first, at most RELATED_MAX (two queries)."""
    codes = [(link.kind, link.code) for link in policy.links.all()]
    found: list[Policy] = []
    if codes:
        linked = Q()
        for kind, code in codes:
            linked |= Q(kind=kind, code=code)
        ids = PolicyLink.objects.filter(linked).exclude(policy_id=policy.pk).values("policy_id")
        found = list(
            public_policies()
            .filter(pk__in=ids)
            .defer(*LIST_FIELDS_DEFERRED)
            .select_related("issuer")
            .order_by("-published_on", "-id")[:RELATED_MAX]
        )
    if len(found) < RELATED_MAX:
        more = (
            public_policies()
            .filter(issuer_id=policy.issuer_id, subject=policy.subject)
            .exclude(pk__in=[policy.pk, *[p.pk for p in found]])
            .defer(*LIST_FIELDS_DEFERRED)
            .select_related("issuer")
            .order_by("-published_on", "-id")[: RELATED_MAX - len(found)]
        )
        found += list(more)
    return found


def item_links(policy: Policy) -> list[PolicyLink]:
    return [link for link in policy.links.all() if link.kind == LinkKind.ITEM]


# --- Feeds ---------------------------------------------------------------------------------------

FEED_SIZE = 50


def feed_policies(issuer_id: int | None) -> list[Policy]:
    """The newest FEED_SIZE published policies (of one issuer), newest first."""
    qs = public_policies().select_related("issuer").defer("search_text")
    if issuer_id is not None:
        qs = qs.filter(issuer_id=issuer_id)
    return list(qs.order_by("-published_on", "-id")[:FEED_SIZE])


# --- Policies (helper "policies") ----------------------------------------------------------------


def policies_for_item(code: str, *, limit: int = 20) -> list[Policy]:
    """The published (in force first, then repealed) policies linked to implementation item
    `code`, newest first: what the item's guide shows (政策依据)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 60:
        return []
    qs = (
        Policy.objects.filter(
            state__in=[PolicyState.PUBLISHED, PolicyState.REPEALED],
            links__kind=LinkKind.ITEM,
            links__code=code,
        )
        .select_related("issuer")
        .order_by("state", "-published_on", "-id")
        .distinct()
    )
    return list(qs[:limit])
