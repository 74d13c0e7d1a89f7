"""The demo story (issue 14's Done-when): keyed in, dispatched province → city (returned) →
county, replied, called back and reopened once, then solved and rated through the SMS link;
idempotent."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tongban.demo import hotline_story
from tongban.ratings import queries as rating_queries
from tongban.ratings.enums import Level

from .. import metrics, queries
from ..models import Ticket
from .tickets_world import clock_fixture, department, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_story_runs_once(world):
    city = department("武汉市市场监督管理局", "420100")
    county = department("江夏区市场监督管理局", "420115")
    said: list[str] = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert hotline_story.seed_hotline_story(actor="system:demo", say=said.append) is True
    ticket = queries.ticket_by_source(hotline_story.STORY_REF)
    assert (ticket.state, ticket.unit_id, ticket.returns, ticket.reopens, ticket.solved) == (
        "visited",
        county.pk,
        1,
        1,
        True,
    )
    actions = [e.action for e in queries.events_of(ticket)]
    assert actions[:5] == ["intake", "dispatch", "accept", "return", "dispatch"]
    assert actions.count("reopen") == 1 and actions[-1] == "callback"
    assert metrics.unit_totals([city.pk])["returned"] == 1
    county_totals = metrics.unit_totals([county.pk])
    assert (county_totals["closed"], county_totals["visited"]) == (2, 2)
    centre = metrics.centre_rates(metrics.centre_totals())
    assert centre["answer_rate"] == round(2 / 3, 4) and centre["direct_rate"] == 0.5
    count = Ticket.objects.count()
    assert hotline_story.seed_hotline_story(actor="system:demo", say=said.append) is False
    assert Ticket.objects.count() == count
    # 评价: the caller rates through 好差评's SMS link; the ticket moves to 已评价, once.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert hotline_story.rate_story_ticket(actor="system:demo", say=said.append) is True
    ticket.refresh_from_db()
    assert ticket.state == "rated"
    assert rating_queries.rating_of("ticket", ticket.number).level == Level.SATISFIED
    assert hotline_story.rate_story_ticket(actor="system:demo", say=said.append) is False
