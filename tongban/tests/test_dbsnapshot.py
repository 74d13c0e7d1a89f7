"""The test database snapshot (tongban/dbsnapshot.py) the story tests use to seed the demo once
per process: a restore gives back exactly the rows taken, into an emptied database, and the
sequences go on after them (a new row never collides with a restored one)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tongban import dbsnapshot
from tongban.catalog.testing import ensure_regions, make_department
from tongban.core.models import Department, Region


def rows():
    return (
        sorted(Region.objects.values_list("code", "name")),
        sorted(Department.objects.values_list("pk", "name", "credit_code")),
    )


@pytest.mark.django_db(transaction=True)
def test_a_restore_gives_back_the_rows_taken_and_the_sequences_go_on():
    ensure_regions()
    make_department(region="420100", name="武汉市市场监督管理局")
    make_department(region="420115", name="武汉市江夏区行政审批局")
    taken = rows()
    assert dbsnapshot.available()
    snapshot = dbsnapshot.take()

    call_command("flush", interactive=False, verbosity=0)
    assert rows() == ([], [])

    dbsnapshot.restore(snapshot)
    assert rows() == taken
    newest = make_department(region="420100", name="武汉市人力资源和社会保障局")
    assert newest.pk > max(pk for pk, _name, _code in taken[1])


@pytest.mark.django_db
def test_it_is_not_offered_inside_a_transaction():
    assert not dbsnapshot.available()


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_saved_to_a_file_restores_the_same_rows_in_another_process(tmp_path):
    """What pytest-xdist's workers share: one seeds and saves, another loads the file and restores."""
    ensure_regions()
    make_department(region="420115", name="武汉市江夏区行政审批局")
    taken = rows()
    path = tmp_path / "snapshot"
    dbsnapshot.save(dbsnapshot.take(), path)

    call_command("flush", interactive=False, verbosity=0)
    assert rows() == ([], [])

    from django.db import connection

    dbsnapshot.restore(dbsnapshot.load(path, connection.vendor))
    assert rows() == taken


@pytest.mark.django_db(transaction=True)
def test_a_sequence_no_column_owns_goes_on_after_its_value_when_taken(tmp_path):
    """The hotline's ticket numbers come from such a sequence: restored into a database whose
    sequence is behind (another process's), it must not hand out values the rows already hold."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("sequences: PostgreSQL")

    def nextval() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT nextval('hotline_ticket_number_seq')")
            return cur.fetchone()[0]

    taken_at = max(nextval() for _ in range(5))
    path = tmp_path / "snapshot"
    dbsnapshot.save(dbsnapshot.take(), path)
    with connection.cursor() as cur:
        cur.execute("ALTER SEQUENCE hotline_ticket_number_seq RESTART")  # as a fresh database's
    assert nextval() == 1
    dbsnapshot.restore(dbsnapshot.load(path, connection.vendor))
    assert nextval() == taken_at + 1
