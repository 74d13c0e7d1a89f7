"""Helpers every ticket service shares: the row lock, the event log, the caller's SMS."""

from __future__ import annotations

import logging

from django.db import transaction

from tongban.accounts import services as account_services
from tongban.core import audit
from tongban.core.errors import Conflict, NotFound

from . import deadlines
from .models import TICKET_CONTACT_PHONE, Ticket, TicketEvent

log = logging.getLogger(__name__)

PLATFORM_CENTRE = "420000"  # the provincial 12345 centre (Hubei, GB/T 2260)


def locked(number: str) -> Ticket:
    """The ticket, row-locked for the transaction; NotFound when there is none."""
    number = (number or "").strip()
    ticket = (
        Ticket.objects.select_for_update().filter(number=number).first()
        if number.isascii() and number.isdigit() and len(number) == 12
        else None
    )
    if ticket is None:
        raise NotFound("没有找到该工单")
    return ticket


def require_state(ticket: Ticket, *states: str, message: str) -> None:
    if ticket.state not in states:
        raise Conflict(message)


def log_event(
    ticket: Ticket,
    *,
    actor,
    action: str,
    from_state: str,
    note: str = "",
    unit_id: int | None = None,
    public: bool = True,
    data: dict | None = None,
) -> TicketEvent:
    """One line in the ticket's log and one audit event, in the caller's transaction."""
    event = new_event(
        ticket, actor=actor, action=action, from_state=from_state, note=note, unit_id=unit_id, public=public
    )
    event.save()
    audit_event(ticket, actor=actor, action=action, from_state=from_state, unit_id=unit_id, data=data)
    return event


def new_event(
    ticket: Ticket,
    *,
    actor,
    action: str,
    from_state: str,
    note: str = "",
    unit_id: int | None = None,
    public: bool = True,
) -> TicketEvent:
    """The log line `log_event` writes, not saved yet (intake writes it in its own statement)."""
    user = actor if getattr(actor, "pk", None) is not None and not isinstance(actor, str) else None
    return TicketEvent(
        ticket=ticket,
        at=deadlines.now(),
        actor=user,
        actor_label=audit.actor_label(actor),
        action=action,
        from_state=from_state,
        to_state=ticket.state,
        unit_id=unit_id,
        note=note,
        public=public,
    )


def audit_event(ticket: Ticket, *, actor, action: str, from_state: str, unit_id=None, data=None) -> None:
    """The audit event of a ticket's transition (`log_event`'s)."""
    audit.record(
        actor=actor,
        action=f"hotline.ticket.{action}",
        object_type="hotline.ticket",
        object_id=ticket.number,
        data={"from": from_state, "to": ticket.state, "unit": unit_id, **(data or {})},
    )


def notify_caller(ticket: Ticket, text: str) -> None:
    """SMS to the caller's number after commit (never raises; the number stays out of logs)."""
    if not ticket.contact_phone_enc:
        return
    stored, number, masked = ticket.contact_phone_enc, ticket.number, ticket.contact_phone_masked

    def send() -> None:
        try:
            phone = TICKET_CONTACT_PHONE.decrypt(stored, number=number)
            if phone:
                account_services.sms_gateway().send(phone, f"【12345】{text}")
        except Exception as exc:  # the transition has committed; the SMS is best effort
            log.warning("hotline: SMS to %s failed: %s", masked, type(exc).__name__)

    transaction.on_commit(send)
