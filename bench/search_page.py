"""The search page with filters on the demo catalogue (~4,500 items): latency of the whole page
(`GET /search/?...` through Django's test client: parsing, search, facets, rendering) and of the
query alone (`catalog.queries.search(..., facets=True)`), per kind of search.

    make bench-search     # DATABASE_URL=postgres://.../tongban_bench_search bench/search_page.py

A benchmark, not a test. It makes its own PostgreSQL database (a name with "bench" in it), seeds
the demo into it (`seed demo`, kept with --reuse), then times each round: every search once, in
shuffled order, so the noise of a shared machine falls on all alike. Prints p50/p95 in
milliseconds and writes var/bench/search_page.json. `--smoke`: two rounds, the database dropped
at the end (CI).
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from benchlib import SMOKE_DIR, bench_database, parse_args_with_smoke, scratch_media  # noqa: E402

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
    p.add_argument("--reuse", action="store_true", help="keep the database and its seeded demo")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "search_page.json"))
    args = parse_args_with_smoke(p, {"rounds": 2, "out": str(SMOKE_DIR / "search_page.json")})
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_search")
    with bench_database(url, reuse=args.reuse, smoke=args.smoke), scratch_media():
        run_bench(args)


def run_bench(args) -> None:
    import django

    django.setup()
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    from tongban.catalog import queries
    from tongban.core import queries as core_queries
    from tongban.portal import schemas
    from tongban.portal.context import REGION_COOKIE

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = dt.datetime.now().astimezone()
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("seed", "demo", stdout=StringIO())  # writes nothing when already seeded
    seed_seconds = round(time.perf_counter() - t, 1)
    items = queries.search_items(queries.SearchFilters())[0]
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
        json.dumps(
            {
                "started": started.isoformat(timespec="seconds"),
                "vendor": connection.vendor,
                "items": items,
                "rounds": args.rounds,
                "seed_seconds": seed_seconds,
                "rows": rows,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
