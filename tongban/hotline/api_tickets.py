"""api_tickets: 12345 tickets under /api/v1/hotline, for the workbench's staff (session).

- `GET /tickets` — the viewer's queue (the platform's received tickets for operators, the unit's
  open tickets for unit staff), newest first, keyset-paginated with `after`.
- `GET /tickets/{number}` — one ticket as its staff see it (404 for anyone else).
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from tongban.apiauth import session
from tongban.core.errors import Forbidden, NotFound
from tongban.core.schemas import ErrorOut

from . import deadlines, permissions, queries
from .enums import TicketState

router = Router()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class TicketRow(Schema):
    number: str
    kind: str
    category: str
    state: str
    unit_id: int | None
    unit_name: str
    received_at: dt.datetime
    reply_due: dt.date | None
    supervision: int


class TicketPage(Schema):
    rows: list[TicketRow]
    next_after: int | None


class TicketEventOut(Schema):
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    unit_id: int | None
    note: str


class TicketOut(TicketRow):
    channel: str
    urgency: str
    text: str
    address: str
    region_code: str
    caller_phone: str  # masked; "" when the ticket is anonymous to the viewer's unit
    returns: int
    dispatches: int
    reopens: int
    bound: bool
    deadline: str  # the calculation in words
    answer: str
    events: list[TicketEventOut]


@router.get("/tickets", auth=[session], response={200: TicketPage, **ERRORS}, summary="12345 ticket queue")
def ticket_queue(request, state: str = "", after: int | None = None):
    user = request.auth
    if not permissions.may_use_workbench(user):
        raise Forbidden("只有热线坐席和承办单位工作人员可以查看工单")
    if state and state not in TicketState.values:
        state = ""
    if permissions.is_operator(user):
        page = queries.tickets_page(state=state or TicketState.RECEIVED, after=after)
    else:
        page = queries.tickets_page(
            unit_id=permissions.unit_of(user),
            state=state or None,
            states=None if state else (TicketState.DISPATCHED, TicketState.ACCEPTED),
            after=after,
        )
    return {"rows": [_row(t) for t in page.rows], "next_after": page.next_after}


def _row(t) -> dict:
    return {
        "number": t.number,
        "kind": t.kind,
        "category": t.category,
        "state": t.state,
        "unit_id": t.unit_id,
        "unit_name": getattr(t, "unit_name", "") or (t.unit.name if t.unit_id else ""),
        "received_at": t.received_at,
        "reply_due": t.reply_due,
        "supervision": t.supervision,
    }


@router.get(
    "/tickets/{number}", auth=[session], response={200: TicketOut, **ERRORS}, summary="A 12345 ticket"
)
def ticket_detail(request, number: str):
    user = request.auth
    ticket = queries.ticket_by_number(number)
    if ticket is None or not permissions.may_see_as_staff(user, ticket):
        raise NotFound("没有找到该工单")
    return _row(ticket) | {
        "channel": ticket.channel,
        "urgency": ticket.urgency,
        "text": ticket.text,
        "address": ticket.address,
        "region_code": ticket.region_code,
        "caller_phone": ticket.contact_phone_masked if permissions.sees_reporter(user, ticket) else "",
        "returns": ticket.returns,
        "dispatches": ticket.dispatches,
        "reopens": ticket.reopens,
        "bound": ticket.bound,
        "deadline": deadlines.clock_of(ticket).explain(),
        "answer": ticket.answer,
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "unit_id": e.unit_id,
                "note": e.note,
            }
            for e in queries.events_of(ticket)
        ],
    }
