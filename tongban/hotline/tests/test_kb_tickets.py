"""The dispatch suggestion with real tickets: trained by `manage.py hotline train-classifier` on the
tickets units signed for, and never dispatching by itself (the ticket stays where the operator
left it while the suggestion and the assist panel are shown)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tongban.demo import hotline_history

from .. import suggest
from ..dispatch import do_accept, do_dispatch
from ..enums import TicketState
from ..models import Ticket, TicketEvent
from ..models_kb import DispatchModel
from .tickets_world import (  # noqa: F401 (fixtures)
    World,
    clock_fixture,
    department,
    phone_ticket,
    run,
    staff,
    world_fixture,
)

TICKETS = 40


@pytest.fixture(name="history")
def history_fixture(world: World):
    """TICKETS tickets of the synthetic history taken in by the operator, dispatched to the unit
    the history names and signed for by that unit's staff."""
    units: dict[str, tuple] = {}
    for t in hotline_history.history(TICKETS):
        if t.unit_name not in units:
            city_unit = t.unit_name in {p for p in hotline_history.UNITS.values() if "{d}" not in p}
            dept = department(t.unit_name, "420100" if city_unit else t.region_code)
            units[t.unit_name] = (dept, staff(f"kb-unit-{dept.pk}", "approving_officer", dept=dept))
        dept, unit_staff = units[t.unit_name]
        ticket = phone_ticket(
            world, kind=t.kind, category=t.category, text=t.text, address=t.address, region_code=t.region_code
        )
        run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=dept.pk)
        run(do_accept, actor=unit_staff, number=ticket.number)
    return units


def test_train_classifier_command_prints_held_out_accuracy(world, history):
    out = io.StringIO()
    call_command("hotline", "train-classifier", stdout=out)
    model = DispatchModel.objects.get()
    lines = out.getvalue().splitlines()
    assert (model.samples, model.train_count + model.test_count) == (TICKETS, TICKETS)
    assert lines[0].startswith(f"模型版本 model v{model.pk}: {TICKETS} 件已派单工单 dispatched tickets")
    assert lines[1] == (
        f"诉求分类 category: {model.category_correct}/{model.test_count} = "
        f"{100 * model.category_correct / model.test_count:.1f}%"
    )
    assert lines[2] == (
        f"承办单位 handling unit: {model.unit_correct}/{model.test_count} = "
        f"{100 * model.unit_correct / model.test_count:.1f}%"
    )
    assert (model.test_count, model.category_correct, model.unit_correct) == (9, 7, 3)


def test_train_classifier_refuses_without_history(world):
    with pytest.raises(CommandError, match="至少需要 20 件"):
        call_command("hotline", "train-classifier", stdout=io.StringIO())
    assert not DispatchModel.objects.exists()


def test_the_suggestion_never_dispatches(world, history):
    call_command("hotline", "train-classifier", stdout=io.StringIO())
    ticket = phone_ticket(
        world, category="", text="汉正街一家超市销售过期食品，要求查处", region_code="420104000000"
    )
    events = TicketEvent.objects.filter(ticket=ticket).count()
    s = suggest.suggest(ticket.text, ticket.region_code, ticket.address)
    assert s is not None and s.unit_id in {d.pk for d, _ in history.values()}
    operator = Client()
    operator.force_login(world.operator)
    html = operator.get(
        "/hotline/workbench/kb/assist/", {"text": ticket.text, "region_code": ticket.region_code}
    ).content.decode()
    assert s.unit_name in html
    ticket.refresh_from_db()
    assert (ticket.state, ticket.unit_id, ticket.dispatches, ticket.category) == (
        TicketState.RECEIVED,
        None,
        0,
        "",
    )
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert (
        Ticket.objects.filter(state=TicketState.DISPATCHED).count() == 0
    )  # the history's were all signed for
