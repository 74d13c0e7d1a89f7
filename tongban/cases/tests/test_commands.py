"""`manage.py cases tick` and `manage.py cases export-national`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ..enums import CaseState
from ..models import Case
from .conftest import counts, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("cases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_tick_deems_acceptance_and_reports_then_changes_nothing_the_same_day(world):
    case = submit(world)
    out, _ = run("tick", "--date", "2026-10-20")
    assert out.splitlines() == [
        "Tick for 2026-10-20:",
        "  deemed_accepted: 1",
        "  supplements_expired: 0",
        "  steps_escalated: 1",
        "  levels_changed: 1",
        "  staged_purged: 0",
        "  failed: 0",
    ]
    case.refresh_from_db()
    assert (case.state, case.accepted_on, case.deemed_accepted, case.clock_level) == (
        CaseState.ACCEPTED,
        case.received_on,
        True,
        "overdue",
    )
    before = counts()
    out, _ = run("tick", "--date", "2026-10-20")
    assert out.splitlines()[1:] == [
        "  deemed_accepted: 0",
        "  supplements_expired: 0",
        "  steps_escalated: 0",
        "  levels_changed: 0",
        "  staged_purged: 0",
        "  failed: 0",
    ]
    assert counts() == before


def test_tick_without_a_date_runs_for_today(world):
    out, _ = run("tick")
    assert out.startswith("Tick for 2026-09-29:")  # the `day` fixture's today


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tick", "--date", "2026-13-01"], "--date: “2026-13-01” is not a date (YYYY-MM-DD)"),
        (["export-national", "--since", "yesterday"], "--since: “yesterday” is not a date (YYYY-MM-DD)"),
        (
            ["export-national", "--since", "2026-10-02", "--until", "2026-10-01"],
            "--until 2026-10-01 is before --since 2026-10-02",
        ),
        (
            [
                "export-national",
                "--since",
                "2026-09-01",
                "--until",
                "2026-09-02",
                "--out",
                "/no/such/dir/x.jsonl",
            ],
            "--out: the folder",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(world, args, message):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert str(info.value).startswith(message)


def test_export_needs_since(world):
    with pytest.raises(CommandError, match="--since"):
        run("export-national")


def test_export_to_a_file_and_to_standard_output(world, tmp_path):
    case = submit(world)
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.make_aware(dt.datetime(2026, 9, 29, 10, 0)))
    target = tmp_path / "national.jsonl"
    out, _ = run("export-national", "--since", "2026-09-29", "--until", "2026-09-29", "--out", str(target))
    assert out == "Exported 2026-09-29..2026-09-29: 申请 1, 受理 0, 办理 0, 办结 0\n"
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["case_number"] for line in lines] == [case.number]
    out, err = run("export-national", "--since", "2026-09-29", "--until", "2026-09-29")
    assert out.splitlines() == lines
    assert err == "Exported 2026-09-29..2026-09-29: 申请 1, 受理 0, 办理 0, 办结 0\n"
