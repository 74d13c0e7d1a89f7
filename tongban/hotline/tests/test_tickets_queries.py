"""What the busy paths ask the database: a queue page asks the same queries whatever its rows
(names and labels are not looked up per row), and an intake takes its number in one statement
(no lock), writes in one more and asks the operator's roles once per user object; the deadline rules are read once per
process until a rule write commits."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .. import deadlines, queries
from ..services import do_accept, do_dispatch, do_intake, do_set_deadline_rule
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
    with CaptureQueriesContext(connection) as first:
        one = do_intake(actor=world.operator, **values)
    with CaptureQueriesContext(connection) as asked:
        two = do_intake(actor=world.operator, **values)
    sql = [q["sql"] for q in first.captured_queries + asked.captured_queries]
    assert int(two.number) == int(one.number) + 1 and one.number[:6] == "260929"
    assert sum("auth_group" in s for s in sql) == 1  # the operator's roles, asked once
    assert sum("core_department" in s for s in sql) == 1  # the operator's centre, asked once
    assert not any("FOR UPDATE" in s or "UPDATE hotline_ticketcounter" in s for s in sql)
    if connection.vendor != "postgresql":
        return  # SQLite: the ORM's statements under its one write lock
    # The second intake (the day open): the savepoint, the number with the audit chain's head
    # (and lock), one statement writing the ticket, its log line, the centre's rollup and the
    # audit event, the savepoint's release.
    second = [q["sql"] for q in asked.captured_queries]
    assert len(second) == 4, second
    assert second[0].startswith("SAVEPOINT") and second[-1].startswith("RELEASE SAVEPOINT")
    draw = second[1]
    assert "nextval('hotline_ticket_number_seq')" in draw and "core_audit_chain_head(" in draw
    write = second[2]
    assert write.startswith('WITH new_ticket AS (INSERT INTO "hotline_ticket"')
    assert 'INSERT INTO "hotline_ticketevent"' in write and "INSERT INTO hotline_centrerollup" in write
    assert 'audit_events AS (INSERT INTO "core_auditevent"' in write


@pytest.fixture(name="fresh_rules")
def fresh_rules_fixture():
    """A test that commits rule writes (on-commit run) leaves no snapshot to the next test, whose
    database no longer holds its rules."""
    deadlines.rules_changed()
    yield
    deadlines.rules_changed()


def test_intakes_read_the_rules_once_until_a_rule_write_commits(world, fresh_rules):
    values = {
        "channel": "phone",
        "kind": "help",
        "text": "小区门口井盖缺失，存在安全隐患",
        "region_code": "420115",
    }

    def intakes(n: int) -> tuple[list[int], int]:
        with CaptureQueriesContext(connection) as asked:
            days = [do_intake(actor=world.operator, **values).reply_days for _ in range(n)]
        return days, sum("hotline_deadlinerule" in q["sql"] for q in asked.captured_queries)

    assert intakes(3) == ([5, 5, 5], 1)  # the default for 求助, the table read once
    # Inside the transaction that writes a rule, the writer reads its own row, uncached.
    with transaction.atomic():
        do_set_deadline_rule(actor=world.admin, kind="help", urgency="normal", accept_hours=4, reply_days=2)
        assert intakes(2) == ([2, 2], 2)
        # What the commit does (the test's own transaction never commits): the write's callbacks
        # leave the connection and run, retiring every process's snapshot.
        mine = [c for c in connection.run_on_commit if c[1] is deadlines.rules_changed]
        connection.run_on_commit = [c for c in connection.run_on_commit if c not in mine]
        assert len(mine) == 1
        version = deadlines._rules_version()
        mine[0][1]()
        assert deadlines._rules_version() != version
    assert intakes(3) == ([2, 2, 2], 1)  # read again once, then from the snapshot


def test_a_units_queue_over_two_states_pages_newest_first_without_gaps(world):
    tickets = [phone_ticket(world, text=f"江夏区纸坊大街第{i}处施工噪音扰民，请处理") for i in range(7)]
    for ticket in tickets:
        run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=world.county.pk)
    for ticket in tickets[1::2]:
        run(do_accept, actor=world.county_staff, number=ticket.number)
    run(do_dispatch, actor=world.operator, number=phone_ticket(world).number, unit_id=world.city.pk)
    want = sorted((t.pk for t in tickets), reverse=True)
    seen, after, pages = [], None, 0
    while True:
        page = queries.tickets_page(
            unit_id=world.county.pk, states=("dispatched", "accepted"), after=after, limit=3
        )
        seen += [r.id for r in page.rows]
        pages += 1
        assert {r.state for r in page.rows} <= {"dispatched", "accepted"}
        assert all(r.unit_name == world.county.name for r in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert (seen, pages) == (want, 3)
    accepted = queries.tickets_page(unit_id=world.county.pk, state="accepted")
    assert [r.id for r in accepted.rows] == sorted((t.pk for t in tickets[1::2]), reverse=True)
