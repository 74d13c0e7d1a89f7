"""The search page with filters on the demo catalogue (~4,500 items): latency of the whole page
(`GET /search/?...` through Django's test client: parsing, search, facets, rendering) and of the
query alone (`catalog.queries.search(..., facets=True)`), per kind of search.

    .venv/bin/python manage.py seed demo      # once, into the database DATABASE_URL names
    .venv/bin/python bench/search_page.py [--rounds 30]

A benchmark, not a test, and unlike the others it makes no database of its own: it only reads
the demo data already loaded (SQLite by default, or PostgreSQL). Each round runs every search
once, in shuffled order, so the noise of a shared machine falls on all alike. Prints p50/p95 in
milliseconds and writes var/bench/search_page.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

# (label, query string, region cookie): the searches the issue names and the filter combinations.
SEARCHES = (
    ("word, whole province", "q=食品经营许可", ""),
    ("word + region (within)", "q=食品经营许可&region=420600", ""),
    ("word + region + department", "q=食品经营许可&region=420600&department=DEPT", ""),
    ("word, chosen township (serving)", "q=个体工商户设立登记", "420624103000"),
    ("word + type + object + mode", "q=登记&type=01&object=1&mode=online", ""),
    ("common word", "q=许可", ""),
    ("no word, chosen township", "", "420624103000"),
    ("no word, type + object", "type=20&object=1", ""),
    ("bad value (400)", "q=登记&object=9", ""),
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=30, help="times each search is timed")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "search_page.json"))
    args = p.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    from tongban.catalog import queries
    from tongban.core import queries as core_queries
    from tongban.portal import schemas
    from tongban.portal.context import REGION_COOKIE

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    items = queries.search_items(queries.SearchFilters())[0]
    if items < 1000:
        sys.exit(f"the database holds {items} current items: run `manage.py seed demo` first")
    dept = core_queries.departments(region="420600").filter(name__contains="行政审批局").first()
    searches = [
        (label, qs.replace("DEPT", str(dept.pk if dept else "")), cookie) for label, qs, cookie in SEARCHES
    ]

    def page(qs: str, cookie: str) -> int:
        client = Client()
        if cookie:
            client.cookies[REGION_COOKIE] = cookie
        return client.get("/search/?" + qs).status_code

    def query(qs: str, cookie: str) -> int:
        try:
            f = schemas.search_filters(QueryDict(qs), cookie_region=cookie)
            return queries.search(f, facets=True)[0]
        except Exception:  # the bad value: parsing refuses it, as the page does
            return -1

    for _, qs, cookie in searches:  # warm up: jieba, templates, caches
        page(qs, cookie)
        query(qs, cookie)
    rng = random.Random(args.seed)
    times: dict[str, dict[str, list[float]]] = {label: {"page": [], "query": []} for label, _, _ in searches}
    statuses: dict[str, int] = {}
    for _ in range(args.rounds):
        order = searches[:]
        rng.shuffle(order)
        for label, qs, cookie in order:
            for kind, fn in rng.sample([("page", page), ("query", query)], 2):
                t = time.perf_counter()
                result = fn(qs, cookie)
                times[label][kind].append((time.perf_counter() - t) * 1000)
                if kind == "page":
                    statuses[label] = result
    rows = []
    print(f"{connection.vendor}, {items:,} current items, {args.rounds} rounds (milliseconds)")
    print(f"{'search':34} {'status':>6} {'page p50':>9} {'p95':>7} {'query p50':>10} {'p95':>7}")
    for label, _, _ in searches:
        t = times[label]
        row = {
            "search": label,
            "status": statuses[label],
            "page_p50": round(statistics.median(t["page"]), 1),
            "page_p95": round(percentile(t["page"], 95), 1),
            "query_p50": round(statistics.median(t["query"]), 1),
            "query_p95": round(percentile(t["query"], 95), 1),
        }
        rows.append(row)
        print(
            f"{label:34} {row['status']:>6} {row['page_p50']:>9} {row['page_p95']:>7} "
            f"{row['query_p50']:>10} {row['query_p95']:>7}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"vendor": connection.vendor, "items": items, "rows": rows}, ensure_ascii=False, indent=1)
    )


if __name__ == "__main__":
    main()
