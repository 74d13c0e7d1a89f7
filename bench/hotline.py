"""12345 hotline at province scale: 10⁶ tickets, intake through the service, operator queue pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_hotline_kb_bench \\
        .venv/bin/python bench/hotline.py [--tickets 1000000] [--seconds 20] [--pages 300] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"; `--reuse` keeps one already loaded with --tickets tickets), migrates it,
creates the units (a provincial platform and 40 district bureaus) and the operator through the
services, takes one ticket in through `hotline.services.do_intake`, and loads the rest with COPY
as copies of that row with the columns a ticket's life changes varied (number: a past day and a
sequence; kind, category, text from templates, region, unit, state — 10 % waiting for dispatch,
10 % dispatched, 10 % signed for, the rest replied to rated — and the times). The caller's
encrypted contact columns are left empty (their ciphertext is bound to the number). Then:

- intake: `do_intake` (phone, by the operator) in a loop for --seconds: tickets per second,
  each a full intake (number, deadline on the calendar, audit event, metrics). Target
  ≥ 100/s. Then --workers operators at once (threads, a connection each) for --seconds.
- queue pages: GET /hotline/desk/ through django.test.Client as the operator (the platform's
  waiting tickets, first and later keyset pages) and as a unit's officer (its dispatched and
  signed-for tickets), in shuffled order: p50/p95/p99. Target p95 ≤ 100 ms.
- ratings: when `bench/hotline_ratings.py` exists (the ratings part's bench), its
  `run(dsn, smoke) -> dict` is called and its answer is part of the report.

Prints a table and writes var/bench/hotline.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
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
    summary,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
# The caller's SMS (after each intake's commit) into memory, as the other benches do: the console
# gateway's line per intake (written and flushed to the terminal or a pipe) cost more than the
# intake itself (2026-12-08: p50 7.9 ms through a pipe against 2.9 ms without).
os.environ.setdefault("SMS_GATEWAY", "tongban.accounts.gateways.OutboxSmsGateway")

TARGET_INTAKE_PER_S = 100.0
TARGET_PAGE_P95_MS = 100.0
ACTOR = "system:bench"
PER_DAY = 5000  # bulk tickets per past day (numbers: yymmdd + 6 digits)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000, help="tickets to load")
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of intake through the service")
    p.add_argument("--pages", type=int, default=300, help="timed queue pages")
    p.add_argument(
        "--workers",
        type=int,
        default=4,
        help="operators keying calls in at once for the concurrent intake (threads, a connection each; 0: skip)",
    )
    p.add_argument("--reuse", action="store_true", help="keep a database already holding --tickets tickets")
    p.add_argument(
        "--ratings", type=int, default=10_000_000, help="ratings for the ratings part (0: skip it)"
    )
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--batch", type=int, default=20_000, help="tickets per COPY")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "hotline.json"))
    tiny = {
        "tickets": 2000,
        "seconds": 1.0,
        "pages": 20,
        "batch": 500,
        "ratings": 2000,
        "workers": 0,  # bench/test_smoke.py counts the tickets of the single-operator intake only
        "out": str(SMOKE_DIR / "hotline.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The world -----------------------------------------------------------------------------------


def ensure_world() -> dict:
    from tongban.accounts import services as account_services
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code
    from tongban.demo import hotline_history

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=ACTOR)
    if not core_queries.covered_years():
        core_services.do_seed_calendar_from_package(actor=ACTOR, first_year=2024, last_year=2026)

    def dept(name: str, region: str):
        code = make_credit_code(random.Random(f"bench-hotline:{name}"), region=region[:6], kind="11")
        return core_services.do_upsert_department(
            actor=ACTOR, name=name, credit_code=code, region_code=region, kind="bureau"
        )

    platform = dept("湖北省12345热线平台", "420000")
    units = []
    for code, district, _streets in hotline_history.DISTRICTS:
        for matter, pattern in hotline_history.UNITS.items():
            if "{d}" in pattern:
                units.append(dept(hotline_history.unit_name(matter, district), code[:6]))
    operator = account_services.do_upsert_staff(
        actor=ACTOR,
        username="bench-operator",
        password="a-long-bench-password",
        display_name="bench operator",
        roles=["hotline_operator"],
        department_id=platform.pk,
    )
    officer = account_services.do_upsert_staff(
        actor=ACTOR,
        username="bench-unit",
        password="a-long-bench-password",
        display_name="bench unit officer",
        roles=["approving_officer"],
        department_id=units[0].pk,
    )
    return {"platform": platform, "units": units, "operator": operator, "officer": officer}


# --- The load ------------------------------------------------------------------------------------

STATES = ["received"] * 10 + ["dispatched"] * 10 + ["accepted"] * 10 + ["replied"] * 10
STATES += ["closed"] * 20 + ["visited"] * 20 + ["rated"] * 20


def load_tickets(n: int, seed: int, batch: int, world: dict) -> dict | None:
    from django.db import connection, transaction

    from tongban.demo import hotline_history
    from tongban.hotline import services
    from tongban.hotline.models import Ticket

    have = Ticket.objects.count()
    if have >= n:
        print(f"the database already holds {have:,} tickets: not loading")
        return None
    if have:
        sys.exit(f"the database holds {have:,} tickets, not --tickets {n:,}: run without --reuse")
    t0 = time.perf_counter()
    template = services.do_intake(
        actor=world["operator"],
        channel="phone",
        kind="complaint",
        category="market",
        text="模板工单：超市销售过期食品",
        region_code="420106",
    )
    fields = [f for f in Ticket._meta.concrete_fields if f.column != "id"]
    base = {f.column: getattr(template, f.attname) for f in fields}
    base |= {
        "contact_name_enc": "",
        "contact_phone_enc": "",
        "contact_phone_index": "",
        "contact_phone_masked": "",
    }
    columns = list(base)
    rng = random.Random(seed)
    history = hotline_history.history(2000, seed=seed)
    units = [u.pk for u in world["units"]]
    today = dt.date.today()
    now = template.received_at
    done = 0
    started = time.monotonic()
    with connection.cursor() as cur:
        raw = cur.cursor
        while done < n:
            size = min(batch, n - done)
            with (
                transaction.atomic(),
                raw.copy(f"COPY hotline_ticket ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for i in range(done, done + size):
                    day = today - dt.timedelta(days=1 + i // PER_DAY)
                    h = history[i % len(history)]
                    state = STATES[rng.randrange(len(STATES))]
                    at = now - dt.timedelta(days=1 + i // PER_DAY, seconds=rng.randrange(86400))
                    row = dict(base)
                    row |= {
                        "number": f"{day:%y%m%d}{i % PER_DAY + 1:06d}",
                        "kind": h.kind,
                        "category": h.category,
                        "text": h.text,
                        "address": h.address,
                        "region_code": h.region_code[:6],
                        "state": state,
                        "unit_id": None if state == "received" else units[rng.randrange(len(units))],
                        "dispatches": 0 if state == "received" else 1,
                        "received_at": at,
                        "dispatched_at": None if state == "received" else at + dt.timedelta(hours=1),
                        "updated_at": at,
                        "clock_start": at.date(),
                        "reply_due": at.date() + dt.timedelta(days=14),
                        "source_ref": "",
                    }
                    copy.write_row([row[c] for c in columns])
            done += size
            if done % (batch * 10) == 0 or done == n:
                print(f"  {done:,}/{n:,} tickets ({done / (time.monotonic() - started):,.0f}/s)", flush=True)
        cur.execute("VACUUM ANALYZE hotline_ticket")
    return {"loaded": n, "seconds": round(time.perf_counter() - t0, 1)}


# --- The loads -----------------------------------------------------------------------------------


def _intake_loop(world: dict, seconds: float, seed: int, latencies: list[float]) -> int:
    """One operator keying calls in through `do_intake` for `seconds`; returns the count."""
    from tongban.demo import hotline_history
    from tongban.hotline import services

    history = hotline_history.history(500, seed=seed)
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        h = history[i % len(history)]
        t = time.perf_counter()
        services.do_intake(
            actor=world["operator"],
            channel="phone",
            kind=h.kind,
            category=h.category,
            text=h.text,
            address=h.address,
            region_code=h.region_code[:6],
            contact_phone=f"139{(seed * 1_000_003 + i) % 10**8:08d}",  # a caller each (the SMS outbox keys on it)
        )
        latencies.append((time.perf_counter() - t) * 1000)
        i += 1
    return i


def intake_rate(world: dict, seconds: float, seed: int) -> dict:
    latencies: list[float] = []
    started = time.perf_counter()
    i = _intake_loop(world, seconds, seed + 1, latencies)
    elapsed = time.perf_counter() - started
    return {
        "tickets": i,
        "seconds": round(elapsed, 2),
        "per_second": round(i / elapsed, 1),
        "ms": summary(latencies),
    }


def concurrent_intake_rate(world: dict, seconds: float, seed: int, workers: int) -> dict | None:
    """`workers` operators at once (threads, each with its own database connection): the centre's
    intake rate when the calls come in together. The audit chain's lock is taken by one
    transaction at a time, from its number to its commit (the number and the centre's rollup
    are not: a sequence, a stripe per thread), so this measures how much of an intake overlaps
    with the others."""
    import threading

    from django.db import connections

    if workers <= 0:
        return None
    latencies: list[list[float]] = [[] for _ in range(workers)]
    counts = [0] * workers
    errors: list[str] = []

    def work(k: int) -> None:
        try:
            counts[k] = _intake_loop(world, seconds, seed + 100 + k, latencies[k])
        except Exception as exc:  # reported, not hidden
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = sum(counts)
    return {
        "workers": workers,
        "tickets": total,
        "seconds": round(elapsed, 2),
        "per_second": round(total / elapsed, 1),
        "ms": summary([x for per in latencies for x in per]),
        "errors": errors,
    }


def queue_pages(world: dict, pages: int, seed: int) -> dict:
    from django.test import Client

    from tongban.hotline import queries

    operator, officer = Client(), Client()
    operator.force_login(world["operator"])
    officer.force_login(world["officer"])
    # Later keyset pages: the id after the 10th and 100th page of the platform's waiting tickets.
    afters = []
    after = None
    for k in range(1, 101):
        page = queries.tickets_page(state="received", after=after)
        after = page.next_after
        if after is None:
            break
        if k in (10, 100):
            afters.append(after)
    plan = [("operator first page", operator, "/hotline/desk/")] * 4
    plan += [("operator later page", operator, f"/hotline/desk/?after={a}") for a in afters] * 2
    plan += [("unit queue", officer, "/hotline/desk/")] * 2
    plan += [("unit signed-for", officer, "/hotline/desk/?state=accepted")] * 2
    rng = random.Random(seed)
    for client, path in {(c, p) for _label, c, p in plan}:  # warm up
        client.get(path)
    rows: dict[str, list[float]] = {}
    statuses: dict[str, set[int]] = {}
    for _ in range(pages):
        label, client, path = plan[rng.randrange(len(plan))]
        t = time.perf_counter()
        r = client.get(path)
        rows.setdefault(label, []).append((time.perf_counter() - t) * 1000)
        statuses.setdefault(label, set()).add(r.status_code)
    every = [x for v in rows.values() for x in v]
    return {
        "by_page": {k: summary(v) for k, v in sorted(rows.items())},
        "all": summary(every),
        "statuses": {k: sorted(v) for k, v in statuses.items()},
    }


def ratings_hook(smoke: bool, ratings: int) -> dict | None:
    path = Path(__file__).resolve().parent / "hotline_ratings.py"
    if not path.exists() or ratings <= 0:
        return None
    spec = importlib.util.spec_from_file_location("hotline_ratings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run(os.environ["DATABASE_URL"], smoke, ratings=ratings)


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_hotline_kb_bench")
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name:
        run_bench(args, db_name, started)


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    world = ensure_world()
    load = load_tickets(args.tickets, args.seed, args.batch, world)
    from tongban.hotline.models import Ticket

    load_before = os.getloadavg()
    intake = intake_rate(world, args.seconds, args.seed)
    together = concurrent_intake_rate(world, args.seconds, args.seed, args.workers)
    pages = queue_pages(world, args.pages, args.seed)
    load_after = os.getloadavg()
    ratings = ratings_hook(args.smoke, args.ratings)
    tickets = Ticket.objects.count()
    print(f"\ndatabase {db_name}: {tickets:,} tickets")
    print(f"intake: {intake['tickets']} tickets in {intake['seconds']} s = {intake['per_second']}/s "
          f"(p50 {intake['ms'].get('p50')} ms, p95 {intake['ms'].get('p95')} ms); target ≥ {TARGET_INTAKE_PER_S:.0f}/s")  # fmt: skip
    if together:
        print(f"intake, {together['workers']} operators at once: {together['tickets']} tickets in {together['seconds']} s = "
              f"{together['per_second']}/s (p50 {together['ms'].get('p50')} ms, p95 {together['ms'].get('p95')} ms)"
              + (f"; errors: {together['errors']}" if together["errors"] else ""))  # fmt: skip
    print("| queue page | n | p50 | p95 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, s in [*pages["by_page"].items(), ("**all**", pages["all"])]:
        print(f"| {label} | {s['n']} | {s['p50']} | {s['p95']} | {s['p99']} | {s['max']} |")
    verdict = "meets" if pages["all"]["p95"] <= TARGET_PAGE_P95_MS else "MISSES"
    print(f"queue page p95 {pages['all']['p95']} ms {verdict} the {TARGET_PAGE_P95_MS:.0f} ms target")
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        **report_head("hotline", started, load_before, load_after),
        "database": {"tickets": tickets, "loaded": args.tickets},
        "load": load,
        "intake": intake,
        "intake_concurrent": together,
        "pages": pages,
        "targets": {"intake_per_second": TARGET_INTAKE_PER_S, "page_p95_ms": TARGET_PAGE_P95_MS},
        "ratings": ratings,
    }
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
