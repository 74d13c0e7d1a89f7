"""`manage.py insight rebuild-rollups`: idempotent (twice, the same rows), audited, whole months,
bad dates refused naming the option with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from tongban.core.models import AuditEvent
from tongban.insight import rollups
from tongban.insight.models import Rollup

from .walk import walk

pytestmark = pytest.mark.usefixtures("regions_loaded")
FAR = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def test_rebuild_rollups_twice_gives_the_same_rows_and_is_audited(world, day, capsys):
    walk(world, day, seed=5, steps=20)
    live = rollups.live_rows(*FAR)
    Rollup.objects.all().delete()
    call_command("insight", "rebuild-rollups")
    assert rollups.live_rows(*FAR) == live
    first = set(
        Rollup.objects.values_list("grain", "day", "region_code", "department_id", "item_code", "received")
    )
    call_command("insight", "rebuild-rollups")
    second = set(
        Rollup.objects.values_list("grain", "day", "region_code", "department_id", "item_code", "received")
    )
    assert first == second and rollups.live_rows(*FAR) == live
    out = capsys.readouterr().out
    assert "rebuilt" in out
    events = AuditEvent.objects.filter(action="insight.rollups.rebuild")
    assert events.count() == 2


def test_a_range_rebuilds_its_whole_months_only(world, day):
    walk(world, day, seed=6, steps=15)
    live = rollups.live_rows(*FAR)
    september = [k for k in live if k[1] < dt.date(2026, 10, 1)]
    other = [k for k in live if k[1] >= dt.date(2026, 10, 1)]
    assert september and other
    Rollup.objects.update(received=77)
    call_command("insight", "rebuild-rollups", "--from", "2026-09-15", "--to", "2026-09-16")
    now = rollups.live_rows(*FAR)
    assert all(now[k] == live[k] for k in september)  # September recounted
    assert all(now[k]["received"] == 77 for k in other)  # the rest untouched


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from"),
        (["--to", "yesterday"], "--to"),
        (["--from", "2026-05-02", "--to", "2026-05-01"], "to"),
    ],
)
def test_bad_dates_are_refused_naming_the_option_and_change_nothing(db, args, message):
    Rollup.objects.create(
        grain="d", day=dt.date(2026, 5, 1), region_code="420100000000", department_id=1, received=3
    )
    audit = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("insight", "rebuild-rollups", *args)
    assert list(Rollup.objects.values_list("received", flat=True)) == [3]
    assert AuditEvent.objects.count() == audit
