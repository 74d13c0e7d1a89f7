"""Case handling at province scale: complete lifecycles per second, deadline computations per
second, and the workbench queues' latency with a million cases in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_cases \\
        .venv/bin/python bench/case_lifecycle.py [--cases 1000000] [--workers 2] [--seconds 30] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"; `--reuse` keeps it and loads only what is missing), migrates it and builds
a small world through the real services (bench/case_world.py): the working-day calendar from a
year before today, Hubei's regions, `--departments` departments with one published item each,
three officers of the first (the largest) department and a few citizens. Then:

1. **load**: one template case in each state, through `tongban.cases.services`, then copies of
   them up to `--cases` cases (default 1,000,000) with their approval steps, written with
   PostgreSQL COPY, spread over the departments by a Zipf-like share (the first department gets
   about a tenth) and over the last year, in a realistic state mix (mostly delivered; about 6 %
   in the approval chain, 1 % paused, 1.5 % waiting for pre-check ...), then VACUUM ANALYZE;
2. **deadlines**: `clock.deadline` (calendar load + working-day arithmetic) per second, one
   process, as the services call it;
3. **lifecycles**: `--workers` processes each run, for `--seconds`, complete lifecycles through
   `tongban.cases.services` in-process: submit (two PDF materials) -> accept -> three approval
   steps (承办, 审核, 批准) -> conclude; lifecycles per second over all workers and p50/p99 per step;
4. **queues**: for the officer of the largest department, each workbench queue (`queries.queue`:
   precheck, mine, team, due_soon, overdue, paused) as a page asks for it (COUNT + the first
   20 rows), `--rounds` times in shuffled order, p50/p95/p99; and the page itself,
   `GET /workbench/cases/?queue=...` through Django's test client (the whole view: the six queue
   counts, the page, the template), when the pages exist; EXPLAIN ANALYZE of the slowest queue.

Targets (2 cores): >= 200 complete lifecycles/s; queue pages p95 <= 100 ms. Prints tables and
writes var/bench/case_lifecycle.json. `--smoke`: tiny sizes, database dropped (bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
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
from benchlib import vacuum_analyze as benchlib_vacuum  # noqa: E402 - beside this script
from case_world import FORM, PDF, build_world, load_cases  # noqa: E402 - beside this script

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
os.environ.setdefault("SMS_GATEWAY", "tongban.accounts.gateways.OutboxSmsGateway")

TARGET_LIFECYCLES = 200.0
TARGET_QUEUE_P95_MS = 100.0
PAGE_ROWS = 20
STEPS = ("submit", "accept", "step0", "step1", "step2", "conclude")
QUEUE_KINDS = ("precheck", "mine", "team", "due_soon", "overdue", "paused")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000, help="cases already in the database")
    p.add_argument("--departments", type=int, default=60, help="departments the cases are spread over")
    p.add_argument("--workers", type=int, default=2, help="processes running lifecycles")
    p.add_argument("--seconds", type=float, default=30.0, help="how long the lifecycle phase runs")
    p.add_argument("--deadlines", type=int, default=5000, help="clock.deadline calls timed")
    p.add_argument("--warmups", type=int, default=3, help="untimed lifecycles per worker first")
    p.add_argument("--rounds", type=int, default=40, help="timed rounds per queue (query and page)")
    p.add_argument("--reuse", action="store_true", help="keep the database; load only what is missing")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--explain", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "case_lifecycle.json"))
    tiny = {
        "cases": 60,
        "departments": 3,
        "workers": 1,
        "seconds": 1.0,
        "deadlines": 200,
        "rounds": 2,
        "warmups": 1,
        "explain": False,
        "out": str(SMOKE_DIR / "case_lifecycle.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The database -------------------------------------------------------------------------


def vacuum_analyze() -> float:
    return benchlib_vacuum("cases_case", "cases_casestep")


def database_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('cases_case')), pg_size_pretty(pg_indexes_size('cases_case')),"
            " pg_size_pretty(pg_table_size('cases_casestep')), (SELECT count(*) FROM cases_case),"
            " (SELECT count(*) FROM cases_casestep)"
        )
        case_table, case_indexes, step_table, cases, steps = cur.fetchone()
        cur.execute("SELECT state, count(*) FROM cases_case GROUP BY state ORDER BY 2 DESC")
        states = dict(cur.fetchall())
    return {
        "version": version,
        "cases": cases,
        "steps": steps,
        "case_table": case_table,
        "case_indexes": case_indexes,
        "step_table": step_table,
        "states": states,
    }


# --- Figures ------------------------------------------------------------------------------


# --- Deadlines ------------------------------------------------------------------------------


def bench_deadlines(n: int, seed: int) -> dict:
    from tongban.cases import clock

    rng = random.Random(seed)
    today = clock.today()
    starts = [today - dt.timedelta(days=rng.randint(0, 300)) for _ in range(n)]
    for s in starts[:50]:
        clock.deadline(s, 5)
    t = time.perf_counter()
    for s in starts:
        clock.deadline(s, rng.choice((1, 5, 10, 20)), paused_days=rng.choice((0, 0, 3)))
    seconds = time.perf_counter() - t
    return {"calls": n, "seconds": round(seconds, 3), "per_second": round(n / seconds, 1)}


# --- Lifecycles -----------------------------------------------------------------------------


def _lifecycle(services, actors, item, materials, timings) -> None:
    citizen, officer, officer2, head = actors
    uploads = [
        services.Upload(material_id=m, name="材料", content=PDF, content_type="application/pdf")
        for m in materials
    ]
    t = time.perf_counter()
    case = services.do_submit(actor=citizen, item_code=item, data=FORM, uploads=uploads)
    t1 = time.perf_counter()
    timings["submit"].append((t1 - t) * 1000)
    services.do_accept(actor=officer, number=case.number)
    t2 = time.perf_counter()
    timings["accept"].append((t2 - t1) * 1000)
    for index, actor in enumerate((officer, officer2, head)):
        t = time.perf_counter()
        services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome="pass", comment="同意"
        )
        timings[f"step{index}"].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    services.do_conclude(actor=officer, number=case.number)
    timings["conclude"].append((time.perf_counter() - t) * 1000)


def lifecycle_worker(args: tuple) -> dict:
    worker, world, ready, seconds, warmups = args
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from tongban.cases import services
    from tongban.catalog import queries as catalog_queries

    User = get_user_model()
    citizen = User.objects.get(pk=world["citizens"][worker % len(world["citizens"])])
    officer, officer2 = (User.objects.get(pk=pk) for pk in world["officers"])
    head = User.objects.get(pk=world["head"])
    item = world["items"][0]["code"]
    materials = [m.pk for m in catalog_queries.get_guide(item).materials.all()]
    actors = (citizen, officer, officer2, head)
    warm = {s: [] for s in STEPS}
    for _ in range(warmups):
        _lifecycle(services, actors, item, materials, warm)
    timings = {s: [] for s in STEPS}
    ready.wait(timeout=600)  # every worker started and warmed up: all begin together
    start_at = time.time()
    count = 0
    end = start_at + seconds
    while time.time() < end:
        _lifecycle(services, actors, item, materials, timings)
        count += 1
    return {"worker": worker, "lifecycles": count, "elapsed": time.time() - start_at, "timings": timings}


def bench_lifecycles(world: dict, workers: int, seconds: float, warmups: int) -> dict:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("spawn")  # uploads go to the bench's scratch MEDIA_ROOT (environment)
    with ctx.Manager() as manager, ctx.Pool(workers) as pool:
        ready = manager.Barrier(workers)
        results = pool.map(lifecycle_worker, [(w, world, ready, seconds, warmups) for w in range(workers)])
    total = sum(r["lifecycles"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    steps = {s: summary([v for r in results for v in r["timings"][s]]) for s in STEPS}
    whole = [sum(r["timings"][s][i] for s in STEPS) for r in results for i in range(r["lifecycles"])]
    return {
        "workers": workers,
        "seconds": round(elapsed, 2),
        "lifecycles": total,
        "per_second": round(total / elapsed, 1),
        "per_worker": [r["lifecycles"] for r in results],
        "steps_ms": steps,
        "lifecycle_ms": summary(whole),
    }


# --- Queues ---------------------------------------------------------------------------------


def bench_queues(world: dict, rounds: int, seed: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from tongban.cases import clock, queries

    User = get_user_model()
    officer = User.objects.get(pk=world["officers"][0])
    on = clock.today()
    try:
        resolve("/workbench/cases/")
        pages = True
    except Resolver404:
        pages = False
    client = Client()
    client.force_login(officer)
    probe = client.get("/workbench/cases/?queue=precheck") if pages else None
    page_status = probe.status_code if probe is not None else None
    pages = pages and page_status == 200
    rng = random.Random(seed)
    plan = [
        (kind, mode) for kind in QUEUE_KINDS for mode in (("query", "page") if pages else ("query",))
    ] * rounds
    rng.shuffle(plan)
    times: dict[tuple[str, str], list[float]] = {}
    sizes: dict[str, int] = {}
    for kind, mode in plan:
        t = time.perf_counter()
        if mode == "query":
            qs = queries.queue(officer, kind, on=on)
            sizes[kind] = qs.count()
            list(qs[:PAGE_ROWS])
        else:
            response = client.get(f"/workbench/cases/?queue={kind}")
            assert response.status_code == 200, response.status_code
        times.setdefault((kind, mode), []).append((time.perf_counter() - t) * 1000)
    out = {
        "pages_exist": pages,
        "page_probe_status": page_status,
        "sizes": sizes,
        "query_ms": {k: summary(times[(k, "query")]) for k in QUEUE_KINDS},
        "page_ms": {k: summary(times[(k, "page")]) for k in QUEUE_KINDS} if pages else {},
    }
    slowest = max(QUEUE_KINDS, key=lambda k: out["query_ms"][k]["p95"])
    qs = queries.queue(officer, slowest, on=on)
    sql, params = qs[:PAGE_ROWS].query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        out["explain"] = {"queue": slowest, "plan": "\n".join(r[0] for r in cur.fetchall())}
    return out


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_cases")
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name, scratch_media():
        run_bench(args, db_name, started)


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    t = time.perf_counter()
    world = build_world(args.departments)
    print(f"world ready in {time.perf_counter() - t:.0f}s: {len(world['items'])} departments/items")
    print(f"loading up to {args.cases:,} cases ...", flush=True)
    load = load_cases(world, args.cases, args.seed)
    print("VACUUM ANALYZE ...", flush=True)
    vacuum_seconds = vacuum_analyze()
    facts = database_facts()
    print(
        f"database {db_name}: {facts['cases']:,} cases ({facts['case_table']}, indexes {facts['case_indexes']}),"
        f" {facts['steps']:,} steps ({facts['step_table']}); vacuum+analyze {vacuum_seconds:.0f}s"
    )

    load_before = os.getloadavg()
    deadlines = bench_deadlines(args.deadlines, args.seed)
    print(f"clock.deadline: {deadlines['per_second']:,.0f}/s ({deadlines['calls']} calls)")
    print(f"lifecycles: {args.workers} workers x {args.seconds:.0f}s ...", flush=True)
    lifecycles = bench_lifecycles(world, args.workers, args.seconds, args.warmups)
    from django.db import connections

    connections.close_all()
    queues = bench_queues(world, args.rounds, args.seed)
    load_after = os.getloadavg()

    verdict = "meets" if lifecycles["per_second"] >= TARGET_LIFECYCLES else "MISSES"
    print(
        f"\ncomplete lifecycles: {lifecycles['per_second']:.1f}/s ({lifecycles['lifecycles']} in"
        f" {lifecycles['seconds']:.1f}s, {args.workers} workers) {verdict} the {TARGET_LIFECYCLES:.0f}/s target"
    )
    print(f"{'step':<10} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for s in (*STEPS, "lifecycle"):
        r = lifecycles["lifecycle_ms"] if s == "lifecycle" else lifecycles["steps_ms"][s]
        print(f"{s:<10} {r['n']:>6} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f}")
    print(f"\nqueues of the largest department's officer ({facts['cases']:,} cases in the database)")
    print(f"{'queue':<10} {'rows':>7} {'query p50':>10} {'query p95':>10} {'page p50':>9} {'page p95':>9}")
    for k in QUEUE_KINDS:
        q = queues["query_ms"][k]
        p = queues["page_ms"].get(k, {})
        print(
            f"{k:<10} {queues['sizes'].get(k, 0):>7,} {q['p50']:>10.1f} {q['p95']:>10.1f}"
            f" {p.get('p50', float('nan')):>9.1f} {p.get('p95', float('nan')):>9.1f}"
        )
    worst = max(
        [queues["query_ms"][k]["p95"] for k in QUEUE_KINDS]
        + [queues["page_ms"][k]["p95"] for k in queues["page_ms"]]
    )
    verdict = "meets" if worst <= TARGET_QUEUE_P95_MS else "MISSES"
    print(f"worst queue p95 {worst:.1f} ms {verdict} the {TARGET_QUEUE_P95_MS:.0f} ms target")
    if not queues["pages_exist"]:
        print(f"(the workbench pages answered {queues['page_probe_status']}: only the queries were timed)")
    if args.explain:
        print(
            f"\n--- EXPLAIN ANALYZE of the slowest queue ({queues['explain']['queue']})\n{queues['explain']['plan']}"
        )

    report = {
        **report_head("case_lifecycle", started, load_before, load_after),
        "database": facts,
        "load": load,
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
        "targets": {"lifecycles_per_second": TARGET_LIFECYCLES, "queue_p95_ms": TARGET_QUEUE_P95_MS},
        "deadlines": deadlines,
        "lifecycles": lifecycles,
        "queues": queues,
    }
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
