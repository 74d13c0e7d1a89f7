"""核查比对 through the data-sharing gateway under load: checks per second with every call logged and
rate-limited, against a bare view, at 10⁵ and 10⁷ people in 人口库, and the batch endpoint.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_exchange \\
        .venv/bin/python bench/exchange.py [--size 10000000] [--small 100000] [--rounds 4] [--seconds 3]

A benchmark, not a test (issue 12, "Performance"). Two PostgreSQL databases: the one named in
DATABASE_URL (its name must contain "bench") holds `--size` people, `<name>_small` holds
`--small`; both are kept between runs and their people reused when a marker says they are there
(bench/exchange_people.py: 10⁷ rows generated in worker processes — blind index and SM4-GCM
ciphertext through the product's own functions — and COPY-ed with the indexes built after).
`--fresh` re-creates both. In each database, through the product's services (`grant_world`):
the departments and their administrators, the six registers catalogued and mounted
(`exchange.registers.ensure_registers`), a calling system (an OIDC client_credentials client of
the requesting department), its request for 人口库's 核查比对 (RK-002) submitted and approved into a
grant with a rate limit (`exchange.grants`); the bearer token comes from the real token endpoint
(`POST /o/token/`).

Then a redis-server (the rate limits' shared counters, `REDIS_URL`) and one granian per database
(WSGI, `--workers` processes, the product's settings plus the bench-only baseline view,
bench/bench_exchange_urls.py), and in `--rounds` rounds, in a shuffled order so the noise of a
shared machine falls on every load alike, for `--seconds` each over `--connections` keep-alive
connections (bench/exchange_load.py: one thread, `selectors`, every answer checked):

- `gateway`: POST /exchange/v1/services/RK-002/query, bearer token, name + ID number → match
  (a tenth of the names wrong: match false), through token → grant → fields → purpose → rate →
  expiry, the call logged (hash-chained call log);
- `nolog` (at the large size): the same gateway view with the call log's insert replaced by
  nothing (bench-only, bench_exchange_urls.py): what the log costs;
- `bare`: POST /bench/exchange/verify/ with the same body: blind index, one indexed lookup,
  `{"match": ...}` — no token, no grant, no log;
- `batch` (at the large size): POST /exchange/v1/services/RK-002/batch with `--batch` checks a
  request; its rate counts checks, not requests.

The call log must gain exactly one row per check answered (checked per database). Prints
checks/s, p50/p95/p99, gateway/bare, the gateway's latency at 10⁵ vs 10⁷ and the headroom over a
100× peak of Hubei's 17万 checks a day (2/s on average → 200/s); writes var/bench/exchange.json.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import exchange_load as load  # noqa: E402 - beside this script
import exchange_people as people  # noqa: E402
from benchlib import (  # noqa: E402
    SMOKE_DIR,
    drop_database,
    free_port,
    parse_args_with_smoke,
    percentile,
    prepare_database,
    report_head,
    stop_server,
)

os.environ["DJANGO_SETTINGS_MODULE"] = "tongban.settings"

SERVICE = "RK-002"  # 人口库 核查比对 (population.verify)
PURPOSE = "verification"
TARGET_RPS = 2000.0
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.85
PEAK_RPS = 170_000 / 86_400 * 100  # Hubei's 17万 a day, 100 times over: about 197/s
ACTOR = "system:bench"
LOADS = ("gateway", "nolog", "bare", "batch")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=10_000_000, help="people in the large database")
    p.add_argument("--small", type=int, default=100_000, help="people in the small database (flatness)")
    p.add_argument("--seconds", type=float, default=3.0, help="duration of one load in one round")
    p.add_argument("--rounds", type=int, default=4, help="rounds (each runs every load at every size once)")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes per server")
    p.add_argument("--batch", type=int, default=50, help="checks per batch request")
    p.add_argument("--processes", type=int, default=2, help="processes generating the people")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--fresh", action="store_true", help="re-create both databases (no reuse)")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "exchange.json"))
    tiny = {
        "size": 300,
        "small": 100,
        "seconds": 0.5,
        "rounds": 1,
        "connections": 2,
        "workers": 1,
        "batch": 5,
        "processes": 1,
        "out": str(SMOKE_DIR / "exchange.json"),
    }
    return parse_args_with_smoke(p, tiny)


def small_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(path=parts.path + "_small").geturl()


def db_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def use_database(url: str) -> None:
    """Point this process's Django connection at the database of `url`."""
    from django.db import connection, connections

    connections.close_all()
    connection.settings_dict["NAME"] = db_name(url)


def gateway_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("tongban.exchange.gateway") is not None


# --- The world ----------------------------------------------------------------------------


def build_world(url: str, args, say=print) -> dict:
    """Migrations, the people (reused by marker), and — when the gateway is in this checkout —
    the departments, registers, calling system and its grant on RK-002."""
    from django.core.management import call_command

    use_database(url)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    size = args.size if url == os.environ["DATABASE_URL"] else args.small
    facts = people.ensure_people(url, size, processes=args.processes, say=say)
    world: dict = {"url": url, "people": facts}
    if gateway_available():
        world |= grant_world(args.seed)
        world["sealed_before"] = seal_all(say)
    world["seconds"] = round(time.perf_counter() - t, 1)
    return world


def seal_all(say=print) -> int:
    """Seal the call log up to date before the loads (rows of earlier runs' last second, or the
    whole log once after the chain moved to its own table), so that no load pays for a backlog."""
    from tongban.exchange import calllog

    t = time.perf_counter()
    sealed = 0
    while n := calllog.seal():
        sealed += n
    if sealed:
        say(f"call log: {sealed} rows of earlier runs sealed in {time.perf_counter() - t:.1f} s")
    return sealed


RATE_LIMIT = "600000/1m"  # 10,000 a second: every call counted in Redis, none refused by it here


def grant_world(seed: int) -> dict:
    """Through the services: regions, the provider (湖北省公安厅) and the requesting department
    (江汉区市场监管局) with a department administrator each, the six registers catalogued and
    mounted (`registers.ensure_registers`, idempotent: nothing written on a kept database), a new
    client_credentials system of the requester, its request for RK-002's `match` for purpose
    "verification" (`grants.do_submit_request`) and the provider's approval with the rate limit
    RATE_LIMIT (`grants.do_approve_request`): the grant the loads call with. A kept database
    gets a new system and grant each run; the old ones stay, unused."""
    import random as _random

    from django.test import override_settings
    from django.utils import timezone

    from tongban.accounts import clients
    from tongban.accounts import services as account_services
    from tongban.accounts.enums import StaffRole
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code
    from tongban.exchange import grants, registers
    from tongban.exchange.enums import BaseRegister

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=ACTOR)

    def dept(name: str, region: str):
        return core_services.do_upsert_department(
            actor=ACTOR,
            name=name,
            credit_code=make_credit_code(_random.Random(f"bench-exchange:{name}"), region=region, kind="11"),
            region_code=region,
            kind="bureau",
        )

    def admin(username: str, department):
        # Their passwords play no part here: hashed cheaply so the world takes seconds.
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            return account_services.do_upsert_staff(
                actor=ACTOR,
                username=username,
                password=secrets.token_urlsafe(24),
                display_name=username,
                roles=[StaffRole.DEPARTMENT_ADMIN],
                department_id=department.pk,
            )

    provider = dept("湖北省公安厅", "420000")
    requester = dept("武汉市江汉区市场监督管理局", "420103")
    provider_admin = admin("bench-exchange-provider", provider)
    requester_admin = admin("bench-exchange-requester", requester)
    registers.ensure_registers(actor=ACTOR, providers=dict.fromkeys(BaseRegister.values, provider))
    system = clients.do_register_client(
        actor=ACTOR,
        name=f"江汉区市场监管业务系统（压测 {seed}）",
        department_id=requester.pk,
        grant_types=("client_credentials",),
        allowed_scopes=("api",),
    )
    client_id = system.client.client_id
    request = grants.do_submit_request(
        actor=requester_admin,
        data=grants.RequestInput(
            code=SERVICE,
            client_id=client_id,
            fields=["match"],
            purpose="企业开办经办人身份核验（压测）",
            purpose_codes=["verification"],
            legal_basis="《政务信息资源共享管理暂行办法》",
            serves=["BENCH-0001"],
            valid_until=timezone.localdate() + dt.timedelta(days=365),
            expected_daily_calls=170000,
        ),
    )
    grant = grants.do_approve_request(actor=provider_admin, pk=request.pk, rate_limit=RATE_LIMIT)
    return {"client_id": client_id, "client_secret": system.secret, "grant_id": grant.pk}


def fetch_token(port: int, world: dict) -> str:
    """A client_credentials token from the product's token endpoint."""
    basic = base64.b64encode(f"{world['client_id']}:{world['client_secret']}".encode()).decode()
    body = b"grant_type=client_credentials"
    raw = (
        f"POST /o/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {basic}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, answer = load.once(port, raw)
    if status != 200:
        raise RuntimeError(f"/o/token/: HTTP {status}: {answer[:300]!r}")
    return json.loads(answer)["access_token"]


def call_log_rows() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM exchange_calllog")
        return cur.fetchone()[0]


# --- Requests -----------------------------------------------------------------------------


def subjects(size: int, n: int, seed: int) -> list[tuple[str, str, bool]]:
    """n (ID number, name asked, expected match) over people 0..size-1; a tenth with a wrong name."""
    rng = random.Random(f"{seed}:{size}")
    out = []
    for _ in range(n):
        pid, name = people.person(rng.randrange(size))
        if rng.random() < 0.1:
            out.append((pid, name[::-1] + "某", False))
        else:
            out.append((pid, name, True))
    return out


def _match_check(expected: bool):
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return "not 200"
        doc = json.loads(body)
        fields = doc.get("fields", doc)
        return None if fields.get("match") is expected else f"expected match {expected}"

    return check


def _batch_check(expected: list[bool]):
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return "not 200"
        doc = json.loads(body)
        got = [item.get("fields", {}).get("match") for item in doc.get("results", [])]
        return None if got == expected else f"expected {expected}, got {got}"

    return check


def query_body(pid: str, name: str, i: int) -> dict:
    return {
        "purpose": PURPOSE,
        "case_number": f"420103-2026-{i:06d}",
        "subject": pid,
        "fields": ["match"],
        "params": {"name": name},
    }


def requests_for(kind: str, size: int, args, token: str) -> list:
    subs = subjects(size, 4000, args.seed)
    if kind == "bare":
        return [
            (load.post("/bench/exchange/verify/", json.dumps(query_body(p, n, i), ensure_ascii=False).encode()),
             _match_check(m))
            for i, (p, n, m) in enumerate(subs)
        ]  # fmt: skip
    if kind in ("gateway", "nolog"):
        path = (
            f"/exchange/v1/services/{SERVICE}/query"
            if kind == "gateway"
            else f"/bench/exchange/nolog/{SERVICE}/query"
        )
        return [
            (load.post(path, json.dumps(query_body(p, n, i), ensure_ascii=False).encode(), token=token),
             _match_check(m))
            for i, (p, n, m) in enumerate(subs)
        ]  # fmt: skip
    path = f"/exchange/v1/services/{SERVICE}/batch"
    out = []
    for start in range(0, len(subs) - args.batch + 1, args.batch):
        chunk = subs[start : start + args.batch]
        body = {
            "purpose": PURPOSE,
            "case_number": f"420103-2026-{start:06d}",
            "fields": ["match"],
            "queries": [{"subject": p, "params": {"name": n}} for p, n, _ in chunk],
        }
        out.append(
            (load.post(path, json.dumps(body, ensure_ascii=False).encode(), token=token),
             _batch_check([m for _, _, m in chunk]))
        )  # fmt: skip
    return out


# --- Servers ------------------------------------------------------------------------------


def start_redis(log_path: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server")
    if not exe:
        sys.exit("redis-server is not installed: the gateway's rate limits are shared through Redis")
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port).ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    stop_server(proc)
    sys.exit("redis-server did not start")


def start_server(url: str, redis_url: str, workers: int, log_path: Path) -> tuple[subprocess.Popen, int]:
    """granian (WSGI, `workers` processes, one blocking thread each: the production server, see
    docs) serving the product plus the bench view on the database of `url`."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "bench_exchange_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DEBUG": "false",
        "OIDC_ISSUER": f"http://127.0.0.1:{port}",
    }
    granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or shutil.which("granian")
    if not granian:
        sys.exit("granian is not installed")
    cmd = [
        granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--blocking-threads", "1", "--no-ws", "tongban.wsgi:application",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}; see {log_path}")
        try:
            status, _ = load.once(port, b"GET /bench/exchange/ping/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    sys.exit(f"the server did not answer within 60 s; see {log_path}")


# --- Measuring ----------------------------------------------------------------------------


def summarise(runs: list[dict], per_request: int = 1) -> dict:
    lat = [x for r in runs for x in r["latencies_ms"]]
    n = sum(r["requests"] for r in runs)
    secs = sum(r["seconds"] for r in runs)
    per_round = sorted(r["requests"] * per_request / r["seconds"] for r in runs)
    return {
        "requests": n,
        "checks": n * per_request,
        "seconds": round(secs, 2),
        "checks_per_s": round(n * per_request / secs, 1),
        "round_min": round(per_round[0], 1),
        "round_max": round(per_round[-1], 1),
        "p50_ms": round(percentile(lat, 50), 2),
        "p95_ms": round(percentile(lat, 95), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "max_ms": round(max(lat), 2),
        # the load generator's own CPU (same machine): a share of one core while it ran
        "client_cpu_share": round(sum(r.get("client_cpu_seconds", 0.0) for r in runs) / secs, 3),
    }


def run_bench(args, urls: dict[str, str], started: dt.datetime, out_path: Path) -> dict:
    import django

    django.setup()
    sizes = {"large": args.size, "small": args.small}
    worlds = {label: build_world(urls[label], args) for label in ("small", "large")}
    with_gateway = gateway_available()
    loads = {"small": ["bare"], "large": ["bare"]}
    if with_gateway:
        loads = {"small": ["gateway", "bare"], "large": ["gateway", "nolog", "bare", "batch"]}
    else:
        print("the gateway (tongban/exchange/gateway.py) is not in this checkout: bare view only")
    redis_proc, redis_url = start_redis(out_path.with_name("exchange_redis.log"))
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    samples: dict[tuple[str, str], list[dict]] = {}
    log_before: dict[str, int] = {}
    answered: dict[str, int] = {}
    gateway_checks = [0]  # every check through the gateway's checks (with or without the log)
    redis_commands: dict = {"round_trips": 0, "scripts": 0, "in_scripts": 0}
    load_before = os.getloadavg()
    try:
        for db, label in enumerate(("small", "large")):  # a Redis database each: grant ids may repeat
            servers[label] = start_server(
                urls[label],
                redis_url.rsplit("/", 1)[0] + f"/{db}",
                args.workers,
                out_path.with_name(f"exchange_server_{label}.log"),
            )
        ports = ", ".join(f"{label} on :{port}" for label, (_, port) in servers.items())
        print(
            f"redis {redis_url}; granian --workers {args.workers} per database ({ports}); "
            f"{args.connections} connections, {args.rounds} rounds x {args.seconds:.1f}s per load"
        )
        reqs: dict[tuple[str, str], list] = {}
        for label in ("small", "large"):
            port = servers[label][1]
            token = fetch_token(port, worlds[label]) if with_gateway else ""
            for kind in loads[label]:
                reqs[(label, kind)] = requests_for(kind, sizes[label], args, token)
            use_database(urls[label])
            if with_gateway:
                log_before[label] = call_log_rows()
            answered[label] = 0
        plan = [(label, kind) for label in ("small", "large") for kind in loads[label]]
        per_request = {key: (args.batch if key[1] == "batch" else 1) for key in plan}
        for key in plan:  # warm-up: imports, connections, caches, the index pages
            r = load.run(servers[key[0]][1], reqs[key], seconds=1.0, connections=args.connections)
            answered[key[0]] += _in_log(key, r, per_request)
            gateway_checks[0] += 0 if key[1] == "bare" else r["requests"] * per_request[key]
        samples = {key: [] for key in plan}
        rng = random.Random(args.seed)
        for i in range(1, args.rounds + 1):
            line = []
            for key in rng.sample(plan, len(plan)):
                r = load.run(
                    servers[key[0]][1], reqs[key], seconds=args.seconds, connections=args.connections
                )
                samples[key].append(r)
                answered[key[0]] += _in_log(key, r, per_request)
                gateway_checks[0] += 0 if key[1] == "bare" else r["requests"] * per_request[key]
                line.append(
                    f"{key[1]}@{sizes[key[0]]:.0e} {r['requests'] * per_request[key] / r['seconds']:.0f}/s"
                )
            print(f"  round {i}/{args.rounds}: " + ", ".join(line), flush=True)
        redis_commands = _redis_commands(redis_url)
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
        stop_server(redis_proc)
    load_after = os.getloadavg()
    results: dict = {}
    for (label, kind), runs in samples.items():
        results.setdefault(label, {"people": sizes[label]})[kind] = summarise(
            runs, per_request[(label, kind)]
        )
    for label in results:
        bare = results[label]["bare"]["checks_per_s"]
        for kind in ("gateway", "nolog", "batch"):
            if kind in results[label]:
                results[label][kind]["over_bare"] = round(results[label][kind]["checks_per_s"] / bare, 3)
                # each round's ratio (the two loads ran seconds apart, under the same noise), median
                rates = [
                    (r["requests"] * per_request[(label, kind)] / r["seconds"])
                    / (b["requests"] / b["seconds"])
                    for r, b in zip(samples[(label, kind)], samples[(label, "bare")], strict=True)
                ]
                results[label][kind]["over_bare_rounds"] = [round(x, 3) for x in rates]
                results[label][kind]["over_bare_median"] = round(statistics.median(rates), 3)
        if with_gateway:
            use_database(urls[label])
            rows = call_log_rows() - log_before[label]
            results[label]["call_log"] = {"checks_answered": answered[label], "rows_written": rows}
    report = {
        **report_head("exchange", started, load_before, load_after),
        "server": {"granian_workers": args.workers, "connections": args.connections, "redis": True},
        "server_pids": [proc.pid for proc, _ in servers.values()] + [redis_proc.pid],
        "rounds": args.rounds,
        "seconds_per_load": args.seconds,
        "batch": args.batch,
        "gateway": with_gateway,
        "redis": {
            **redis_commands,
            "gateway_checks": gateway_checks[0],
            "round_trips_per_check": (
                round(redis_commands["round_trips"] / gateway_checks[0], 2) if gateway_checks[0] else None
            ),
        },
        "databases": {label: {"name": db_name(urls[label]), **worlds[label]["people"]} for label in worlds},
        "targets": {
            "checks_per_s": TARGET_RPS,
            "p99_ms": TARGET_P99_MS,
            "over_bare": TARGET_RATIO,
            "peak_per_s": round(PEAK_RPS, 1),
        },
        "results": results,
    }
    report["verdict"] = verdict(report)
    print_table(report)
    return report


def _redis_commands(redis_url: str) -> dict:
    """What the Redis server ran (the rate counters and the circuit breaker's reads: the servers'
    only use of it here). Redis counts the commands a Lua script runs as commands of their own:
    `round_trips` counts each script call (EVALSHA/EVAL: core.ratelimit's hit) once and leaves
    out GET/SET/INCRBY/EXPIRE, which the hit script runs inside (`in_scripts`; the breaker's rare
    GETs fall there too)."""
    import redis

    stats = redis.Redis.from_url(redis_url).info("commandstats")
    calls = {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}
    ignored = ("info", "ping", "script")
    inside = ("get", "set", "incr", "incrby", "expire")
    scripts = calls.get("evalsha", 0) + calls.get("eval", 0)
    in_scripts = sum(calls.get(k, 0) for k in inside)
    round_trips = sum(v for k, v in calls.items() if k not in ignored and k not in inside)  # scripts too
    return {"round_trips": round_trips, "scripts": scripts, "in_scripts": in_scripts, "calls": calls}


def _in_log(key: tuple[str, str], r: dict, per_request: dict) -> int:
    """Checks the call log should hold for a load's run: every request answered (the measured
    ones and those before the window) — counted by the client as requests sent and answered."""
    if key[1] in ("bare", "nolog"):
        return 0
    return r["requests"] * per_request[key]


def verdict(report: dict) -> dict:
    res = report["results"]
    out: dict = {}
    if report["gateway"]:
        g = res["large"]["gateway"]
        out["checks_per_s"] = g["checks_per_s"]
        out["p99_ms"] = g["p99_ms"]
        out["over_bare"] = g["over_bare"]
        out["over_bare_median_of_rounds"] = g["over_bare_median"]
        out["meets_rate"] = g["checks_per_s"] >= TARGET_RPS
        out["meets_p99"] = g["p99_ms"] <= TARGET_P99_MS
        out["meets_ratio"] = g["over_bare"] >= TARGET_RATIO
        out["headroom_over_peak"] = round(g["checks_per_s"] / PEAK_RPS, 1)
        s = res["small"]["gateway"]
        out["flat_p50_large_over_small"] = round(g["p50_ms"] / s["p50_ms"], 2)
        out["flat_p99_large_over_small"] = round(g["p99_ms"] / s["p99_ms"], 2)
        if "batch" in res["large"]:
            out["batch_checks_per_s"] = res["large"]["batch"]["checks_per_s"]
        if "nolog" in res["large"]:
            out["gateway_over_nolog"] = round(g["checks_per_s"] / res["large"]["nolog"]["checks_per_s"], 3)
    b = res["large"]["bare"]
    out["bare_checks_per_s"] = b["checks_per_s"]
    out["bare_headroom_over_peak"] = round(b["checks_per_s"] / PEAK_RPS, 1)
    return out


def print_table(report: dict) -> None:
    print()
    head = (
        f"{'people':>12} {'load':<9}{'checks':>9}{'checks/s':>10}{'(rounds)':>13}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'vs bare (median)':>18}"
    )
    print(head)
    print("-" * len(head))
    for label in ("small", "large"):
        stats = report["results"][label]
        for kind in (k for k in LOADS if k in stats):
            s = stats[kind]
            ratio = f"{s['over_bare']:.2f}x ({s['over_bare_median']:.2f}x)" if "over_bare" in s else "1x"
            print(
                f"{stats['people']:>12,} {kind:<9}{s['checks']:>9}{s['checks_per_s']:>10.1f}"
                f"{s['round_min']:>6.0f}-{s['round_max']:<6.0f}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}"
                f"{s['p99_ms']:>9.1f}{ratio:>18}"
            )
        if "call_log" in stats:
            c = stats["call_log"]
            print(f"{'':>12} call log: {c['rows_written']} rows for {c['checks_answered']} checks answered")
    v = report["verdict"]
    shares = [s["client_cpu_share"] for st in report["results"].values() for k, s in st.items() if k in LOADS]
    print(
        f"{'':>12} load generator (one thread, same machine): {min(shares):.0%}-{max(shares):.0%} of a core"
    )
    r = report["redis"]
    if r["round_trips_per_check"] is not None:
        print(
            f"{'':>12} rate counters: {r['round_trips']} Redis round trips ({r['scripts']} hit scripts, "
            f"{r['in_scripts']} GET/SET/INCRBY/EXPIRE inside them; a hit in a lease sends none) for {r['gateway_checks']} gateway checks"
        )
    print("(gateway = POST /exchange/v1/services/RK-002/query with a client-credentials token, logged and")
    print(" rate-limited; nolog = the same gateway view without the call log's insert; bare = the same")
    print(" body to a Django view doing one indexed lookup; batch = /batch,")
    print(f" {report['batch']} checks a request, counted in checks; vs bare: all rounds' checks over all")
    print(" rounds' bare checks, and in brackets the median of each round's own ratio)")
    if report["gateway"]:
        ok = v["meets_rate"] and v["meets_p99"] and v["meets_ratio"]
        print(
            f"gateway at {report['results']['large']['people']:,}: {v['checks_per_s']:.0f} checks/s, p99 "
            f"{v['p99_ms']:.1f} ms, {v['over_bare']:.2f}x bare (round median {v['over_bare_median_of_rounds']:.2f}x): "
            f"{'meets' if ok else 'MISSES'} the target "
            f"(>= {TARGET_RPS:.0f}/s, p99 <= {TARGET_P99_MS:.0f} ms, >= {TARGET_RATIO}x bare); headroom over "
            f"the 100x peak ({PEAK_RPS:.0f}/s): {v['headroom_over_peak']}x; p50/p99 at 10^7 over 10^5: "
            f"{v['flat_p50_large_over_small']}x / {v['flat_p99_large_over_small']}x"
        )
    else:
        print(
            f"bare view: {v['bare_checks_per_s']:.0f} checks/s ({v['bare_headroom_over_peak']}x the 100x peak)"
        )


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_exchange")
    urls = {"large": url, "small": small_url(url)}
    started = dt.datetime.now().astimezone()
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    for u in urls.values():
        prepare_database(u, reuse=not (args.fresh or args.smoke))
    try:
        report = run_bench(args, urls, started, out_path)
    finally:
        if args.smoke:  # a smoke run leaves nothing behind, finished or failed
            for u in urls.values():
                drop_database(u)
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
