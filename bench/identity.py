"""Unified identity under load: token issuance and userinfo per second against a bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_identity \\
        .venv/bin/python bench/identity.py [--seconds 2] [--rounds 8] [--connections 8] [--workers 2]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"), migrates it, and through the product's services registers citizens
(real-name verified against a small population register), a confidential client_credentials
client and an authorization-code client (tongban.accounts.clients.do_register_client), and
issues bearer tokens for the citizens (the toolkit's AccessToken model, as the code flow would).
It then starts granian (WSGI, --workers N) on a free loopback port with the product's settings
plus one bench-only URL (bench/bench_identity_settings.py, bench_identity_urls.py) and, in
rounds, runs three loads in a shuffled order so the noise of a shared machine falls on all alike:

- token:    POST /o/token/ grant_type=client_credentials (HTTP Basic client authentication);
- userinfo: GET /o/userinfo/ with a bearer token (tokens spread over the citizens);
- bare:     GET /bench/bare/<sub>/: a Django view doing one indexed lookup, same middleware.

Each load keeps C keep-alive connections busy (one thread each, a minimal HTTP/1.1 client so the
load generator costs little CPU). Prints requests per second, p50/p99 latency, the ratio
against the bare view, and writes var/bench/identity.json.
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
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    bench_database,
    free_port,
    parse_args_with_smoke,
    report_head,
    stop_server,
    summarise_runs,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

TARGET_USERINFO_RPS = 1000.0
LOADS = ("token", "userinfo", "bare")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="duration of one load in one round")
    p.add_argument("--rounds", type=int, default=8, help="rounds (each runs the three loads once)")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument("--users", type=int, default=50, help="citizens with a bearer token each")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "identity.json"))
    tiny = {
        "seconds": 0.5,
        "rounds": 1,
        "connections": 2,
        "workers": 1,
        "users": 5,
        "out": str(SMOKE_DIR / "identity.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The database -------------------------------------------------------------------------


def populate(n_users: int, seed: int) -> dict:
    """Citizens (L2), two clients and one bearer token per citizen, through the services."""
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    from tongban.accounts import clients, services
    from tongban.core.identifiers import make_resident_id

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    actor = "system:bench"
    # Account passwords play no part here: hash them cheaply so seeding takes seconds. The
    # client secrets below are hashed with the product's hasher, as the server checks them.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        users = []
        for i in range(n_users):
            pid = make_resident_id(rng, region="420102")
            name = "测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉戌亥"[i % 12]
            services.do_upsert_population_record(actor=actor, name=name, id_number=pid)
            user = services.do_register_person(
                actor=None, mobile=f"1700{i:07d}", password="bench-Password-2026", display_name=name
            )
            users.append(services.do_verify_real_name(actor=user, user=user, name=name, id_number=pid))
    system = clients.do_register_client(
        actor=actor,
        name="压测系统调用",
        department_id=None,
        grant_types=("client_credentials",),
        allowed_scopes=("api",),
    )
    web = clients.do_register_client(
        actor=actor,
        name="压测业务系统",
        department_id=None,
        redirect_uris=["http://127.0.0.1:9/cb"],
        allowed_scopes=("openid", "profile", "phone", "id_number", "acting"),
        trusted=True,
    )
    AccessToken = get_access_token_model()
    tokens = []
    for user in users:
        raw = secrets.token_urlsafe(30)
        AccessToken.objects.create(
            user=user,
            application=web.client,
            token=raw,
            expires=timezone.now() + dt.timedelta(hours=6),
            scope="openid profile phone id_number acting",
        )
        tokens.append(raw)
    return {
        "client_id": system.client.client_id,
        "client_secret": system.secret,
        "tokens": tokens,
        "subs": [str(u.sub) for u in users],
    }


# --- The server ---------------------------------------------------------------------------


def start_server(
    workers: int, log_path: Path, probe: str, *, settings: str = "bench_identity_settings"
) -> tuple[subprocess.Popen, int]:
    """granian serving the product with a bench settings module (bench/<settings>.py); returns
    once `probe` answers 200. bench/licenses.py starts its server through this too."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
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
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}; see {log_path}")
        try:
            conn = Conn(port)
            status, _ = conn.request(f"GET {probe} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            conn.close()
            if status == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    sys.exit(f"the server did not answer within 60 s; see {log_path}")


# --- A minimal keep-alive HTTP/1.1 client -------------------------------------------------


class Conn:
    def __init__(self, port: int):
        self.port = port
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(raw)
                return self._response()
            except (ConnectionError, TimeoutError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            key, _, value = line.partition(b":")
            key = key.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        body, self.buf = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body


def requests_for(load: str, data: dict) -> list[bytes]:
    host = b"Host: 127.0.0.1\r\n"
    if load == "token":
        basic = base64.b64encode(f"{data['client_id']}:{data['client_secret']}".encode())
        body = b"grant_type=client_credentials"
        return [
            b"POST /o/token/ HTTP/1.1\r\n" + host + b"Authorization: Basic " + basic + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        ]
    if load == "userinfo":
        return [
            b"GET /o/userinfo/ HTTP/1.1\r\n" + host + b"Authorization: Bearer " + t.encode() + b"\r\n\r\n"
            for t in data["tokens"]
        ]
    return [f"GET /bench/bare/{s}/ HTTP/1.1\r\n".encode() + host + b"\r\n" for s in data["subs"]]


def check_answer(load: str, status: int, body: bytes) -> None:
    if status != 200:
        raise RuntimeError(f"{load}: HTTP {status}: {body[:300]!r}")
    doc = json.loads(body)
    key = {"token": "access_token", "userinfo": "sub", "bare": "sub"}[load]
    if key not in doc:
        raise RuntimeError(f"{load}: no {key} in {doc}")


def run_load(load: str, port: int, reqs: list[bytes], *, seconds: float, connections: int) -> dict:
    """C threads, each on its own keep-alive connection, as fast as the server answers."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors: list[str] = []
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(i: int):
        conn = Conn(port)
        mine = latencies[i]
        k = i
        try:
            status, body = conn.request(reqs[k % len(reqs)])  # connect and warm up this connection
            start.wait()
            while time.perf_counter() < stop_at[0]:
                raw = reqs[k % len(reqs)]
                k += connections
                t = time.perf_counter()
                status, body = conn.request(raw)
                mine.append(time.perf_counter() - t)
                if status != 200:
                    check_answer(load, status, body)
            check_answer(load, status, body)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            start.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    try:
        stop_at[0] = time.perf_counter() + 3600
        start.wait()
        t0 = time.perf_counter()
        stop_at[0] = t0 + seconds
    except threading.BrokenBarrierError:
        pass
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0 if "t0" in locals() else 0.0
    if errors:
        raise RuntimeError(f"{load}: {errors[0]}")
    flat = [x for lst in latencies for x in lst]
    return {"requests": len(flat), "seconds": elapsed, "latencies_ms": [x * 1000 for x in flat]}


# --- Measuring ----------------------------------------------------------------------------


def tabulate(samples: dict[str, list[dict]]) -> dict:
    out = {load: summarise_runs(samples[load]) for load in LOADS}
    for load in ("token", "userinfo"):
        out[load]["rps_over_bare"] = round(out[load]["rps"] / out["bare"]["rps"], 3)
    return out


def print_table(stats: dict) -> None:
    head = f"{'load':<10}{'requests':>9}{'req/s':>9}{'(rounds min-max)':>19}{'p50 ms':>9}{'p99 ms':>9}{'vs bare':>9}"
    print(head)
    print("-" * len(head))
    for load in LOADS:
        s = stats[load]
        ratio = f"{s['rps_over_bare']:.3f}x" if "rps_over_bare" in s else "1x"
        spread = f"{s['rps_round_min']:.0f}-{s['rps_round_max']:.0f}"
        print(
            f"{load:<10}{s['requests']:>9}{s['rps']:>9.1f}{spread:>19}{s['p50_ms']:>9.1f}"
            f"{s['p99_ms']:>9.1f}{ratio:>9}"
        )
    print("(token = POST /o/token/ client_credentials; userinfo = GET /o/userinfo/ with a bearer token;")
    print(" bare = GET of a Django view doing one indexed lookup, same settings and middleware)")


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_identity")
    started = dt.datetime.now().astimezone()
    with bench_database(url, smoke=args.smoke) as db_name:
        run_bench(args, db_name, started)


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    t = time.perf_counter()
    data = populate(args.users, args.seed)
    print(f"database {db_name}: {args.users} citizens, 2 clients, {len(data['tokens'])} tokens "
          f"({time.perf_counter() - t:.1f}s)")  # fmt: skip

    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    server, port = start_server(
        args.workers, out_path.with_name("identity_server.log"), f"/bench/bare/{data['subs'][0]}/"
    )
    print(f"granian --workers {args.workers} serving on 127.0.0.1:{port} (pid {server.pid}); "
          f"{args.connections} connections, {args.rounds} rounds x {args.seconds:.1f}s per load")  # fmt: skip
    reqs = {load: requests_for(load, data) for load in LOADS}
    rng = random.Random(args.seed)
    samples: dict[str, list[dict]] = {load: [] for load in LOADS}
    load_before = os.getloadavg()
    try:
        for load in LOADS:  # warm-up: every worker imports, connects, compiles its templates
            run_load(load, port, reqs[load], seconds=0.5, connections=args.connections)
        for i in range(1, args.rounds + 1):
            line = []
            for load in rng.sample(LOADS, len(LOADS)):
                r = run_load(load, port, reqs[load], seconds=args.seconds, connections=args.connections)
                samples[load].append(r)
                line.append(f"{load} {r['requests'] / r['seconds']:.0f}/s")
            print(f"  round {i}/{args.rounds}: " + ", ".join(line), flush=True)
    finally:
        stop_server(server)
    load_after = os.getloadavg()

    stats = tabulate(samples)
    print()
    print_table(stats)
    verdict = "meets" if stats["userinfo"]["rps"] >= TARGET_USERINFO_RPS else "MISSES"
    print(f"userinfo {stats['userinfo']['rps']:.0f}/s {verdict} the {TARGET_USERINFO_RPS:.0f}/s target")

    report = {
        **report_head("identity", started, load_before, load_after),
        "server": {"granian_workers": args.workers, "connections": args.connections},
        "server_pids": [server.pid],  # stopped: the smoke run checks
        "rounds": args.rounds,
        "seconds_per_load": args.seconds,
        "target_userinfo_rps": TARGET_USERINFO_RPS,
        "results": stats,
        "per_round_rps": {
            load: [round(r["requests"] / r["seconds"], 1) for r in samples[load]] for load in LOADS
        },
    }
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
