"""The national export: the interface's reverse numbering (1 = 非常不满意), mapped at the interface."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from .. import national, services
from .conftest import conclude


@pytest.mark.parametrize(("standard", "interface"), [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)])
def test_the_reverse_numbering(standard, interface):
    assert national.interface_level(standard) == interface


def test_no_other_value_is_mapped():
    for value in (0, 6, -1):
        with pytest.raises(ValueError):
            national.interface_level(value)


def test_the_export_of_a_bad_rating_its_change_and_a_very_good_one(rworld, tmp_path, capsys):
    bad = conclude(rworld)
    good = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=good, level=1)
    services.do_rate(
        actor=rworld["citizen"], kind="case", ref=bad, level=5, reasons=["slow"], text="一个月才办好"
    )
    services.do_change_rating(
        actor=rworld["citizen"], kind="case", ref=bad, level=4, reasons=["slow"], text="还是有点慢"
    )
    today = timezone.localdate().isoformat()
    out = tmp_path / "ratings.jsonl"
    call_command("ratings", "export-national", "--since", today, "--out", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["dataset"] for r in rows] == ["评价", "评价", "修改"]
    first, second, change = rows
    assert (first["subject_ref"], first["satisfaction"], first["satisfaction_name"]) == (good, 5, "非常满意")
    # the 评价 record as the rating stands at export time; the change is its own record
    assert (second["subject_ref"], second["satisfaction"], second["reasons"]) == (bad, 2, ["slow"])
    assert second["department_code"] == rworld["dept"].credit_code and second["channel"] == "1"
    assert (change["previous_satisfaction"], change["satisfaction"], change["satisfaction_name"]) == (
        1,
        2,
        "不满意",
    )
    assert "rater" not in json.dumps(rows)
    with pytest.raises(CommandError):
        call_command("ratings", "export-national", "--since", "2026-13-01")
    with pytest.raises(CommandError):
        call_command("ratings", "export-national", "--since", "2026-10-02", "--until", "2026-10-01")


def test_the_tick_command(rworld, capsys):
    call_command("ratings", "tick", "--base-url", "")
    assert "defaults: 0" in capsys.readouterr().out
