"""The call log under concurrent calls (every call a row, the chain verifies), `exchange verify-log`
(0 with a count; 1 naming the first broken row), and the grant's rate shared across workers."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from .. import calllog, gateway
from ..errors import GatewayRefusal
from ..models import CallLog
from . import gateway_support
from .gateway_support import PERSON_ID, make_grant

regions_loaded = gateway_support.regions_loaded
world = gateway_support.world

Q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}


@pytest.mark.django_db(transaction=True)
def test_every_concurrent_call_is_logged_and_the_chain_verifies(world, settings):
    settings.EXCHANGE_SEAL_INTERVAL = 0.0  # every call tries to seal: sealing races appending
    make_grant(world.verify, world.consumer, world.client_id, rate_limit="100000/m")
    make_grant(world.person, world.consumer, world.client_id, purpose_codes=["licensing"])
    threads, per_thread = 6, 25
    errors: list = []
    outcomes: list = []

    def work(n: int):
        try:
            for i in range(per_thread):
                if (n + i) % 5 == 0:  # some refused (purpose not granted)
                    try:
                        gateway.call(
                            world.caller, "RK-001", {"purpose": "verification", "subject": PERSON_ID}
                        )
                    except GatewayRefusal as refusal:
                        outcomes.append(refusal.code)
                else:
                    outcomes.append(gateway.call(world.caller, "RK-002", Q).fields["match"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    total = threads * per_thread
    assert len(outcomes) == total
    assert CallLog.objects.count() == total
    refused = sum(1 for o in outcomes if o == "PURPOSE_NOT_GRANTED")
    assert CallLog.objects.filter(outcome="refused", error_code="PURPOSE_NOT_GRANTED").count() == refused
    assert CallLog.objects.filter(outcome="ok").count() == total - refused
    while calllog.seal():
        pass
    report = calllog.verify()
    assert (report.ok, report.checked, report.unsealed) == (True, total, 0)
    assert sorted(CallLog.objects.values_list("seq", flat=True)) == list(range(1, total + 1))


@pytest.mark.django_db
def test_verify_log_command(world, capsys):
    make_grant(world.verify, world.consumer, world.client_id)
    ids = [gateway.call(world.caller, "RK-002", Q).call_id for _ in range(3)]
    call_command("exchange", "verify-log")
    assert "调用日志哈希链完好：3 条记录（本次封链 3 条）" in capsys.readouterr().out
    CallLog.objects.filter(pk=ids[1]).update(fields=["match", "name"])
    with pytest.raises(CommandError) as info:
        call_command("exchange", "verify-log")
    assert f"第 {ids[1]} 条记录处断裂" in str(info.value)
    assert "（此前 1 条完好）" in str(info.value)


@pytest.mark.django_db
def test_rate_is_shared_across_workers(world, settings, redis_workers):
    """Two workers (each its own Redis client) count into one allowance per grant."""
    first, second = redis_workers(), redis_workers()
    make_grant(world.verify, world.consumer, world.client_id, rate_limit="3/m")
    codes = []
    for alias in (first, second, first, second, first):
        settings.RATELIMIT_CACHE = alias
        try:
            gateway.call(world.caller, "RK-002", Q)
            codes.append("ok")
        except GatewayRefusal as refusal:
            codes.append(refusal.code)
    assert codes == ["ok", "ok", "ok", "RATE_EXCEEDED", "RATE_EXCEEDED"]
