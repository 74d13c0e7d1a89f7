"""What the benchmarks share: their own PostgreSQL database, a free loopback port, stopping a
server, nearest-rank percentiles, the report's common head. Imported by the scripts beside it (run as bench/<name>.py)."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path


def prepare_database(url: str, *, reuse: bool = False) -> str:
    """Drop and create the bench database named in `url` (or keep it with `reuse`); returns its
    name. Refuses anything but PostgreSQL, and any name without "bench" in it."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://user@host:port/tongban_bench...)")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            print(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


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
