"""The hotline's answer to 好差评: a ticket as a ratable subject (`ratings.subjects`)."""

from __future__ import annotations

from tongban.ratings.subjects import Subject

from .enums import CONCLUDED_STATES


def resolve_ticket(ref: str) -> Subject | None:
    from .queries import ticket_by_number

    ticket = ticket_by_number(ref)
    if ticket is None:
        return None
    concluded = ticket.closed_at if ticket.state in CONCLUDED_STATES else None
    return Subject(
        kind="ticket",
        ref=ticket.number,
        owner_user_id=ticket.citizen_id,
        concluded_at=concluded,
        department_id=ticket.unit_id,
        region_code=ticket.unit.region_id[:6] if ticket.unit_id else (ticket.region_code or "420000")[:6],
        title=f"工单 {ticket.number}",
        channel=ticket.channel,
    )


def on_rated(sender=None, *, kind: str = "", ref: str = "", level: int = 0, default: bool = False, **kwargs):
    if kind != "ticket":
        return
    from .dispatch import do_mark_rated

    do_mark_rated(kind=kind, ref=ref, level=level, default=default)
