"""The world and the cases of bench/case_lifecycle.py, built through the product's services.

The world (`build_world`): the working-day calendar, regions, departments with one published
item each, officers of the largest department and citizens, made through the services and found
again on `--reuse`. The load (`load_cases`): one template case per state the load needs, taken
there by `tongban.cases.services`, then COPY-loaded copies of those rows and their steps
(`RowCopier`): every column as the services wrote it, except those the bench varies, so the
load follows the schema (the hand-written rows it replaced broke on each new column:
`KeyError: 'result_licence'`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {
    "applicant_name": "基准申请人",
    "contact_name": "基准申请人",
    "contact_phone": "13900000001",
    "request": "申请办理",
}
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
