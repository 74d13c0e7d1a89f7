"""`manage.py licences tick | rotate-seal | revoke-seal | verify`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from ..enums import LicenceState
from ..models import Licence, SealKey
from .conftest import TODAY, counts, issue_business, issue_food

pytestmark = pytest.mark.usefixtures("regions_loaded")


def run(*args) -> str:
    out = io.StringIO()
    call_command("licences", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_tick_expires_and_is_idempotent(world):
    food = issue_food(world)
    day = (food.valid_until + dt.timedelta(days=1)).isoformat()
    assert run("tick", "--date", day) == f"Licence tick for {day}: 1 expired\n"
    assert Licence.objects.get(pk=food.pk).state == LicenceState.EXPIRED
    before = counts()
    assert run("tick", "--date", day) == f"Licence tick for {day}: 0 expired\n"
    assert counts() == before


def test_tick_without_a_date_runs_for_today(world):
    assert run("tick") == f"Licence tick for {TODAY.isoformat()}: 0 expired\n"


def test_rotate_seal_by_credit_code_and_compromise(world):
    licence = issue_business(world)
    out = run("rotate-seal", "--department", world["jiangxia"].credit_code)
    new = SealKey.objects.get(department=world["jiangxia"], valid_until__isnull=True)
    assert out.startswith(f"New active e-seal key {new.kid} ")
    assert run("verify", licence.identifier) == f"{licence.identifier}: valid (有效)\n"
    out = run("rotate-seal", "--department", str(world["jiangxia"].pk), "--compromised", "私钥泄露")
    assert "was revoked" in out
    assert SealKey.objects.get(pk=new.pk).revoked_at is not None


def test_revoke_seal_and_verify_reports_reasons(world):
    licence = issue_business(world)
    run("revoke-seal", "--kid", licence.seal_key.kid, "--reason", "演练")
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("licences", "verify", licence.identifier, stdout=out)
    assert exc.value.returncode == 2
    assert out.getvalue().splitlines() == [
        f"{licence.identifier}: NOT valid",
        "  seal_key_revoked: 签章所用的印章密钥已吊销",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tick", "--date", "2026-13-01"], "--date"),
        (["rotate-seal", "--department", "91420000000000000X"], "不存在"),
        (["revoke-seal", "--kid", "nope", "--reason", "x"], "不存在"),
        (["verify", "1.2.156.3005.2.X"], "identifier"),
    ],
)
def test_bad_arguments_are_command_errors(world, args, message):
    before = counts()
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert message in str(exc.value)
    assert counts() == before
