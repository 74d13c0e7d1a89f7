"""Catalogue search at province scale: latency of the real HTTP API against a naive scan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench \\
        .venv/bin/python bench/catalog_search.py [--items 724000] [--queries 300] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"; `--reuse` keeps it and loads only what is missing), migrates it, generates
the catalogue with tongban.demo.scale.generate_scale_catalog, runs `catalog reindex-search` and VACUUM ANALYZE, starts granian
on a free loopback port and then, query by query and in shuffled order so the noise of a shared
machine falls on all three alike, times:

- api:   GET /api/v1/catalog/items?q=... over HTTP (keep-alive, one client, one server worker);
- orm:   catalog.queries.search_items in this process (the same SQL, without HTTP and JSON);
- naive: ImplementationItem.objects.filter(is_current=True, name__icontains=q): count + first
         page ordered like the API, i.e. the same work without the full-text index.

Queries: Chinese words (社保, 医保, 户籍 ...), several words (武汉 社保, 江夏 食品 许可 ...), whole
31-character item codes and code prefixes. Prints a table, EXPLAIN ANALYZE of the slowest
searches, and writes everything to var/bench/catalog_search.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    explain_captured,
    free_port,
    parse_args_with_smoke,
    percentile,
    report_head,
    run_main,
    stop_server,
    summary,
)
from benchlib import vacuum_analyze as benchlib_vacuum  # noqa: E402 - beside this script

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

TARGET_P95_MS = 50.0
WORDS = (
    "社保",
    "医保",
    "户籍",
    "公积金",
    "营业",
    "执照",
    "不动产",
    "出入境",
    "排污",
    "药品",
    "教师资格",
    "婚姻",
    "食品",
    "护照",
    "养老",
    "补贴",
    "许可",
    "登记",
    "驾驶证",
    "道路运输",
)
MULTI = (
    "武汉 社保",
    "营业执照 变更",
    "江夏 食品 许可",
    "黄石 公积金 提取",
    "宜昌 不动产 登记",
    "襄阳 医保 异地",
    "十堰 户籍",
    "荆州 教师资格 认定",
    "孝感 排污 许可",
    "恩施 道路运输",
    "洪山 营业执照",
    "武昌 医疗机构",
    "仙桃 养老",
    "我要办社保",
    "食品经营许可证延续",
)
MODES = ("api", "orm", "naive")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=724_000, help="implementation items in the catalogue")
    p.add_argument("--queries", type=int, default=300, help="timed searches per mode (api, orm, naive)")
    p.add_argument("--reuse", action="store_true", help="keep the database; load only what is missing")
    p.add_argument("--seed", type=int, default=2026, help="seed of the catalogue and of the query order")
    p.add_argument(
        "--server",
        choices=("granian", "runserver", "client"),
        default="granian",
        help="serve the API with granian (default), runserver, or django.test.Client in-process",
    )
    p.add_argument("--explain", type=int, default=4, help="EXPLAIN ANALYZE this many of the slowest searches")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "catalog_search.json"))
    tiny = {"items": 200, "queries": 12, "explain": 1, "out": str(SMOKE_DIR / "catalog_search.json")}
    return parse_args_with_smoke(p, tiny)


# --- The database -------------------------------------------------------------------------


def load_catalogue(items: int, seed: int) -> dict | None:
    from django.core.management import call_command

    from tongban.catalog.models import ImplementationItem
    from tongban.demo.scale import generate_scale_catalog

    call_command("migrate", verbosity=0)
    have = ImplementationItem.objects.filter(is_current=True).count()
    if have == items:
        print(f"catalogue already holds {have:,} items: not loading")
        return None
    if have > items:
        sys.exit(f"the database holds {have:,} items, more than --items {items:,}: run without --reuse")
    print(f"loading {items - have:,} items ({have:,} present)")
    return generate_scale_catalog(items=items, seed=seed, stdout=sys.stdout)


def vacuum_analyze() -> float:

    from tongban.catalog import services

    t = time.perf_counter()
    services.do_reindex_search(actor="system:bench")  # what `manage.py catalog reindex-search` does nightly
    return time.perf_counter() - t + benchlib_vacuum()


def database_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('catalog_implementationitem')),"
            " pg_size_pretty(pg_indexes_size('catalog_implementationitem')),"
            " pg_size_pretty(pg_table_size('catalog_itemsearch') + pg_indexes_size('catalog_itemsearch')),"
            " pg_size_pretty(pg_relation_size('catalog_itemsearch_fts_gin')),"
            " (SELECT count(*) FROM catalog_implementationitem WHERE is_current)"
        )
        table, indexes, search_table, gin, items = cur.fetchone()
        settings = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "max_parallel_workers_per_gather",
            "jit",
        ):
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "version": version,
        "items": items,
        "table_size": table,
        "indexes_size": indexes,
        "search_table_size": search_table,
        "gin_size": gin,
        "settings": settings,
    }


# --- Queries ------------------------------------------------------------------------------


def code_queries(rng: random.Random, n_full: int, n_prefix: int) -> tuple[list[str], list[str]]:
    """Whole codes of random items, and prefixes: department (18), + level (19), region-ish (9),
    department + level + part of the basic code (25)."""
    from django.db.models import Max, Min

    from tongban.catalog.models import ImplementationItem

    bounds = ImplementationItem.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    codes: list[str] = []
    while len(codes) < n_full + n_prefix:
        pk = rng.randint(bounds["lo"], bounds["hi"])
        code = (
            ImplementationItem.objects.filter(pk__gte=pk, is_current=True)
            .order_by("pk")
            .values_list("code", flat=True)
            .first()
        )
        if code and code not in codes:
            codes.append(code)
    full = codes[:n_full]
    prefixes = [c[: (18, 19, 9, 25)[i % 4]] for i, c in enumerate(codes[n_full:])]
    return full, prefixes


def build_plan(rng: random.Random, total: int) -> list[tuple[str, str]]:
    """(category, query) pairs: a third words, a third several words, a third codes."""
    n_words = n_multi = total // 3
    n_codes = total - n_words - n_multi
    n_full = n_codes // 2
    full, prefixes = code_queries(rng, n_full, n_codes - n_full)
    plan = [("word", WORDS[i % len(WORDS)]) for i in range(n_words)]
    plan += [("multi", MULTI[i % len(MULTI)]) for i in range(n_multi)]
    plan += [("code", c) for c in full] + [("code_prefix", c) for c in prefixes]
    rng.shuffle(plan)
    return plan


# --- The three ways to search -------------------------------------------------------------


class ApiClient:
    """GET /api/v1/catalog/items over one keep-alive HTTP connection (or the test client)."""

    def __init__(self, port: int | None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60) if port else None
        if port is None:
            from django.test import Client

            self.client = Client()

    def search(self, q: str) -> int:
        path = "/api/v1/catalog/items?" + urllib.parse.urlencode({"q": q})
        if self.conn is None:
            response = self.client.get(path)
            status, body = response.status_code, response.content
        else:
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
            except (http.client.HTTPException, OSError):
                self.conn.close()  # the server closed an idle connection: one retry
                self.conn.request("GET", path)
                response = self.conn.getresponse()
            status, body = response.status, response.read()
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {body[:300]!r}")
        return json.loads(body)["count"]


def orm_search(q: str) -> int:
    from tongban.catalog.queries import SearchFilters, search_items

    total, _page = search_items(SearchFilters(q=q))
    return total


def naive_search(q: str) -> int:
    """The same work without the index: a substring scan of names, count + first page."""
    from tongban.catalog.models import ImplementationItem

    qs = ImplementationItem.objects.filter(is_current=True, name__icontains=q)
    total = qs.count()
    list(qs.select_related("department", "region").order_by("-popularity", "code")[:20])
    return total


# --- The server ---------------------------------------------------------------------------


def start_server(kind: str, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongban.settings", "DEBUG": "false"}
    if kind == "granian":
        granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or shutil.which("granian")
        if not granian:
            sys.exit("granian is not installed; use --server runserver or --server client")
        cmd = [
            granian,
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "1",
            "--no-ws",
            "tongban.wsgi:application",
        ]
    else:
        cmd = [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{port}",
        ]
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/catalog/items?q=%E7%A4%BE%E4%BF%9D")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    sys.exit(f"the server did not answer within 60 s; see {log_path}")


# --- Measuring ----------------------------------------------------------------------------


def run(plan: list[tuple[str, str]], api: ApiClient, rng: random.Random) -> list[dict]:
    searchers = {"api": api.search, "orm": orm_search, "naive": naive_search}
    # Warm up: every distinct query once through the index, the naive scan once (the table).
    for q in sorted({q for _, q in plan}):
        api.search(q)
        orm_search(q)
    naive_search(plan[0][1])
    rows = []
    started = time.monotonic()
    for i, (category, q) in enumerate(plan, start=1):
        row = {"category": category, "q": q}
        for mode in rng.sample(MODES, len(MODES)):  # interleaved, in random order
            t = time.perf_counter()
            count = searchers[mode](q)
            row[mode + "_ms"] = (time.perf_counter() - t) * 1000
            row[mode + "_count"] = count
        if row["api_count"] != row["orm_count"]:
            raise RuntimeError(f"api and orm disagree on {q!r}: {row['api_count']} != {row['orm_count']}")
        rows.append(row)
        if i % 25 == 0 or i == len(plan):
            print(f"  {i}/{len(plan)} searches ({time.monotonic() - started:.0f}s)", flush=True)
    return rows


def tabulate(rows: list[dict]) -> dict:
    out = {}
    for category in ("word", "multi", "code", "code_prefix", "all"):
        sel = [r for r in rows if category in ("all", r["category"])]
        if not sel:
            continue
        stats = {mode: summary([r[mode + "_ms"] for r in sel]) for mode in MODES}
        stats["naive_over_api"] = {
            k: round(stats["naive"][k] / stats["api"][k], 1) for k in ("p50", "p95", "p99")
        }
        stats["naive_over_orm"] = {
            k: round(stats["naive"][k] / stats["orm"][k], 1) for k in ("p50", "p95", "p99")
        }
        stats["matches_p50"] = percentile([r["orm_count"] for r in sel], 50)
        stats["matches_max"] = max(r["orm_count"] for r in sel)
        out[category] = stats
    return out


def print_table(stats: dict) -> None:
    head = (
        f"{'queries':<12}{'n':>4} | {'api p50':>8}{'p95':>8}{'p99':>8} | {'orm p50':>8}{'p95':>8}{'p99':>8}"
        f" | {'naive p50':>9}{'p95':>8}{'p99':>8} | {'naive/api p50':>13}{'p95':>6} | {'matches p50/max':>16}"
    )
    print(head)
    print("-" * len(head))
    for category, s in stats.items():
        a, o, n, r = s["api"], s["orm"], s["naive"], s["naive_over_api"]
        print(
            f"{category:<12}{a['n']:>4} | {a['p50']:>8.1f}{a['p95']:>8.1f}{a['p99']:>8.1f} | "
            f"{o['p50']:>8.1f}{o['p95']:>8.1f}{o['p99']:>8.1f} | {n['p50']:>9.1f}{n['p95']:>8.1f}{n['p99']:>8.1f} | "
            f"{r['p50']:>12.1f}x{r['p95']:>5.1f}x | {s['matches_p50']:>8,}/{s['matches_max']:,}"
        )
    print(
        "(milliseconds; api = HTTP through granian, orm = search_items in-process, naive = name__icontains scan)"
    )


def explain_slowest(rows: list[dict], n: int) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) the SQL that search_items runs for the slowest searches."""

    by_q: dict[str, list[float]] = {}
    for r in rows:
        by_q.setdefault(r["q"], []).append(r["api_ms"])
    slowest = sorted(by_q, key=lambda q: -percentile(by_q[q], 50))[:n]
    plans = []
    for q in slowest:
        for sql, plan in explain_captured(lambda q=q: orm_search(q), "catalog_"):
            plans.append({"q": q, "api_p50_ms": round(percentile(by_q[q], 50), 1), "sql": sql, "plan": plan})
    return plans


def main() -> None:
    run_main(parse_args, run_bench, "tongban_bench")


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    t = time.perf_counter()
    load = load_catalogue(args.items, args.seed)
    load_seconds = time.perf_counter() - t
    print("VACUUM ANALYZE ...", flush=True)
    vacuum_seconds = vacuum_analyze()
    facts = database_facts()
    print(
        f"database {db_name}: {facts['items']:,} current items, table {facts['table_size']}, "
        f"indexes {facts['indexes_size']}; search table {facts['search_table_size']} (GIN {facts['gin_size']}); "
        f"vacuum+analyze {vacuum_seconds:.0f}s"
    )

    rng = random.Random(args.seed)
    plan = build_plan(rng, args.queries)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    server = None
    port = None
    if args.server != "client":
        server, port = start_server(args.server, out_path.with_name("catalog_search_server.log"))
        print(f"{args.server} serving on 127.0.0.1:{port} (pid {server.pid})")
    load_before = os.getloadavg()
    try:
        rows = run(plan, ApiClient(port), rng)
    finally:
        if server is not None:
            stop_server(server)
    load_after = os.getloadavg()

    stats = tabulate(rows)
    print()
    print_table(stats)
    verdict = "meets" if stats["all"]["api"]["p95"] <= TARGET_P95_MS else "MISSES"
    print(f"api p95 {stats['all']['api']['p95']:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")
    plans = explain_slowest(rows, args.explain) if args.explain else []
    for p in plans:
        print(f"\n--- EXPLAIN ANALYZE for {p['q']!r} (api p50 {p['api_p50_ms']} ms)\n{p['sql']}\n{p['plan']}")

    per_query: dict[str, dict] = {}
    for r in rows:
        e = per_query.setdefault(
            r["q"],
            {
                "category": r["category"],
                "matches": r["orm_count"],
                "naive_matches": r["naive_count"],
                "api_ms": [],
                "naive_ms": [],
            },
        )
        e["api_ms"].append(round(r["api_ms"], 2))
        e["naive_ms"].append(round(r["naive_ms"], 2))
    report = {
        **report_head("catalog_search", started, load_before, load_after),
        "server": args.server,
        "server_pids": [server.pid] if server is not None else [],  # stopped: the smoke run checks
        "database": facts,
        "load": load,
        "load_seconds": round(load_seconds, 1),
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
        "target_p95_ms": TARGET_P95_MS,
        "results": stats,
        "queries": per_query,
        "explain": plans,
    }
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
