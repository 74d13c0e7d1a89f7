"""`manage.py openness tick`: warnings once per level; paused and extended requests are not
overdue."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tongban.core.models import AuditEvent

from .. import disclosure
from ..enums_disclosure import ClockLevel
from .disclosure_world import submit, today_fixture, world_fixture  # noqa: F401 (fixtures)

D = dt.date


def run(day: str) -> str:
    out = StringIO()
    call_command("openness", "tick", "--date", day, stdout=out)
    return out.getvalue()


def warnings() -> list[tuple[str, str]]:
    return [
        (e.data["number"], e.data["level"])
        for e in AuditEvent.objects.filter(action="openness.disclosure.warning").order_by("seq")
    ]


def test_tick_warns_once_per_level(world):
    req = submit(world.citizen, world.body)
    disclosure.do_accept(actor=world.handler, pk=req.pk)
    assert run("2026-10-23") == "checked=1 warning=0 overdue=0\n"
    assert run("2026-10-26") == f"checked=1 warning=1 overdue=0\nwarning {req.number}\n"
    assert run("2026-10-27") == "checked=1 warning=0 overdue=0\n"  # already warned
    assert run("2026-11-03") == f"checked=1 warning=0 overdue=1\noverdue {req.number}\n"
    assert run("2026-11-04") == "checked=1 warning=0 overdue=0\n"
    assert warnings() == [(req.number, "warning"), (req.number, "overdue")]
    req.refresh_from_db()
    assert req.clock_level == ClockLevel.OVERDUE


def test_an_extended_request_is_not_overdue_inside_its_extension_and_a_paused_one_never(world, today):
    extended = submit(world.citizen, world.body)
    ext = disclosure.do_ask_extension(actor=world.handler, pk=extended.pk, days=20, reason="需要调取档案")
    disclosure.do_decide_extension(actor=world.head, pk=extended.pk, extension_id=ext.pk, approve=True)
    paused = submit(world.citizen, world.body)
    today(D(2026, 10, 12))
    disclosure.do_ask_clarification(actor=world.handler, pk=paused.pk, question="请说明所需信息的年度")
    assert run("2026-11-16") == "checked=2 warning=0 overdue=0\n"
    assert warnings() == []
    assert run("2026-12-01") == f"checked=2 warning=0 overdue=1\noverdue {extended.number}\n"


def test_a_bad_date_is_refused(world):
    with pytest.raises(CommandError, match="--date"):
        run("2026-13-01")
