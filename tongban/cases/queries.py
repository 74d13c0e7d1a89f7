"""Case reads: the applicant's cases, the staff queues, the clock as shown, the statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole

from . import clock
from .enums import CaseState, ClockLevel, ExtensionState, StepState
from .models import Case, CaseEvent, CaseLicence, CaseMaterial, CaseStep, ExtensionRequest, Notification

DUE_SOON_DAYS = 2


def clock_line_parts(case: Case) -> list[tuple[str, str]]:
    """The calculation behind the deadlines, line by line, for the case page, in the active
    language: each line as (the platform's words, the data a person wrote: a pause's or an
    extension's reason, or "")."""
    if case.accepted_on is None:
        return [
            (
                gettext("收件日 %(date)s，尚未受理，办理时限未起算")
                % {"date": f"{case.received_on:%Y-%m-%d}"},
                "",
            )
        ]
    promised, statutory = clock.case_deadlines(case)
    lines = [
        (promised.explain(case.accepted_on), ""),
        (gettext("法定时限：") + statutory.explain(case.accepted_on), ""),
    ]
    for pause in case.pauses.all():
        end = (
            gettext("至 %(date)s，计 %(n)s 个工作日")
            % {"date": f"{pause.ended_on:%Y-%m-%d}", "n": pause.working_days}
            if pause.ended_on
            else gettext("（进行中）")
        )
        text = gettext("%(kind)s：%(start)s 起 %(end)s；") % {
            "kind": pause.get_kind_display(),
            "start": f"{pause.started_on:%Y-%m-%d}",
            "end": end,
        }
        lines.append((text, pause.reason))
    if case.extension_days:
        text = gettext("延期 %(n)s 个工作日（批准人：%(who)s）；") % {
            "n": case.extension_days,
            "who": case.extension_approver,
        }
        lines.append((text, case.extension_reason))
    return lines


def clock_lines(case: Case) -> list[str]:
    """`clock_line_parts`, each line as one string."""
    return [text + data for text, data in clock_line_parts(case)]


def cases_of(user) -> QuerySet[Case]:
    """ "My cases": the person's own, and those of each enterprise or person they act for now,
    within the items their grant covers (`accounts.queries.grants_now`, the same rule as
    `common.acts_for_applicant`)."""
    grants = account_queries.grants_now(user)
    mine = Q(applicant=user, legal_person__isnull=True)
    for legal_person_id, scope in grants.legal_persons.items():
        mine |= Q(legal_person_id=legal_person_id) & _items(scope)
    for principal_id, scope in grants.principals.items():
        mine |= Q(applicant_id=principal_id, legal_person__isnull=True) & _items(scope)
    return Case.objects.filter(mine).select_related("department").order_by("-submitted_at")


def _items(scope) -> Q:
    return Q() if scope.all_items else Q(item_code__in=sorted(scope.item_codes))


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def notifications(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's messages about cases they may see now: a helper whose consent was revoked
    (or an agent whose mandate ended) no longer reads what the case's messages said."""
    qs = (
        Notification.objects.filter(user=user, case__in=cases_of(user).values("pk"))
        .select_related("case")
        .order_by("-created_at")
    )
    return qs.filter(read_at__isnull=True) if unread_only else qs


# Queue names in Chinese, marked for the translation catalogue; pages translate them as drawn.
QUEUES = {
    "precheck": gettext_noop("待预审"),
    "mine": gettext_noop("我的待办"),
    "team": gettext_noop("科室待办"),
    "due_soon": gettext_noop("即将到期"),
    "overdue": gettext_noop("已超期"),
    "paused": gettext_noop("暂停计时"),
}


def queue(actor, kind: str, *, on: dt.date) -> QuerySet[Case]:
    """The staff queues of the actor's department (every department for a superuser, who may act
    on any case: `common.is_department_staff`): each one read of the case table through its own
    partial index (models.Case.Meta.indexes), in the page's order. The team queue leaves out the
    cases whose active step the actor may not take under separation of duties (a step of the
    case already theirs: `common.step_done_by`)."""
    base = Case.objects.select_related("department")
    if not actor.is_superuser:
        base = base.filter(department_id=actor.department_id)
    open_states = [CaseState.ACCEPTED, CaseState.PAUSED]
    if kind == "precheck":
        qs = base.filter(state=CaseState.SUBMITTED).order_by("received_on", "id")
    elif kind == "mine":
        qs = base.filter(state__in=open_states, step_assignee=actor).order_by("statutory_due", "id")
    elif kind == "team":
        # The actor's roles in one query (a superuser holds them all).
        roles = StaffRole.values if actor.is_superuser else account_queries.role_names(actor)
        qs = base.filter(state=CaseState.ACCEPTED, step_assignee__isnull=True, step_role__in=roles)
        if getattr(actor, "pk", None):  # a person (a department system signs no steps itself)
            signed = CaseStep.objects.filter(case_id=OuterRef("pk"), completed_by_id=actor.pk)
            qs = qs.exclude(Q(separation_of_duties=True) & Exists(signed))
        qs = qs.order_by("promised_due", "id")
    elif kind == "due_soon":
        qs = base.filter(state=CaseState.ACCEPTED, clock_level=ClockLevel.WARNING).order_by(
            "promised_due", "id"
        )
    elif kind == "overdue":  # a paused case's clock has stopped: it is never overdue meanwhile
        qs = base.filter(state=CaseState.ACCEPTED, promised_due__lt=on).order_by("promised_due", "id")
    elif kind == "paused":
        qs = base.filter(state=CaseState.PAUSED).order_by("id")
    else:
        qs = base.none()
    return qs


def active_step(case: Case) -> CaseStep | None:
    return case.steps.filter(state=StepState.ACTIVE).first()


def draft_of(user, item_code: str):
    """The applicant's saved draft of one item, if any (resumable on any device)."""
    from .models import Draft

    return Draft.objects.filter(user=user, item_code=item_code).first()


def drafts_of(user):
    from .models import Draft

    return Draft.objects.filter(user=user).order_by("-updated_at")


def case_materials(case: Case):
    return case.materials.select_related("uploaded_by").order_by("id")


def case_licences(case: Case):
    """The licences the e-licence library supplied for the case's materials (免提交)."""
    return case.licences.order_by("id")


def case_material(case: Case, pk: int):
    """One uploaded file of a case the caller has already been authorised for (access_case)."""
    return case.materials.filter(pk=pk).first()


def case_steps(case: Case) -> list[CaseStep]:
    return list(case.steps.select_related("assignee", "completed_by").order_by("index"))


def find_cases(actor, text: str, *, limit: int = 50) -> QuerySet[Case]:
    """Workbench search in the actor's department (all departments for a superuser): a case
    number (exact), an item code (exact or prefix) or the applicant's name (contains)."""
    text = (text or "").strip()[:60]
    base = Case.objects.select_related("department")
    if not actor.is_superuser:
        base = base.filter(department_id=actor.department_id)
    if not text:
        return base.none()
    match = Q(number=text) | Q(applicant_name__icontains=text)
    if text.isalnum():
        match |= Q(item_code__startswith=text.upper())
    return base.filter(match).order_by("-submitted_at", "-id")[:limit]


def queue_counts(actor, *, on: dt.date) -> dict[str, int]:
    """How many cases wait in each queue: one statement of six counts, each through its queue's
    partial index."""
    parts, params = [], []
    for kind in QUEUES:
        sql, kind_params = queue(actor, kind, on=on).order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS q)")  # noqa: S608 - Django's SQL, values as params
        params.extend(kind_params)
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(QUEUES, cur.fetchone(), strict=True))


@dataclass
class Stats:
    """Figures of one department (or a region's total) over a period."""

    key: str
    name: str
    received: int = 0
    online: int = 0
    concluded: int = 0
    on_time: int = 0
    overdue: int = 0
    working_days_total: int = 0

    @property
    def online_share(self) -> float | None:
        return round(100 * self.online / self.received, 1) if self.received else None

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.concluded, 1) if self.concluded else None

    @property
    def average_days(self) -> float | None:
        return round(self.working_days_total / self.concluded, 1) if self.concluded else None


def statistics(
    *, region_prefix: str, since: dt.date, until: dt.date, on: dt.date
) -> tuple[list[Stats], Stats]:
    """Cases received in [since, until] in the region, by department, and the total: received,
    online share (网办件比率), concluded, concluded on time, overdue (concluded late or still
    open past the promised date) and the average working days from acceptance to conclusion
    (less paused days). Four aggregate queries and one calendar load, whatever the volume."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from tongban.core import queries as core_queries

    from .enums import Channel

    scope = Case.objects.filter(
        region__code__startswith=region_prefix, received_on__gte=since, received_on__lte=until
    )
    rows: dict[int, Stats] = {}

    def row(dept_id: int) -> Stats:
        return rows.setdefault(dept_id, Stats(key=str(dept_id), name=""))

    online = list(Channel.online())
    for r in scope.values("department_id").annotate(
        n=Count("id"),
        online=Count("id", filter=Q(channel__in=online)),
        concluded=Count("id", filter=Q(concluded_at__isnull=False)),
        on_time=Count("id", filter=Q(concluded_on_time=True)),
        late=Count("id", filter=Q(concluded_on_time=False)),
        open_overdue=Count(
            "id",
            filter=Q(  # paused (补正, 特别程序): the clock has stopped, never overdue meanwhile
                concluded_at__isnull=True,
                state=CaseState.ACCEPTED,
                promised_due__lt=on,
            ),
        ),
    ):
        s = row(r["department_id"])
        s.received, s.online, s.concluded = r["n"], r["online"], r["concluded"]
        s.on_time, s.overdue = r["on_time"], r["late"] + r["open_overdue"]
    # Working days per (acceptance day, conclusion day) pair: far fewer pairs than cases.
    pairs = list(
        scope.filter(concluded_at__isnull=False, accepted_on__isnull=False)
        .annotate(done=TruncDate("concluded_at"))
        .values("department_id", "accepted_on", "done")
        .annotate(n=Count("id"), paused=Sum("paused_days"))
    )
    if pairs:
        first = min(p["accepted_on"] for p in pairs)
        last = max(p["done"] for p in pairs)
        from tongban.core.workdays import WorkCalendar

        calendar = WorkCalendar.load(first.year, last.year)
        for p in pairs:
            days = calendar.between(p["accepted_on"], p["done"]) if p["done"] > p["accepted_on"] else 0
            row(p["department_id"]).working_days_total += max(days * p["n"] - (p["paused"] or 0), 0)
    names = (
        dict(core_queries.departments().filter(pk__in=list(rows)).values_list("pk", "name")) if rows else {}
    )
    for dept_id, s in rows.items():
        s.name = names.get(dept_id, str(dept_id))
    out = sorted(rows.values(), key=lambda s: (-s.received, s.name))
    total = Stats(key="total", name=gettext_noop("合计"))
    for s in out:
        for f in ("received", "online", "concluded", "on_time", "overdue", "working_days_total"):
            setattr(total, f, getattr(total, f) + getattr(s, f))
    return out, total


def open_pause(case: Case):
    return case.pauses.filter(ended_on__isnull=True).first()


def check_statistics_scope(actor, region) -> None:
    """Staff see the statistics of their own department's region and below; platform
    administrators and inspectors (互联网+监管) see every region."""
    from tongban.core import queries as core_queries
    from tongban.core.errors import Forbidden

    if actor.is_superuser or any(
        account_queries.has_role(actor, r) for r in (StaffRole.PLATFORM_ADMIN, StaffRole.INSPECTOR)
    ):
        return
    home = core_queries.get_region(actor.department.region_id) if actor.department_id else None
    if home is None or not region.code.startswith(home.prefix):
        raise Forbidden("只能查看本部门所在地区及下辖地区的统计")


# --- Extensions (延期) awaiting their approver ----------------------------------------------------


def pending_extension(case: Case) -> ExtensionRequest | None:
    """The case's extension request waiting for its approver, if any."""
    return (
        case.extension_requests.filter(state=ExtensionState.PENDING)
        .select_related("requested_by", "approver")
        .first()
    )


def extensions_awaiting(user) -> QuerySet[ExtensionRequest]:
    """The pending requests that name `user` as approver, on cases still open, oldest first."""
    return (
        ExtensionRequest.objects.filter(
            approver=user,
            state=ExtensionState.PENDING,
            case__state__in=(CaseState.ACCEPTED, CaseState.PAUSED),
        )
        .select_related("case", "requested_by")
        .order_by("requested_at", "id")
    )


# --- Who an approval chain needs ------------------------------------------------------------------


def staff_needed(steps: list[dict], *, separate: bool = True) -> dict[str, int]:
    """How many different people of each role a chain needs to take a case to the end: one per
    step of that role under separation of duties, else one per role."""
    need: dict[str, int] = {}
    for step in steps:
        need[step["role"]] = need.get(step["role"], 0) + 1 if separate else 1
    return need


def default_staff_needed() -> dict[str, int]:
    """What the default chain (承办 -> 审核 -> 批准, `common.DEFAULT_CHAIN`) needs."""
    from .common import DEFAULT_CHAIN

    return staff_needed(DEFAULT_CHAIN)


def chains_staff_needed() -> dict[str, dict[str, int]]:
    """Per item code with an approval chain of its own, the people of each role it needs."""
    from .models import ApprovalChain

    return {
        code: staff_needed(steps, separate=separate)
        for code, steps, separate in ApprovalChain.objects.values_list(
            "item_code", "steps", "separation_of_duties"
        )
    }


# 行政许可 results that may be published (双公示): decisions on licensing items (事项类型 01) for
# legal persons and 个体工商户. Only the decision, the item, the applicant's registered name and
# credit code and the decision date leave this function: never a natural person's name or ID (a
# case applied for by a natural person is not listed at all), never the form or the reasons.
LICENSING_RESULT_FIELDS = (
    "number",
    "item_code",
    "item_name",
    "department_id",
    "decision",
    "decided_on",
    "holder_name",
    "holder_credit_code",
)


def published_licensing_results(
    *, department_id: int | None = None, year: int | None = None, q: str = ""
) -> QuerySet:
    """Decided licensing cases of legal persons, newest decision first, as dicts of
    LICENSING_RESULT_FIELDS (department_id names the deciding department)."""
    from django.db.models import F
    from django.db.models.functions import TruncDate

    qs = Case.objects.filter(
        item__item_type="01", legal_person__isnull=False, decided_at__isnull=False
    ).exclude(decision="")
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if year is not None:
        qs = qs.filter(decided_at__year=year)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(
            Q(item_name__icontains=q)
            | Q(legal_person__name__icontains=q)
            | Q(legal_person__credit_code=q.upper())
        )
    return (
        qs.annotate(
            decided_on=TruncDate("decided_at"),
            holder_name=F("legal_person__name"),
            holder_credit_code=F("legal_person__credit_code"),
        )
        .order_by("-decided_at", "-id")
        .values(*LICENSING_RESULT_FIELDS)
    )


# --- Facts for insight's rollups (一屏全览) ------------------------------------------------------
# What a case contributes to the rollups, in two forms that must agree: `rollup_facts` for one
# case (insight's hook on `signals.case_changed`, in the transition's transaction) and
# `rollup_source` for many (insight's rebuild and recount, one SQL query). Nothing personal.

SUPPLIED_STAGES = ("generated", "signed")  # MaterialStage: 申请表 generated, 告知承诺书 signed online


def rollup_facts(case: Case, *, supplied: bool = False) -> dict:
    """One case's facts. `supplied`: also count the materials the platform supplied in place of
    a file (two small queries; insight asks only when the case is created, after which they
    never change): licences from the library, identity verified, forms generated or signed."""
    from django.utils import timezone

    facts = {
        "submitted_day": timezone.localdate(case.submitted_at),
        "accepted_on": case.accepted_on,
        "concluded_day": timezone.localdate(case.concluded_at) if case.concluded_at else None,
        "region_id": case.region_id,
        "department_id": case.department_id,
        "item_code": case.item_code,
        "channel": case.channel,
        "state": case.state,
        "case_type": case.case_type,
        "concluded_on_time": case.concluded_on_time,
        "statutory_days": case.statutory_days,
        "paused_days": case.paused_days,
    }
    if supplied:
        facts["visits"] = case.item.visits  # the item version applied for (到办事现场次数)
        facts["exempt_licence"] = CaseLicence.objects.filter(case=case).count()
        facts["exempt_identity"] = len(case.identity_materials or [])
        facts["exempt_form"] = CaseMaterial.objects.filter(case=case, stage__in=SUPPLIED_STAGES).count()
    return facts


class _JsonArrayLength(Func):
    function = "json_array_length"  # SQLite (JSON1)
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)


ROLLUP_SOURCE_DAYS = {"submitted": "submitted_at", "accepted": "accepted_on", "concluded": "concluded_at"}


def rollup_source(*, by: str, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Every case's `rollup_facts(supplied=True)` as one values() queryset (no ordering), those
    whose day `by` ("submitted", "accepted", "concluded": local dates) lies in [date_from,
    date_to] (either bound open when None). Insight wraps its SQL in its own aggregate."""
    from django.db.models import Count, F, Subquery
    from django.db.models.functions import Coalesce, TruncDate
    from django.utils import timezone

    def count_of(model, **where):
        rows = model.objects.filter(case=OuterRef("pk"), **where).order_by().values("case")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

    qs = Case.objects.order_by()
    column = ROLLUP_SOURCE_DAYS[by]
    if by == "accepted":
        if date_from:
            qs = qs.filter(accepted_on__gte=date_from)
        if date_to:
            qs = qs.filter(accepted_on__lte=date_to)
        qs = qs.filter(accepted_on__isnull=False)
    else:
        zone = timezone.get_current_timezone()
        if date_from:
            qs = qs.filter(**{f"{column}__gte": dt.datetime.combine(date_from, dt.time.min, zone)})
        if date_to:
            end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone)
            qs = qs.filter(**{f"{column}__lt": end})
        qs = qs.filter(**{f"{column}__isnull": False})
    supplied = {}
    if by == "submitted":  # only what the received counters need (the others skip the subqueries)
        supplied = {
            "visits": F("item__visits"),
            "exempt_licence": count_of(CaseLicence),
            "exempt_identity": _JsonArrayLength("identity_materials"),
            "exempt_form": count_of(CaseMaterial, stage__in=SUPPLIED_STAGES),
        }
    return qs.annotate(
        submitted_day=TruncDate("submitted_at"), concluded_day=TruncDate("concluded_at"), **supplied
    ).values(
        "submitted_day",
        "accepted_on",
        "concluded_day",
        "region_id",
        "department_id",
        "item_code",
        "channel",
        "state",
        "case_type",
        "concluded_on_time",
        "statutory_days",
        "paused_days",
        *supplied,
    )


def rollup_span() -> tuple[dt.date, dt.date] | None:
    """The first and last local day any case was submitted, accepted or concluded (None: no case)."""
    from django.db.models import Max, Min
    from django.utils import timezone

    row = Case.objects.aggregate(
        s0=Min("submitted_at"),
        s1=Max("submitted_at"),
        a0=Min("accepted_on"),
        a1=Max("accepted_on"),
        c1=Max("concluded_at"),
    )
    if row["s0"] is None:
        return None
    days = [timezone.localdate(row["s0"]), timezone.localdate(row["s1"])]
    days += [d for d in (row["a0"], row["a1"]) if d]
    if row["c1"]:
        days.append(timezone.localdate(row["c1"]))
    return min(days), max(days)


# --- 好差评 (ratings reads a case through these two; it never imports cases' models) ---------------


def rating_facts(number: str) -> dict | None:
    """What 好差评 binds a rating of case `number` to: its applicant (who may rate it online),
    its 办结 time (None while not concluded), department, 6-digit region code, item, channel
    (办理形式 code), and who keyed it in (a window clerk for a window case). None: no such case."""
    row = (
        Case.objects.filter(number=number)
        .values(
            "number",
            "applicant_id",
            "concluded_at",
            "department_id",
            "region_id",
            "item_code",
            "item_name",
            "channel",
            "submitted_by_id",
            "submitted_at",
        )
        .first()
    )
    if row is None:
        return None
    row["region_code"] = (row.pop("region_id") or "")[:6]
    return row


def last_window_case(clerk_id: int, *, since: dt.datetime | None = None) -> str | None:
    """The number of the last case clerk `clerk_id` took in at a window (前台受理), at or after
    `since` when given: what the window's rating screen asks the applicant to rate."""
    from .enums import Channel

    cases = Case.objects.filter(submitted_by_id=clerk_id, channel=Channel.WINDOW)
    if since is not None:
        cases = cases.filter(submitted_at__gte=since)
    return cases.order_by("-submitted_at", "-id").values_list("number", flat=True).first()
