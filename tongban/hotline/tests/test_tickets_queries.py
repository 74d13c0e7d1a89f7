"""What the busy paths ask the database: a queue page asks the same queries whatever its rows
(names and labels are not looked up per row), and an intake takes its number in one statement
and asks the operator's roles once per user object."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..services import do_dispatch, do_intake
from .tickets_world import clock_fixture, phone_ticket, run, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def page_queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as asked:
        response = client.get(path)
    assert response.status_code == 200
    return len(asked.captured_queries), response.content.decode()


def test_a_queue_page_asks_the_same_queries_whatever_its_rows(client, world):
    client.force_login(world.operator)
    first = phone_ticket(world)
    few, page = page_queries(client, "/hotline/desk/")
    assert first.number in page
    more = [phone_ticket(world, kind=kind) for kind in ("help", "report", "suggestion", "other") * 3]
    many, page = page_queries(client, "/hotline/desk/")
    assert few == many
    assert all(t.number in page for t in more) and "举报" in page and "建议" in page
    assert f'href="/hotline/desk/t/{more[-1].number}/"' in page
    # A unit's queue, its tickets from two dispatches: the same again.
    for ticket in more[:2]:
        run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=world.county.pk)
    client.force_login(world.county_staff)
    few, page = page_queries(client, "/hotline/desk/")
    for ticket in more[2:8]:
        run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=world.county.pk)
    many, page = page_queries(client, "/hotline/desk/")
    assert (
        few == many and page.count(f'<td lang="zh-Hans">{world.county.name}</td>') == 8 and "已派单" in page
    )


def test_an_intake_takes_its_number_in_one_statement_and_asks_the_roles_once(world):
    values = {
        "channel": "phone",
        "kind": "complaint",
        "category": "urban",
        "text": "江夏区纸坊大街夜间施工噪音扰民，持续一周",
        "region_code": "420115",
    }
    with CaptureQueriesContext(connection) as asked:
        one = do_intake(actor=world.operator, **values)
        two = do_intake(actor=world.operator, **values)
    sql = [q["sql"] for q in asked.captured_queries]
    assert int(two.number) == int(one.number) + 1 and one.number[:6] == "260929"
    assert sum("hotline_ticketcounter" in s for s in sql) == 2  # one upsert per intake
    assert sum("auth_group" in s for s in sql) == 1  # the operator's roles, asked once
    assert sum("core_department" in s for s in sql) == 1  # the operator's centre, asked once
