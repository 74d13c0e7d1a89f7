"""Case handling at province scale: complete lifecycles per second, deadline computations per
second, and the workbench queues' latency with a million cases in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_cases \\
        .venv/bin/python bench/case_lifecycle.py [--cases 1000000] [--workers 2] [--seconds 30] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"; `--reuse` keeps it and loads only what is missing), migrates it and builds
a small world through the real services: the 2025-2026 working-day calendar, Hubei's regions,
`--departments` departments with one published item each, three officers of the first (the
largest) department and a few citizens. Then:

1. **load**: `--cases` cases (default 1,000,000) with their approval steps, written with
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
writes var/bench/case_lifecycle.json.
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

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
os.environ.setdefault("SMS_GATEWAY", "tongban.accounts.gateways.OutboxSmsGateway")

TARGET_LIFECYCLES = 200.0
TARGET_QUEUE_P95_MS = 100.0
PAGE_ROWS = 20
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {
    "applicant_name": "基准申请人",
    "contact_name": "基准申请人",
    "contact_phone": "13900000001",
    "request": "申请办理",
}
STEPS = ("submit", "accept", "step0", "step1", "step2", "conclude")
QUEUE_KINDS = ("precheck", "mine", "team", "due_soon", "overdue", "paused")
# State mix of a year of cases seen today (share of all cases).
STATE_MIX = (
    ("delivered", 0.80),
    ("concluded", 0.03),
    ("decided", 0.005),
    ("accepted", 0.06),
    ("paused", 0.01),
    ("submitted", 0.015),
    ("supplement", 0.01),
    ("returned", 0.02),
    ("refused", 0.01),
    ("withdrawn", 0.04),
)
SEQ_OFFSET = 500_000  # generated case numbers never meet the ones the services hand out


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


def build_world(departments: int) -> dict:
    """Calendar, regions, departments with one published item each, officers, citizens: made
    through the services, found again on --reuse (the bench reads the models directly)."""
    from django.core.management import call_command
    from django.test import override_settings

    from tongban.catalog.testing import ensure_regions

    call_command("migrate", verbosity=0)
    ensure_regions()
    ensure_calendar()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        # Sign-in plays no part here: the accounts' passwords are hashed cheaply, as in the tests.
        return _people_and_items(departments)


def _people_and_items(departments: int) -> dict:
    from django.contrib.auth import get_user_model

    from tongban.accounts import services as account_services
    from tongban.catalog.models import ImplementationItem
    from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
    from tongban.core import queries as core_queries

    items = []
    for i in range(departments):
        name = f"基准部门{i:03d}"
        dept = core_queries.departments().filter(name=name).first()
        if dept is None:
            dept = make_department(region="420100", name=name, seed=10_000 + i)
        item = ImplementationItem.objects.filter(department_id=dept.pk, is_current=True).first()
        if item is None:
            item = make_item(
                dept, make_basic_item(name=f"基准事项{i:03d}许可"), promised_limit=5, statutory_limit=20
            )
        items.append(
            {"dept": dept.pk, "item": item.pk, "code": item.code, "name": item.name, "region": item.region_id}
        )
    User = get_user_model()

    def staff(username: str, role: str) -> int:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.do_upsert_staff(
                actor=SYSTEM,
                username=username,
                password="bench-password-2026-long",
                display_name=username,
                roles=[role],
                department_id=items[0]["dept"],
            )
        return user.pk

    officers = [staff("bench-officer", "approving_officer"), staff("bench-officer2", "approving_officer")]
    head = staff("bench-head", "department_admin")
    citizens = []
    for n in range(8):
        user = User.objects.filter(display_name=f"基准市民{n}").first()
        if user is None:
            user = account_services.do_register_person(
                actor=SYSTEM,
                mobile=f"1391234{n:04d}",
                password="Bench-pass-2026",
                display_name=f"基准市民{n}",
            )
        citizens.append(user.pk)
    return {"items": items, "officers": officers, "head": head, "citizens": citizens}


# Statutory holidays on fixed solar dates (全国年节及纪念日放假办法): what the bench assumes for a
# year the calendar package does not know yet; the lunar holidays are left out.
SOLAR_HOLIDAYS = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)
LONGEST_LIMIT = 30  # working days: the item's statutory 20, with room for pauses


def ensure_calendar() -> None:
    """The working-day calendar the bench needs, from a year before today to the deadlines of
    cases accepted today: from the `chinesecalendar` package where it knows the year
    (`do_seed_calendar_from_package`, as `seed demo` does). If the product still cannot compute a
    deadline from today (a year the package does not know yet, and no provisional calendar in the
    product), the missing years are imported (`do_import_calendar`) with the fixed-date holidays
    only, so the bench still runs at the end of a year; the source says so."""
    import chinese_calendar
    from django.utils import timezone

    from tongban.cases import clock
    from tongban.catalog.testing import SYSTEM
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.errors import CalendarNotCovered

    today = timezone.localdate()
    known = {d.year for d in chinese_calendar.holidays}
    covered = set(core_queries.covered_years())
    years = [y for y in range(today.year - 1, today.year + 2) if y in known and y not in covered]
    if years:
        core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=min(years), last_year=max(years))
    try:
        clock.deadline(today, LONGEST_LIMIT)
    except CalendarNotCovered:
        covered = set(core_queries.covered_years())
        missing = [y for y in range(today.year, today.year + 2) if y not in covered]
        rows = [f"{y}-{m:02d}-{d:02d},holiday,{name}" for y in missing for m, d, name in SOLAR_HOLIDAYS]
        core_services.do_import_calendar(
            actor=SYSTEM,
            text="date,kind,name\n" + "\n".join(rows) + "\n",
            source="bench: fixed-date statutory holidays only (no arrangement published yet)",
        )
        print(f"calendar: {', '.join(map(str, missing))} approximated (fixed-date holidays only)")


def zipf_shares(n: int) -> list[float]:
    w = [1 / (i + 1) ** 0.8 for i in range(n)]
    s = sum(w)
    return [x / s for x in w]


# The states the load generates, each reached by a template case through the services: (state,
# index of the active approval step or None) -> the calls after do_submit that lead there.
TEMPLATE_PATHS = {
    ("submitted", None): (),
    ("supplement", None): ("request_supplement",),
    ("returned", None): ("return",),
    ("refused", None): ("refuse",),
    ("withdrawn", None): ("withdraw",),
    ("accepted", 0): ("accept",),
    ("accepted", 1): ("accept", "step0"),
    ("accepted", 2): ("accept", "step0", "step1"),
    ("paused", 0): ("accept", "pause"),
    ("paused", 1): ("accept", "step0", "pause"),
    ("paused", 2): ("accept", "step0", "step1", "pause"),
    ("decided", None): ("accept", "step0", "step1", "step2"),
    ("concluded", None): ("accept", "step0", "step1", "step2", "conclude"),
    ("delivered", None): ("accept", "step0", "step1", "step2", "conclude", "deliver"),
}


def make_templates(world: dict) -> dict[tuple[str, int | None], int]:
    """One case per (state, active step) the load generates, taken there by the services the app
    uses (`tongban.cases.services`), in the largest department. The load copies these rows: every
    column the bench does not vary holds what the services wrote, so a new column or a changed
    flow reaches the bench (or breaks its smoke run) instead of being left out of a hand-written
    row."""
    from django.contrib.auth import get_user_model

    from tongban.cases import services
    from tongban.catalog import queries as catalog_queries

    User = get_user_model()
    citizen = User.objects.get(pk=world["citizens"][0])
    officer, officer2 = (User.objects.get(pk=pk) for pk in world["officers"])
    head = User.objects.get(pk=world["head"])
    item = world["items"][0]["code"]
    materials = [m.pk for m in catalog_queries.get_guide(item).materials.all()]
    chain = (officer, officer2, head)
    steps = {
        "accept": lambda n: services.do_accept(actor=officer, number=n),
        "step0": lambda n: services.do_complete_step(
            actor=chain[0], number=n, step_index=0, outcome="pass", comment="同意"
        ),
        "step1": lambda n: services.do_complete_step(
            actor=chain[1], number=n, step_index=1, outcome="pass", comment="同意"
        ),
        "step2": lambda n: services.do_complete_step(
            actor=chain[2], number=n, step_index=2, outcome="pass", comment="同意"
        ),
        "pause": lambda n: services.do_pause(
            actor=officer, number=n, kind="special", procedure="hearing", reason="依法组织听证"
        ),
        "conclude": lambda n: services.do_conclude(actor=officer, number=n),
        "deliver": lambda n: services.do_deliver(actor=officer, number=n),
        "request_supplement": lambda n: services.do_request_supplement(
            actor=officer, number=n, items=["申请书"]
        ),
        "return": lambda n: services.do_return(actor=officer, number=n, reason="不属于本事项"),
        "refuse": lambda n: services.do_refuse(actor=officer, number=n, reason="不符合受理条件"),
        "withdraw": lambda n: services.do_withdraw(actor=citizen, number=n, reason="不再需要"),
    }
    templates = {}
    for (state, active), path in TEMPLATE_PATHS.items():
        uploads = [
            services.Upload(material_id=m, name="材料", content=PDF, content_type="application/pdf")
            for m in materials
        ]
        case = services.do_submit(actor=citizen, item_code=item, data=FORM, uploads=uploads)
        for call in path:
            case = steps[call](case.number)
        if case.state != state:
            raise RuntimeError(f"template {state}/{active}: the services left the case {case.state}")
        templates[(state, active)] = case.pk
    return templates


class RowCopier:
    """Rows of one model as copies of template rows: every concrete column from the template
    (dates moved by the same number of days as the copy's), except the columns the bench sets.
    Ciphertexts (`*_enc`) are left empty: they belong to their own row, and no bench path reads
    them. Naming a column the model no longer has is an error, not a silent omission."""

    def __init__(self, model, *, skip_pk: bool = False):
        fields = [f for f in model._meta.concrete_fields if not (skip_pk and f.primary_key)]
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.dates = {f.attname for f in fields if f.get_internal_type() in ("DateField", "DateTimeField")}
        self.json = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        self.cipher = {f.attname for f in fields if f.attname.endswith("_enc")}

    def template(self, **filters) -> list[dict]:
        return list(self.model.objects.filter(**filters).order_by("pk").values(*self.attnames))

    def row(self, template: dict, shift: dt.timedelta, set_: dict) -> tuple:
        unknown = set(set_) - set(self.attnames)
        if unknown:
            raise KeyError(f"{self.model.__name__} has no column {', '.join(sorted(unknown))}")
        out = []
        for name in self.attnames:
            if name in set_:
                value = set_[name]
            elif name in self.cipher:
                value = ""
            else:
                value = template[name]
                if value is not None and name in self.dates:
                    value = value + shift
            if value is not None and name in self.json:
                value = json.dumps(value, ensure_ascii=False)
            out.append(value)
        return tuple(out)

    def copy(self, cursor, rows: list[tuple]) -> None:
        table = self.model._meta.db_table
        with cursor.copy(f"COPY {table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)


def load_cases(world: dict, total: int, seed: int) -> dict | None:
    """Up to `total` cases: the templates (through the services), then COPY-loaded copies of them
    with their steps, spread over departments, dates and states; returns load facts."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from tongban.cases.models import Case, CaseStep

    have = Case.objects.count()
    if have >= total:
        print(f"{have:,} cases present: not loading")
        return None
    templates = make_templates(world)
    cases, steps = RowCopier(Case), RowCopier(CaseStep, skip_pk=True)
    case_tmpl = {key: cases.template(pk=pk)[0] for key, pk in templates.items()}
    step_tmpl = {key: steps.template(case_id=pk) for key, pk in templates.items()}
    have = Case.objects.count()
    todo = max(0, total - have)
    rng = random.Random(seed + have)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    items = world["items"]
    shares = zipf_shares(len(items))
    states = [s for s, _ in STATE_MIX]
    weights = [w for _, w in STATE_MIX]
    officers = world["officers"]
    names = dict(get_user_model().objects.filter(pk__in=world["citizens"]).values_list("pk", "display_name"))
    citizens = world["citizens"]
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        next_id = cur.fetchone()[0] + 1
    # Continue the generated numbers of an earlier (--reuse) load: per region and day, after the
    # highest generated sequence number already there.
    seq: dict[tuple[str, dt.date], int] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT left(number, 6), substr(number, 7, 8), max(right(number, 6)::int) FROM cases_case"
            " WHERE number ~ '^[0-9]{21}$' AND right(number, 6)::int > %s GROUP BY 1, 2",
            [SEQ_OFFSET],
        )
        for region, day, last in cur.fetchall():
            seq[(region, dt.datetime.strptime(day, "%Y%m%d").date())] = last
    t0 = time.perf_counter()
    n_steps = 0
    batch = 100_000
    connection.ensure_connection()
    raw = connection.connection
    done = 0
    while done < todo:
        size = min(batch, todo - done)
        case_rows, step_rows = [], []
        for _ in range(size):
            k = rng.choices(range(len(items)), shares)[0]
            it = items[k]
            state = rng.choices(states, weights)[0]
            active = rng.randint(0, 2) if state in ("accepted", "paused") else None
            tmpl = case_tmpl[(state, active)]
            if state in ("submitted", "supplement"):
                age = rng.randint(0, 6)
            elif state in ("accepted", "paused", "decided"):
                age = rng.randint(0, 25)
            else:
                age = rng.randint(3, 365)
            day = today - dt.timedelta(days=age)
            shift = day - tmpl["received_on"]
            channel = rng.choice("1222233")
            region = it["region"][:6]
            key = (region, day)
            seq[key] = seq.get(key, SEQ_OFFSET) + 1
            submitted_at = dt.datetime.combine(day, dt.time(9, 0), tz) + dt.timedelta(
                seconds=rng.randint(0, 8 * 3600)
            )
            citizen = rng.choice(citizens)
            row = {
                "id": next_id,
                "number": f"{region}{day:%Y%m%d}{channel}{seq[key]:06d}",
                "item_id": it["item"],
                "item_code": it["code"],
                "item_name": it["name"],
                "department_id": it["dept"],
                "region_id": it["region"],
                "applicant_id": citizen,
                "submitted_by_id": citizen,
                "applicant_name": names[citizen],
                "channel": channel,
                "submitted_at": submitted_at,
                "received_on": day,
            }
            final_at = submitted_at + dt.timedelta(days=rng.randint(1, 8))
            for name in ("decided_at", "concluded_at", "delivered_at"):
                if tmpl[name] is not None:
                    row[name] = final_at
            if state == "supplement":
                row["supplement_due"] = day + dt.timedelta(days=14)
            accepted_on = None
            if tmpl["accepted_on"] is not None:
                accepted_on = min(day + dt.timedelta(days=rng.randint(0, 2)), today)
                row["accepted_on"] = accepted_on
                row["promised_due"] = accepted_on + dt.timedelta(days=7)
                row["statutory_due"] = accepted_on + dt.timedelta(days=28)
                if state == "accepted":
                    row["clock_level"] = rng.choices(("ok", "warning", "overdue"), (0.75, 0.18, 0.07))[0]
                    if row["clock_level"] == "overdue":
                        row["promised_due"] = today - dt.timedelta(days=rng.randint(1, 5))
            assignee = None
            for step in step_tmpl[(state, active)]:
                set_ = {"case_id": next_id}
                if step["started_on"] is not None:
                    set_["started_on"] = accepted_on
                if step["completed_at"] is not None:
                    set_["completed_at"] = final_at
                if step["state"] == "done":
                    set_["due_on"] = accepted_on + dt.timedelta(days=step["limit_days"])
                elif step["state"] == "active":
                    set_["due_on"] = (row.get("promised_due") or today) - dt.timedelta(days=rng.randint(0, 3))
                    if k == 0 and step["role"] == "approving_officer" and rng.random() < 0.4:
                        assignee = rng.choice(officers)
                    set_["assignee_id"] = assignee
                step_rows.append(steps.row(step, shift, set_))
            if tmpl["step_role"]:
                row["step_assignee_id"] = assignee
            case_rows.append(cases.row(tmpl, shift, row))
            next_id += 1
        with raw.cursor() as cur:
            cases.copy(cur, case_rows)
            steps.copy(cur, step_rows)
        done += size
        n_steps += len(step_rows)
        rate = done / (time.perf_counter() - t0)
        print(f"  {have + done:,} cases, {n_steps:,} steps ({rate:,.0f} cases/s)", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
        )
    return {
        "templates": len(templates),
        "cases": todo,
        "steps": n_steps,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def vacuum_analyze() -> float:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("VACUUM (ANALYZE) cases_casestep")
    return time.perf_counter() - t


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
