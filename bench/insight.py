"""一屏全览 at province scale: dashboard query latency over the case rollups at province, city and
county level, the rollup hook's cost per case transition, and a full rebuild's time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/icore_bench \\
        .venv/bin/python bench/insight.py [--cases 2000000] [--equivalent 20000000] [--rounds 30] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"), migrates it and builds a world through the real services
(bench/case_world.py: calendar, Hubei's regions, people), with `--departments` departments each
with one published item, spread over Hubei's counties round-robin (every city gets some). Then:

1. **real cases**: `--cases` cases COPY-loaded as copies of template cases the services made
   (bench/case_world.load_cases: a year of cases in a realistic state mix, Zipf over the items).
   COPY bypasses the hook, so the rollups are then built by the product's **full rebuild**
   (`rollups.rebuild()`, what `manage.py insight rebuild-rollups` runs): its time is reported,
   and the live rows are checked against a recount of one month.
2. **rollups equivalent to `--equivalent` cases**: rollup rows for the cases beyond the real ones
   (`--equivalent` minus `--cases`) over the two years before today, written by SQL
   (generate_series) at the four grains the hook keeps (item and department, by day and by
   month), for 3,000 departments over Hubei's counties (2 years × counties × departments × items, about as sparse as
   a province's long tail). 2×10⁷ real cases do not fit this bench's time on a 2-core machine
   shared with others (the case COPY runs at about 2,000-3,000 cases/s: over 2 hours, and
   ~15 GB); the dashboards read only the rollups, so their latency is measured at the full scale.
3. **dashboard queries**: at province (湖北), city and county level, `--rounds` times each in
   shuffled order: `queries.indicators` (every indicator, the last 365 days: month rows and
   ragged day edges), `breakdown` (网办件比率 by child region), `series` (办件量 by month, 12
   months) and `volumes` (by channel); p50/p95/p99 per query and level. Target p95 ≤ 1 s.
4. **hook cost**: `--lifecycles` complete lifecycles through `tongban.cases.services` (submit →
   accept → three steps → conclude → deliver: 7 transitions each), alternating with the hook
   connected and disconnected (ABAB, same process, same run); reported: the time inside the hook
   as a share of its transitions' time (measured around `rollups.apply`), and the difference of
   the mean transition time with and without it. Target ≤ 10 %.

Prints tables and writes var/bench/insight.json. `--smoke`: tiny sizes, database dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    bench_database,
    parse_args_with_smoke,
    report_head,
    scratch_media,
    summary,
)
from case_world import FORM, PDF, build_world, load_cases  # noqa: E402 - beside this script

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
os.environ.setdefault("SMS_GATEWAY", "tongban.accounts.gateways.OutboxSmsGateway")

TARGET_P95_MS = 1000.0
TARGET_HOOK_SHARE = 0.10
LEVELS = ("province", "city", "county")
QUERIES = ("indicators", "breakdown", "series", "volumes", "items")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=2_000_000, help="real cases COPY-loaded")
    p.add_argument("--equivalent", type=int, default=20_000_000, help="cases the rollups stand for in all")
    p.add_argument(
        "--departments", type=int, default=120, help="departments (one item each) over the counties"
    )
    p.add_argument("--synth-departments", type=int, default=3000, help="departments of the synthetic rollups")
    p.add_argument("--items", type=int, default=4, help="items per department in the synthetic rollups")
    p.add_argument("--rounds", type=int, default=30, help="timed rounds per query and level")
    p.add_argument("--lifecycles", type=int, default=40, help="complete lifecycles for the hook's cost")
    p.add_argument("--reuse", action="store_true", help="keep the database; load only what is missing")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "insight.json"))
    tiny = {
        "cases": 80,
        "equivalent": 5000,
        "departments": 6,
        "synth_departments": 30,
        "items": 2,
        "rounds": 2,
        "lifecycles": 2,
        "out": str(SMOKE_DIR / "insight.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The world ------------------------------------------------------------------------------


def county_world(world: dict, departments: int) -> dict:
    """`departments` departments with one published item each, at Hubei's counties (round-robin
    over the cities, so every city has some), made through the catalogue's services; the world's
    first item (the templates') stays first."""
    from tongban.catalog.models import ImplementationItem
    from tongban.catalog.testing import make_basic_item, make_department, make_item
    from tongban.core import queries as core_queries
    from tongban.core.models import Region

    cities = list(Region.objects.filter(parent_id="420000000000").order_by("code"))
    counties_by_city = [list(Region.objects.filter(parent=c).order_by("code")) for c in cities]
    counties_by_city = [c for c in counties_by_city if c]
    order = []
    depth = 0
    while len(order) < departments:
        for counties in counties_by_city:
            if depth < len(counties) and len(order) < departments:
                order.append(counties[depth])
        depth += 1
        if depth > 50:
            break
    items = [world["items"][0]]
    for i, county in enumerate(order):
        name = f"基准{county.name}部门{i:03d}"
        dept = core_queries.departments().filter(name=name).first()
        if dept is None:
            dept = make_department(region=county.gb_code or county.code[:6], name=name, seed=20_000 + i)
        item = ImplementationItem.objects.filter(department_id=dept.pk, is_current=True).first()
        if item is None:
            item = make_item(
                dept, make_basic_item(name=f"基准县级事项{i:03d}"), promised_limit=5, statutory_limit=20
            )
        items.append(
            {"dept": dept.pk, "item": item.pk, "code": item.code, "name": item.name, "region": item.region_id}
        )
    return {**world, "items": items}


# --- Rollups ----------------------------------------------------------------------------------


def full_rebuild() -> dict:
    from tongban.insight import rollups
    from tongban.insight.models import Rollup

    t = time.perf_counter()
    report = rollups.rebuild()
    seconds = time.perf_counter() - t
    return {**report, "seconds": round(seconds, 1), "rows_now": Rollup.objects.count()}


def check_one_month() -> bool:
    """The rebuilt rows of last month equal a recount (the rebuild's own function, read back)."""
    from django.utils import timezone

    from tongban.insight import rollups

    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    recount = {k: v for k, v in rollups.recount(first, last).items() if any(v.values())}
    return recount == rollups.live_rows(first, last)


SYNTH_COUNTERS = {
    # counter -> SQL over r (received) and u (a uniform random number per row)
    "received": "r",
    "recv_1": "(r * 0.25)::int",
    "recv_2": "(r * 0.45)::int",
    "recv_3": "r - (r * 0.25)::int - (r * 0.45)::int",
    "st_delivered": "r - (r * 0.1)::int",
    "st_accepted": "(r * 0.1)::int",
    "immediate": "(r * 0.2)::int",
    "zero_trip": "(r * 0.6)::int",
    "at_most_once": "(r * 0.9)::int",
    "exempt_licence": "(r * 0.3)::int",
    "exempt_form": "r",
    "accepted": "r",
    "concluded": "r - (r * 0.1)::int",
    "on_time": "r - (r * 0.12)::int",
    "timed": "r - (r * 0.1)::int",
    "days_used": "(r - (r * 0.1)::int) * 4",
    "days_statutory": "(r - (r * 0.1)::int) * 20",
}


def synthesize(cases: int, departments: int, items_per_dept: int, seed: int) -> dict:
    """Rollup rows standing for `cases` more cases over the two years before today: item rows by
    SQL, then their day and month sums (as the hook keeps them)."""
    from django.db import connection
    from django.utils import timezone

    if cases <= 0:
        return {"cases": 0, "rows": 0, "seconds": 0.0}
    from tongban.core.models import Region

    # Synthetic departments (ids past any real one: the dashboards read ids, never rows of
    # core) over every county of Hubei and its cities' own level, as many as a province has.
    places = list(
        Region.objects.filter(code__startswith="42", level__in=(2, 3)).values_list("code", flat=True)
    )
    depts = [(1_000_000 + n, places[n % len(places)], f"BENCH{n:05d}") for n in range(departments)]
    today = timezone.localdate()
    first = today - dt.timedelta(days=730)
    days = (today - first).days
    slots = days * len(depts) * items_per_dept
    fill = min(0.5, cases / slots)  # the share of item-days with cases: a long tail
    per_row = max(cases / (slots * fill), 1.0)
    from tongban.insight.models import COUNTERS

    names = list(COUNTERS)
    exprs = [SYNTH_COUNTERS.get(n, "0") for n in names]
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cur.execute("CREATE TEMP TABLE bench_depts (dept int, region varchar(12), code varchar(36))")
        with cur.copy("COPY bench_depts FROM STDIN") as copy:
            for row in depts:
                copy.write_row(row)
        cur.execute("SELECT count(*) FROM insight_rollup WHERE grain = 'i' AND item_code LIKE 'BENCH%%-%%'")
        resumed = cur.fetchone()[0] > 0  # --reuse after a run that stopped here: the item rows are in
        # Each row's received count averages per_row (the real cases' rows stay as they are).
        if not resumed:
            cur.execute(
                f"""
                INSERT INTO insight_rollup (grain, day, region_code, department_id, item_code, {", ".join(names)})
                SELECT 'i', x.day, x.region, x.dept, x.code || '-' || x.j, {", ".join(exprs)}
                FROM (
                    SELECT g.day, d.region, d.dept, d.code, j,
                           greatest(1, round(random() * 2 * %s - 0.5))::int AS r
                    FROM (SELECT day::date AS day FROM generate_series(%s::date, %s::date, interval '1 day') AS day) g
                    CROSS JOIN bench_depts d
                    CROSS JOIN generate_series(1, %s) AS j
                    WHERE random() < %s
                ) x
                ON CONFLICT (grain, day, region_code, department_id, item_code) DO NOTHING
                """,
                [per_row, first, today, items_per_dept, fill],
            )
        cur.execute(
            "SELECT count(*), coalesce(sum(received), 0) FROM insight_rollup WHERE grain = 'i' AND item_code LIKE '%%-%%'"
        )
        item_rows, received = cur.fetchone()
        sums = ", ".join(f"sum({n})" for n in names)
        month = "date_trunc('month', day)::date"
        cur.execute("SELECT count(*) FROM insight_rollup WHERE grain = 'n' AND item_code LIKE 'BENCH%%-%%'")
        summed = cur.fetchone()[0] > 0  # --reuse after a run that got past the sums: not twice
        for grain, day_expr, item_expr in (("d", "day", "''"), ("m", month, "''"), ("n", month, "item_code")):
            if summed:
                break
            by_item = ", item_code" if item_expr == "item_code" else ""
            cur.execute(
                f"""
                INSERT INTO insight_rollup (grain, day, region_code, department_id, item_code, {", ".join(names)})
                SELECT %s, {day_expr}, region_code, department_id, {item_expr}, {sums}
                FROM insight_rollup WHERE grain = 'i' AND item_code LIKE '%%-%%'
                GROUP BY {day_expr}, region_code, department_id{by_item}
                ON CONFLICT (grain, day, region_code, department_id, item_code) DO UPDATE SET
                {", ".join(f"{n} = insight_rollup.{n} + excluded.{n}" for n in names)}
                """,
                [grain],
            )
        cur.execute("VACUUM (ANALYZE) insight_rollup")
        cur.execute("SELECT grain, count(*) FROM insight_rollup GROUP BY grain ORDER BY grain")
        by_grain = dict(cur.fetchall())
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('insight_rollup')), pg_size_pretty(pg_indexes_size('insight_rollup'))"
        )
        table, indexes = cur.fetchone()
    return {
        "cases": int(received),
        "item_rows_added": item_rows,
        "rows_by_grain": by_grain,
        "table": table,
        "indexes": indexes,
        "seconds": round(time.perf_counter() - t, 1),
    }


# --- Dashboard queries -------------------------------------------------------------------------


def levels(world: dict) -> dict[str, str]:
    """The province, the city and the county with the most of the bench's departments."""
    from collections import Counter

    counties = Counter(it["region"] for it in world["items"][1:])
    county = counties.most_common(1)[0][0]
    return {"province": "420000000000", "city": county[:4] + "00000000", "county": county}


def bench_queries(world: dict, rounds: int, seed: int) -> dict:
    from django.utils import timezone

    from tongban.insight import queries

    today = timezone.localdate()
    start = today - dt.timedelta(days=364)
    year_ago = (today.replace(day=1) - dt.timedelta(days=330)).replace(day=1)
    calls = {
        "indicators": lambda region: queries.indicators(region=region, date_from=start, date_to=today),
        "breakdown": lambda region: queries.breakdown(
            "online_case_rate", region=region, date_from=start, date_to=today
        ),
        "series": lambda region: queries.series(
            "received", region=region, date_from=year_ago, date_to=today, grain="month"
        ),
        "volumes": lambda region: queries.volumes(
            region=region, date_from=start, date_to=today, by="channel"
        ),
        "items": lambda region: queries.volumes(
            region=region, date_from=start, date_to=today, by="item", limit=20
        ),
    }
    where = levels(world)
    plan = [(level, q) for level in LEVELS for q in QUERIES] * rounds
    random.Random(seed).shuffle(plan)
    for level in LEVELS:  # warm the caches once, untimed
        for q in QUERIES:
            calls[q](where[level])
    times: dict[tuple[str, str], list[float]] = {(lv, q): [] for lv in LEVELS for q in QUERIES}
    results = {}
    for level, q in plan:
        t = time.perf_counter()
        out = calls[q](where[level])
        times[(level, q)].append((time.perf_counter() - t) * 1000)
        if q == "indicators":
            results[level] = {
                v.indicator.id: v.value for v in out if v.indicator.id in ("received", "online_case_rate")
            }
    return {
        "regions": where,
        "ms": {f"{level}/{q}": summary(v) for (level, q), v in times.items()},
        "figures": {k: {i: str(x) for i, x in v.items()} for k, v in results.items()},
    }


# --- The hook's cost ---------------------------------------------------------------------------


def bench_hook(world: dict, lifecycles: int) -> dict:
    """Complete lifecycles through the services, alternately with and without the hook; the time
    inside the hook measured around it."""
    from django.contrib.auth import get_user_model

    from tongban.cases import services
    from tongban.cases.signals import case_changed
    from tongban.catalog import queries as catalog_queries
    from tongban.insight import rollups

    User = get_user_model()
    citizen = User.objects.get(pk=world["citizens"][1])
    officer, officer2 = (User.objects.get(pk=pk) for pk in world["officers"])
    head = User.objects.get(pk=world["head"])
    item = world["items"][0]["code"]
    materials = [m.pk for m in catalog_queries.get_guide(item).materials.all()]
    inside = [0.0]

    def timed_apply(**kw):
        t = time.perf_counter()
        rollups.apply(**kw)
        inside[0] += time.perf_counter() - t

    def lifecycle() -> float:
        uploads = [
            services.Upload(material_id=m, name="材料", content=PDF, content_type="application/pdf")
            for m in materials
        ]
        t = time.perf_counter()
        case = services.do_submit(actor=citizen, item_code=item, data=FORM, uploads=uploads)
        n = case.number
        services.do_accept(actor=officer, number=n)
        for index, actor in enumerate((officer, officer2, head)):
            services.do_complete_step(actor=actor, number=n, step_index=index, outcome="pass", comment="同意")
        services.do_conclude(actor=officer, number=n)
        services.do_deliver(actor=officer, number=n)
        return time.perf_counter() - t

    case_changed.disconnect(dispatch_uid="insight.rollups.apply")
    try:
        lifecycle()  # warm-up, untimed
        with_hook, without = [], []
        for i in range(lifecycles * 2):
            hooked = i % 2 == 0
            if hooked:
                case_changed.connect(timed_apply, dispatch_uid="bench.insight.timed")
            try:
                (with_hook if hooked else without).append(lifecycle())
            finally:
                case_changed.disconnect(dispatch_uid="bench.insight.timed")
    finally:
        case_changed.connect(rollups.apply, dispatch_uid="insight.rollups.apply")
    transitions = 7
    hooked_total, plain_total = sum(with_hook), sum(without)
    return {
        "lifecycles_each": lifecycles,
        "transitions_per_lifecycle": transitions,
        "transition_ms_with_hook": round(1000 * hooked_total / (len(with_hook) * transitions), 2),
        "transition_ms_without": round(1000 * plain_total / (len(without) * transitions), 2),
        "hook_ms_per_transition": round(1000 * inside[0] / (len(with_hook) * transitions), 3),
        "hook_share_measured_inside": round(inside[0] / hooked_total, 4),
        "hook_share_side_by_side": round((hooked_total - plain_total) / plain_total, 4),
    }


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/icore_bench")
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name, scratch_media():
        run_bench(args, db_name, started)


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    from django.db import connection

    t = time.perf_counter()
    world = county_world(build_world(1), args.departments)
    print(
        f"world ready in {time.perf_counter() - t:.0f}s: {len(world['items']) - 1} county departments/items"
    )
    print(f"loading up to {args.cases:,} real cases ...", flush=True)
    load = load_cases(world, args.cases, args.seed)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("SELECT count(*) FROM cases_case")
        real = cur.fetchone()[0]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM insight_rollup WHERE grain = 'i' AND item_code LIKE 'BENCH%%-%%'")
        kept = args.reuse and cur.fetchone()[0] > 0
    if kept:  # a --reuse after a run that stopped while synthesizing: its rollups are kept
        rebuild = {"skipped": "--reuse: the earlier run's rebuilt and synthesized rows kept"}
        print("rollups kept from the earlier run (no rebuild)")
    else:
        print(f"{real:,} cases; full rebuild of the rollups ...", flush=True)
        rebuild = full_rebuild()
        rebuild["one_month_equals_recount"] = check_one_month()
        print(
            f"full rebuild: {rebuild['seconds']}s for {real:,} cases ({rebuild['months']} months,"
            f" {rebuild['rows']:,} rows); last month equals a recount: {rebuild['one_month_equals_recount']}"
        )
    extra = max(args.equivalent - real, 0)
    print(f"rollup rows for {extra:,} more cases ...", flush=True)
    synth = synthesize(extra, args.synth_departments, args.items, args.seed)
    print(f"synthesized in {synth['seconds']}s: {synth}")
    load_before = os.getloadavg()
    queries = bench_queries(world, args.rounds, args.seed)
    hook = bench_hook(world, args.lifecycles)
    load_after = os.getloadavg()
    with connection.cursor() as cur:
        cur.execute("SELECT sum(received) FROM insight_rollup WHERE grain = 'm'")
        represented = int(cur.fetchone()[0] or 0)

    worst = max(v["p95"] for v in queries["ms"].values())
    print(f"\ndashboard queries over rollups standing for {represented:,} cases ({args.rounds} rounds each)")
    print(f"{'level/query':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for key, s in queries["ms"].items():
        print(f"{key:<22} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['p99']:>8.1f} {s['max']:>8.1f}")
    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"worst p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target")
    share = hook["hook_share_measured_inside"]
    print(
        f"\nhook: {hook['hook_ms_per_transition']:.3f} ms per transition inside a transition of"
        f" {hook['transition_ms_with_hook']:.1f} ms = {100 * share:.2f} %"
        f" ({'meets' if share <= TARGET_HOOK_SHARE else 'MISSES'} the 10 % target);"
        f" side by side (ABAB, {hook['lifecycles_each']} lifecycles each):"
        f" {hook['transition_ms_with_hook']:.1f} vs {hook['transition_ms_without']:.1f} ms"
        f" = {100 * hook['hook_share_side_by_side']:+.1f} %"
    )
    report = {
        **report_head("insight", started, load_before, load_after),
        "database": {"name": db_name, "real_cases": real, "represented_cases": represented},
        "load": load,
        "rebuild": rebuild,
        "synthesized": synth,
        "queries": queries,
        "hook": hook,
        "targets": {"p95_ms": TARGET_P95_MS, "hook_share": TARGET_HOOK_SHARE},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
