"""One process, no network: what a 核查比对 costs inside Django, the gateway against the bare view,
on a database bench/exchange.py built (its grant on RK-002 and its people).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_exchange REDIS_URL=redis://127.0.0.1:<port>/0 \\
        .venv/bin/python bench/exchange_profile.py [--calls 3000] [--profile gateway|bare|nolog] [--top 40]

A bench tool, not a test. The requests go through Django's WSGI handler (the product's middleware,
bench/bench_exchange_urls.py) with a WSGI environ as granian would give, one after another in this
process: the figures are CPU and round trips of one request, without the server, the client or
the other requests' contention. Prints microseconds per request for `gateway`, `nolog` and `bare`
(interleaved in blocks of 100, so the machine's noise falls on all three alike) and, with
`--profile`, a cProfile of one load sorted by own time and by cumulative time. For callgrind:
`valgrind --tool=callgrind .venv/bin/python bench/exchange_profile.py --calls 300 --only gateway`.

The access token is a new one of the bench grant's client (written to the database, scope `api`,
an hour), so the bench's own tokens are untouched.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_exchange_settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault(
    "CONN_MAX_AGE", "3600"
)  # one PostgreSQL backend for the run: its CPU is read from /proc

import exchange_people as people  # noqa: E402 - beside this script

SERVICE = "RK-002"
LOADS = ("gateway", "nolog", "bare")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=3000, help="requests per load")
    p.add_argument("--only", choices=LOADS, help="run this load only")
    p.add_argument("--profile", choices=LOADS, help="cProfile this load")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--size", type=int, default=0, help="people in the database (default: its marker)")
    return p.parse_args()


def bench_grant() -> tuple[str, int]:
    """The newest grant on RK-002 (bench/exchange.py's): its client id and department."""
    from tongban.exchange.models import Grant

    grant = Grant.objects.filter(code=SERVICE, state="active").order_by("-pk").first()
    if grant is None:
        sys.exit("no active grant on RK-002: run bench/exchange.py on this database first")
    return grant.client_id, grant.department_id


def new_token(client_id: str) -> str:
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    app = get_application_model().objects.get(client_id=client_id)
    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        application=app, token=token, scope="api", expires=timezone.now() + dt.timedelta(hours=1)
    )
    return token


def people_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        return int(people.marker(cur).get("size") or people.marker(cur).get("people") or 1000)


def _clocks() -> tuple[float, float, float, float]:
    """Wall time, this process's CPU, its PostgreSQL backend's CPU (from /proc: the database runs
    on this machine) and the Redis server's CPU, in seconds."""
    from django.conf import settings
    from django.db import connection

    if not hasattr(_clocks, "backend"):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            _clocks.backend = cur.fetchone()[0]
        import redis

        _clocks.redis = redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None
    fields = Path(f"/proc/{_clocks.backend}/stat").read_text().rsplit(")", 1)[1].split()
    pg = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rd = 0.0
    if _clocks.redis is not None:
        info = _clocks.redis.info("cpu")
        rd = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return time.perf_counter(), time.process_time(), pg, rd


def environ(path: str, body: bytes, token: str) -> dict:
    env = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return env


def requests_for(kind: str, size: int, n: int, token: str) -> list[tuple[str, bytes, str]]:
    rng = random.Random(f"profile:{kind}")
    path = {
        "gateway": f"/exchange/v1/services/{SERVICE}/query",
        "nolog": f"/bench/exchange/nolog/{SERVICE}/query",
        "bare": "/bench/exchange/verify/",
    }[kind]
    out = []
    for i in range(n):
        pid, name = people.person(rng.randrange(size))
        body = {
            "purpose": "verification",
            "case_number": f"420103-2026-{i:06d}",
            "subject": pid,
            "fields": ["match"],
            "params": {"name": name},
        }
        out.append((path, json.dumps(body, ensure_ascii=False).encode(), "" if kind == "bare" else token))
    return out


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    client_id, _ = bench_grant()
    token = new_token(client_id)
    size = args.size or people_count()
    loads = [args.only] if args.only else list(LOADS)
    reqs = {kind: requests_for(kind, size, args.calls, token) for kind in loads}

    def one(path: str, body: bytes, tok: str) -> None:
        status = []
        chunks = handler(environ(path, body, tok), lambda s, h, *a: status.append(s))
        b"".join(chunks)
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}: {b''.join(chunks)[:300]!r}")

    for kind in loads:  # warm-up: imports, connections, caches
        for r in reqs[kind][:50]:
            one(*r)
    spent = {kind: [0.0, 0.0, 0.0, 0.0] for kind in loads}  # wall, this process, PostgreSQL, Redis
    block = 100
    for start in range(0, args.calls, block):
        for kind in loads:
            before = _clocks()
            for r in reqs[kind][start : start + block]:
                one(*r)
            for i, (a, b) in enumerate(zip(before, _clocks(), strict=True)):
                spent[kind][i] += b - a
    print(
        f"{args.calls} requests per load, {size:,} people, in process (no server, no network); "
        "microseconds a request:"
    )
    print(f"  {'load':<8}{'wall':>8}{'CPU':>8}{'python':>8}{'pg':>8}{'redis':>8}   CPU vs bare")
    for kind in loads:
        wall, py, pg, rd = (x / args.calls * 1e6 for x in spent[kind])
        cpu = py + pg + rd
        ratio = ""
        if "bare" in spent and kind != "bare":
            bare_cpu = sum(spent["bare"][1:]) / args.calls * 1e6
            ratio = f"   {bare_cpu / cpu:.2f}x bare's rate"
        print(f"  {kind:<8}{wall:8.0f}{cpu:8.0f}{py:8.0f}{pg:8.0f}{rd:8.0f}{ratio}")
    print("  (CPU = this process + its PostgreSQL backend + the Redis server; the WAL writer and the")
    print("   kernel's network work are not in it; PostgreSQL's share has the resolution of a clock tick)")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for r in reqs[args.profile]:
            one(*r)
        prof.disable()
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(key).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
