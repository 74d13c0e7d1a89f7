"""受理 and 直接答复: validation naming the field, the caller encrypted and masked, numbers, SMS,
the public view, the queue page."""

from __future__ import annotations

import pytest

from tongban.accounts import gateways
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .. import metrics, queries
from ..models import TICKET_CONTACT_PHONE, CentreRollup, Ticket, TicketEvent
from ..services import do_answer_directly, do_intake, do_record_call
from .tickets_world import clock_fixture, phone_ticket, run, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_phone_intake_encrypts_the_caller_and_numbers_the_ticket(world):
    ticket = phone_ticket(world)
    assert ticket.number == "260929000001"
    assert ticket.state == "received"
    assert ticket.channel == "phone" and ticket.kind == "complaint" and ticket.category == "urban"
    assert ticket.region_code == "420115"
    assert ticket.operator_id == world.operator.pk
    assert "13912345678" not in ticket.contact_phone_enc
    assert ticket.contact_phone_masked == "139****5678"
    assert TICKET_CONTACT_PHONE.read(ticket) == "13912345678"
    assert queries.contact_of(ticket) == {"name": "张先生", "phone": "13912345678"}
    # 投诉: 10 working days after 29 Sep 2026: 30 Sep, (1-7 Oct holidays) 8, 9, 10 (the Saturday
    # worked, 调休), 12, 13, 14, 15, 16, 19 Oct.
    assert ticket.reply_days == 10
    assert str(ticket.reply_due) == "2026-10-19"
    assert phone_ticket(world).number == "260929000002"
    assert [e.action for e in TicketEvent.objects.filter(ticket=ticket)] == ["intake"]
    event = AuditEvent.objects.get(action="hotline.ticket.intake", object_id=ticket.number)
    assert "13912345678" not in str(event.data)
    sms = gateways.outbox("13912345678")
    assert len(sms) == 2 and ticket.number in sms[0]


def test_intake_names_every_bad_field_and_writes_nothing(world):
    with pytest.raises(InvalidInput) as caught:
        do_intake(
            actor=world.operator,
            channel="fax",
            kind="rumour",
            text="短",
            category="weather",
            latitude="north",
            longitude=400,
            region_code="12",
            contact_phone="12345",
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "channel",
        "kind",
        "text",
        "category",
        "latitude",
        "longitude",
        "region_code",
        "contact_phone",
    }
    assert Ticket.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="hotline.").exists()


def test_phone_intake_is_for_operators_only(world):
    with pytest.raises(Forbidden):
        do_intake(actor=world.citizen, channel="phone", kind="help", text="我家门口的路灯坏了很久了")
    with pytest.raises(Forbidden):
        do_intake(actor=world.county_staff, channel="phone", kind="help", text="我家门口的路灯坏了很久了")
    assert Ticket.objects.count() == 0


def test_web_intake_by_a_citizen_is_theirs(world):
    ticket = run(
        do_intake,
        actor=world.citizen,
        channel="web",
        kind="suggestion",
        text="建议在纸坊大街增设公交站点，方便居民出行",
        region_code="420115",
    )
    assert ticket.citizen_id == world.citizen.pk and ticket.operator_id is None
    page = queries.tickets_page(citizen_id=world.citizen.pk)
    assert [t.number for t in page.rows] == [ticket.number]
    assert queries.tickets_page(citizen_id=world.stranger.pk).rows == []


def test_department_transfer_by_unit_staff(world):
    ticket = run(
        do_intake,
        actor=world.county_staff,
        channel="transfer",
        kind="help",
        text="群众来访反映小区供水中断三天，转12345统一办理",
        source_ref="JX-2026-0017",
    )
    assert ticket.channel == "transfer" and ticket.source_ref == "JX-2026-0017"


def test_answer_directly_closes_and_counts(world):
    ticket = phone_ticket(world, kind="consult", text="请问新生儿医保参保需要哪些材料？")
    other = phone_ticket(world)
    done = run(
        do_answer_directly,
        actor=world.operator,
        number=ticket.number,
        answer="携带户口簿和出生证明到社区办理",
    )
    assert done.state == "closed" and done.direct is True and done.closed_on_time is True
    assert done.article_id is None and done.answer == "携带户口簿和出生证明到社区办理"
    totals = metrics.centre_totals("420000")
    assert totals["tickets"] == 2 and totals["direct"] == 1
    assert metrics.centre_rates(totals)["direct_rate"] == 0.5
    public = queries.public_ticket(ticket.number)
    assert public["status"] == "closed" and public["status_notes"] == "已直接答复"
    assert public["agency_responsible"] == "12345政务服务便民热线"
    assert "张先生" not in str(public) and "13912345678" not in str(public)
    assert queries.public_ticket(other.number)["status"] == "open"
    assert queries.public_ticket("nope") is None


def test_answer_directly_refusals_change_nothing(world):
    ticket = phone_ticket(world, kind="consult", text="请问新生儿医保参保需要哪些材料？")
    with pytest.raises(Forbidden):
        do_answer_directly(actor=world.county_staff, number=ticket.number, answer="去社区办")
    with pytest.raises(InvalidInput) as caught:
        do_answer_directly(actor=world.operator, number=ticket.number, answer=" ")
    assert caught.value.problems[0].field == "answer"
    do_answer_directly(actor=world.operator, number=ticket.number, answer="去社区办理")
    with pytest.raises(Conflict):
        do_answer_directly(actor=world.operator, number=ticket.number, answer="再答一次")
    ticket.refresh_from_db()
    assert ticket.answer == "去社区办理"
    assert TicketEvent.objects.filter(ticket=ticket, action="answer_directly").count() == 1


def test_call_records_make_the_answer_rate(world):
    for answered in (True, True, True, False):
        do_record_call(actor=world.operator, answered=answered, seconds=60)
    totals = metrics.centre_totals("420000")
    assert (totals["calls"], totals["answered_calls"]) == (4, 3)
    assert metrics.centre_rates(totals)["answer_rate"] == 0.75
    with pytest.raises(Forbidden):
        do_record_call(actor=world.citizen, answered=True)
    assert CentreRollup.objects.get().calls == 4


def test_queue_page_is_keyset_paginated(world):
    numbers = [phone_ticket(world).number for _ in range(5)]
    first = queries.tickets_page(state="received", limit=2)
    assert [t.number for t in first.rows] == numbers[::-1][:2]
    second = queries.tickets_page(state="received", limit=2, after=first.next_after)
    assert [t.number for t in second.rows] == numbers[::-1][2:4]
    last = queries.tickets_page(state="received", limit=2, after=second.next_after)
    assert [t.number for t in last.rows] == numbers[:1] and last.next_after is None
