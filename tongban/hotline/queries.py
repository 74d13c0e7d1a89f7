"""Reads of 12345 tickets: by number, the public view (what Open311 and anonymous follow-up
show), the queues (keyset-paginated on the id, over the queue indexes), the log."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.core import queries as core_queries

from . import deadlines
from .enums import CONCLUDED_STATES, Category, TicketState
from .models import TICKET_CONTACT_NAME, TICKET_CONTACT_PHONE, Dispute, Extension, Ticket, TicketEvent

PAGE_SIZE = 50
NUMBER = re.compile(r"\d{12}")


def is_number(number: str) -> bool:
    """A ticket number's shape (yymmdd + 6 digits); anything else names no ticket."""
    return bool(NUMBER.fullmatch(number or ""))


def ticket_by_number(number: str) -> Ticket | None:
    number = (number or "").strip()
    if not is_number(number):
        return None
    return Ticket.objects.select_related("unit").filter(number=number).first()


def ticket_by_source(source_ref: str) -> Ticket | None:
    """A ticket by its source reference (a transfer's or the demo's own number)."""
    ref = (source_ref or "").strip()
    return Ticket.objects.filter(source_ref=ref).order_by("id").first() if ref else None


def _agency(ticket: Ticket) -> str:
    if ticket.unit_id is None:
        return "12345政务服务便民热线"
    return ticket.unit.name


def public_ticket(number: str) -> dict | None:
    """What anyone holding the number sees (Open311 `requests/{id}`): no personal data."""
    ticket = ticket_by_number(number)
    if ticket is None:
        return None
    expected = None
    if ticket.reply_due is not None and ticket.state not in CONCLUDED_STATES:
        expected = deadlines.clock_of(ticket).due
    notes = [
        {"at": e.at, "action": e.action, "note": _public_note(e)}
        for e in TicketEvent.objects.filter(ticket=ticket, public=True).order_by("id")
    ]
    return {
        "number": ticket.number,
        "status": "closed"
        if ticket.state in CONCLUDED_STATES or ticket.state == TicketState.MERGED
        else "open",
        "state": ticket.state,
        "state_label": TicketState(ticket.state).label,
        "kind": ticket.kind,
        "category": ticket.category,
        "category_label": Category(ticket.category).label if ticket.category else "",
        "description": ticket.text,
        "address": ticket.address,
        "lat": float(ticket.latitude) if ticket.latitude is not None else None,
        "long": float(ticket.longitude) if ticket.longitude is not None else None,
        "requested_datetime": ticket.received_at,
        "updated_datetime": ticket.updated_at,
        "expected_datetime": expected,
        "agency_responsible": _agency(ticket),
        "status_notes": notes[-1]["note"] if notes else "",
        "notes": notes,
        "answer": ticket.answer,
        "merged_into": ticket.merged_into.number if ticket.merged_into_id else "",
    }


PUBLIC_NOTES = {
    "intake": _("诉求已受理"),
    "answer_directly": _("已直接答复"),
    "dispatch": _("已派单至承办单位"),
    "redispatch": _("已转派至下级承办单位"),
    "accept": _("承办单位已签收"),
    "return": _("承办单位退回，重新派单中"),
    "arbitration": _("争议裁定中"),
    "arbitrate": _("已裁定承办单位"),
    "reply": _("承办单位已答复"),
    "close": _("已办结"),
    "callback": _("已回访"),
    "reopen": _("回访未解决，已重新办理"),
    "rated": _("已评价"),
    "merge": _("已与相同诉求合并办理"),
}


def _public_note(event: TicketEvent) -> str:
    return str(PUBLIC_NOTES.get(event.action, ""))


@dataclass(frozen=True)
class Page:
    rows: list
    next_after: int | None  # the id to pass as `after` for the next page (None: last page)


QUEUE_FIELDS = (
    "id",
    "number",
    "kind",
    "category",
    "state",
    "text",
    "unit_id",
    "received_at",
    "reply_due",
    "accept_due",
    "supervision",
    "urgency",
    "channel",
)


def tickets_page(
    *,
    unit_id: int | None = None,
    state: str | None = None,
    states=None,
    kind: str | None = None,
    citizen_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """A queue page, newest first, keyset-paginated on id (no OFFSET): served by the
    (unit, state, -id) / (state, -id) / (citizen, -id) indexes. A unit's page over several states
    reads each state's newest rows from the (unit, state, -id) index and merges them: one query
    with `state IN (...)` cannot be ordered by that index, and PostgreSQL then walks the primary
    key backwards past every other unit's tickets (16,000 rows, 33 ms at 10⁶ tickets)."""
    qs: QuerySet[Ticket] = Ticket.objects.all()
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    if citizen_id is not None:
        qs = qs.filter(citizen_id=citizen_id)
    if after:
        qs = qs.filter(id__lt=after)
    limit = max(1, min(int(limit), 200))
    if state:
        parts = [qs.filter(state=state)]
    elif states and unit_id is not None and citizen_id is None:
        parts = [qs.filter(state=s) for s in dict.fromkeys(states)]
    elif states:
        parts = [qs.filter(state__in=list(states))]
    else:
        parts = [qs]
    rows = [r for part in parts for r in part.order_by("-id").only(*QUEUE_FIELDS)[: limit + 1]]
    if len(parts) > 1:
        rows.sort(key=lambda r: r.id, reverse=True)
        rows = rows[: limit + 1]
    more = len(rows) > limit
    rows = rows[:limit]
    names = core_queries.departments_by_id({r.unit_id for r in rows if r.unit_id})
    for r in rows:
        r.unit_name = names[r.unit_id].name if r.unit_id in names else ""
    return Page(rows=rows, next_after=rows[-1].id if more and rows else None)


@dataclass(frozen=True)
class QueueLine:
    """One row of the workbench queue, every cell already a string."""

    number: str
    url: str
    kind: str
    urgent: bool
    state: str
    unit_name: str
    received: str
    due: str
    supervision: str
    text: str


def _truncate(text: str, length: int) -> str:
    """What `truncatechars` prints for plain text: at most `length` characters, "…" included."""
    text = text or ""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def queue_lines(rows) -> list[QueueLine]:
    """The queue page's rows ready to print. Each label is translated once per page and the
    ticket links are made from one reversed URL: in the template, 50 rows of
    `get_FOO_display` (which hashes every choice's lazy label on each call), `{% url %}` and the
    `date` filter took most of the page's time."""
    from django.urls import reverse
    from django.utils import timezone

    from .enums import Supervision, TicketKind

    kinds = {v: str(label) for v, label in TicketKind.choices}
    states = {v: str(label) for v, label in TicketState.choices}
    supervision = {v: str(label) for v, label in Supervision.choices}
    placeholder = "000000000000"
    link = reverse("hotline:desk_ticket", args=[placeholder])
    head, tail = link.split(placeholder)
    zone = timezone.get_current_timezone()
    return [
        QueueLine(
            number=r.number,
            url=f"{head}{r.number}{tail}",
            kind=kinds.get(r.kind, r.kind),
            urgent=r.urgency == "urgent",
            state=states.get(r.state, r.state),
            unit_name=getattr(r, "unit_name", ""),
            received=f"{r.received_at.astimezone(zone):%Y-%m-%d %H:%M}" if r.received_at else "",
            due=f"{r.reply_due:%Y-%m-%d}" if r.reply_due else "",
            supervision=supervision.get(r.supervision, "") if r.supervision else "",
            text=_truncate(r.text, 40),
        )
        for r in rows
    ]


def events_of(ticket: Ticket, *, public_only: bool = False) -> list[TicketEvent]:
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("unit").order_by("id")
    if public_only:
        qs = qs.filter(public=True)
    return list(qs)


def contact_of(ticket: Ticket) -> dict:
    """The caller in clear (for the platform, or a unit the ticket is not anonymous to)."""
    return {"name": TICKET_CONTACT_NAME.read(ticket), "phone": TICKET_CONTACT_PHONE.read(ticket)}


def open_disputes() -> QuerySet[Dispute]:
    return Dispute.objects.filter(state="open").select_related("ticket").order_by("opened_at", "id")


def pending_extensions() -> QuerySet[Extension]:
    return Extension.objects.filter(state="pending").select_related("ticket").order_by("requested_at", "id")
