"""What the benchmarks share: their own PostgreSQL database, the smoke mode, a free loopback port,
stopping a server, nearest-rank percentiles, the report's common head. Imported by the scripts
beside it (run as bench/<name>.py)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE_DIR = ROOT / "var" / "bench" / "smoke"
# A migrated database the smoke run (bench/test_smoke.py) makes once: each bench's database is
# created as a copy of it instead of running every migration again.
TEMPLATE_ENV = "BENCH_TEMPLATE_DATABASE"


def _bench_name(url: str) -> tuple[urllib.parse.SplitResult, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://user@host:port/tongban_bench...)")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    return parts, name


def _admin(parts: urllib.parse.SplitResult):
    import psycopg

    return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)


def prepare_database(url: str, *, reuse: bool = False) -> str:
    """Drop and create the bench database named in `url` (or keep it with `reuse`); returns its
    name. Refuses anything but PostgreSQL, and any name without "bench" in it. With
    BENCH_TEMPLATE_DATABASE set, a new database is a copy of that (migrated) one."""
    parts, name = _bench_name(url)
    template = os.environ.get(TEMPLATE_ENV, "")
    with _admin(parts) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            print(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {name}" + (f" from {template}" if template else ""))
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(url: str) -> None:
    """Drop the bench database named in `url` (this process's connections closed first)."""
    parts, name = _bench_name(url)
    with contextlib.suppress(Exception):  # Django not set up yet: nothing of ours is open
        from django.db import connections

        connections.close_all()
    with _admin(parts) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"dropped database {name}")


@contextlib.contextmanager
def bench_database(url: str, *, reuse: bool = False, smoke: bool = False) -> Iterator[str]:
    """The bench's database for the length of the run; a smoke run drops it at the end, whether
    the bench finished or failed."""
    name = prepare_database(url, reuse=reuse)
    try:
        yield name
    finally:
        if smoke:
            drop_database(url)


@contextlib.contextmanager
def scratch_media() -> Iterator[Path]:
    """Uploaded files of the bench's cases go to a temporary MEDIA_ROOT (the product's settings
    read it from the environment, so spawned workers and servers use it too), removed at the end."""
    media = Path(tempfile.mkdtemp(prefix="tongban-bench-media-"))
    os.environ["MEDIA_ROOT"] = str(media)
    try:
        yield media
    finally:
        shutil.rmtree(media, ignore_errors=True)


def add_smoke_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes and a second or two of load, report under var/bench/smoke/, database dropped "
        "at the end: proves the bench still runs against the current schema and services (CI); "
        "its figures mean nothing",
    )


def parse_args_with_smoke(
    parser: argparse.ArgumentParser, tiny: dict, argv: list[str] | None = None
) -> argparse.Namespace:
    """Parse the command line; with --smoke the defaults become `tiny` (options given explicitly
    still win)."""
    add_smoke_option(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**tiny)
        args = parser.parse_args(argv)
        print("smoke run: tiny sizes, a second or two of load; the figures below mean nothing")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2),
        "mean": round(sum(values) / len(values), 2),
    }


def summarise_runs(runs: list[dict]) -> dict:
    """Requests, rate (overall and per round) and latency percentiles of one load's rounds, each
    {"requests", "seconds", "latencies_ms"}."""
    lat = [x for r in runs for x in r["latencies_ms"]]
    n = sum(r["requests"] for r in runs)
    secs = sum(r["seconds"] for r in runs)
    per_round = sorted(r["requests"] / r["seconds"] for r in runs)
    return {
        "requests": n,
        "seconds": round(secs, 2),
        "rps": round(n / secs, 1),
        "rps_round_min": round(per_round[0], 1),
        "rps_round_max": round(per_round[-1], 1),
        "p50_ms": round(percentile(lat, 50), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "max_ms": round(max(lat), 2),
    }


def report_head(name: str, started: dt.datetime, load_before, load_after) -> dict:
    """What every report starts with: the benchmark, when, the command and the machine."""
    return {
        "benchmark": name,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
    }


def vacuum_analyze(*tables: str) -> float:
    """VACUUM (ANALYZE) the named tables (every table when none is named); the seconds taken."""
    import time

    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        for table in tables or ("",):
            cur.execute(f"VACUUM (ANALYZE) {table}".rstrip())
    return time.perf_counter() - t


def explain_captured(run, marker: str) -> list[tuple[str, str]]:
    """(sql, EXPLAIN (ANALYZE, BUFFERS) plan) of each SELECT that `run()` sends and that names
    `marker` (a table name prefix): the planner's own estimates and lookups of other tables are
    left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    out = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or marker not in sql:
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            out.append((sql, "\n".join(line for (line,) in cur.fetchall())))
    return out


def run_main(parse_args, run_bench, example_db: str) -> None:
    """The common `main()`: parse, require DATABASE_URL (naming an example), run `run_bench(args,
    db_name, started)` on the bench's own database."""
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(f"set DATABASE_URL=postgres://postgres@127.0.0.1:5432/{example_db}")
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name:
        run_bench(args, db_name, started)
