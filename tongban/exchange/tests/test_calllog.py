"""The call log under concurrent calls (every call a row, the chain verifies), `exchange verify-log`
(0 with a count; 1 naming the first broken row), and the grant's rate shared across workers."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from .. import calllog, gateway
from ..errors import GatewayRefusal
from ..models import CallLog, CallLogSeal
from . import gateway_support
from .gateway_support import PERSON_ID, make_grant

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
    seals = list(CallLogSeal.objects.order_by("seq").values_list("seq", "after_id", "last_id", "rows"))
    assert [s[0] for s in seals] == list(range(1, len(seals) + 1))
    assert all(a[2] == b[1] for a, b in itertools.pairwise(seals))  # each seal starts where the last ended
    assert sum(s[3] for s in seals) == total and seals[-1][2] == CallLog.objects.order_by("-id").first().pk


@pytest.mark.django_db
def test_verify_log_command(world, capsys):
    make_grant(world.verify, world.consumer, world.client_id)
    ids = [gateway.call(world.caller, "RK-002", Q).call_id for _ in range(3)]
    call_command("exchange", "verify-log")
    assert "调用日志哈希链完好：3 条记录，1 批封存（本次封链 3 条）" in capsys.readouterr().out
    ids += [gateway.call(world.caller, "RK-002", Q).call_id for _ in range(2)]
    call_command("exchange", "verify-log")
    assert "调用日志哈希链完好：5 条记录，2 批封存（本次封链 2 条）" in capsys.readouterr().out
    CallLog.objects.filter(pk=ids[3]).update(fields=["match", "name"])
    seals_before = list(CallLogSeal.objects.values())
    with pytest.raises(CommandError) as info:
        call_command("exchange", "verify-log")
    assert f"第 2 批封存（第 {ids[2] + 1}–{ids[4]} 条记录）处断裂：哈希不符（记录内容被修改" in str(
        info.value
    )
    assert "（此前 3 条完好）" in str(info.value)
    assert list(CallLogSeal.objects.values()) == seals_before  # nothing re-sealed over the edit


@pytest.mark.django_db
def test_sealing_writes_one_narrow_row_and_never_touches_the_calls(world):
    """A seal is one row of its own table; the call-log rows are exactly as appended."""
    make_grant(world.verify, world.consumer, world.client_id)
    ids = [gateway.call(world.caller, "RK-002", Q).call_id for _ in range(4)]
    before = list(CallLog.objects.order_by("id").values())
    assert calllog.seal() == 4
    assert list(CallLog.objects.order_by("id").values()) == before
    seal = CallLogSeal.objects.get()
    assert (seal.seq, seal.after_id, seal.last_id, seal.rows, seal.prev_hash) == (
        1,
        0,
        ids[-1],
        4,
        calllog.genesis(),
    )
    assert calllog.seal() == 0 and CallLogSeal.objects.count() == 1  # nothing new: no empty seal


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tamper", "reason", "seal", "checked"),
    [
        (
            lambda ids: CallLog.objects.filter(pk=ids[1]).delete(),
            "应有 3 条记录，实有 2 条（记录被删除或插入）",
            2,
            1,
        ),
        (
            lambda ids: CallLog.objects.filter(pk=ids[2]).update(latency_ms=1.0),
            "哈希不符（记录内容被修改",
            2,
            1,
        ),
        (
            lambda ids: CallLogSeal.objects.filter(seq=1).delete(),
            "封存序号应为 1，实为 2（有封存记录被删除）",
            2,
            0,
        ),
        (
            lambda ids: CallLogSeal.objects.filter(seq=2).update(after_id=ids[0]),
            "封存范围与上一批不衔接",
            2,
            1,
        ),
        (lambda ids: CallLogSeal.objects.filter(seq=1).update(hash="0" * 64), "哈希不符", 1, 0),
    ],
    ids=["row deleted", "row edited", "seal deleted", "seal range moved", "seal hash edited"],
)
def test_verify_names_the_first_broken_seal(world, tamper, reason, seal, checked):
    make_grant(world.verify, world.consumer, world.client_id)
    gateway.call(world.caller, "RK-002", Q)
    calllog.seal()
    ids = [gateway.call(world.caller, "RK-002", Q).call_id for _ in range(3)]
    calllog.seal()
    assert calllog.verify().ok
    tamper(ids)
    report = calllog.verify()
    assert not report.ok and reason in report.reason
    assert (report.broken_seal, report.checked) == (seal, checked)
    broken = CallLogSeal.objects.filter(seq=seal).values_list("after_id", "last_id").first()
    if broken is not None:
        assert (report.broken_at, report.broken_last) == (broken[0] + 1, broken[1])


@pytest.mark.django_db(transaction=True)
def test_a_row_committed_after_a_higher_id_is_sealed_not_skipped(world):
    """PostgreSQL draws ids before commit: a call logged inside a transaction still open has a
    lower id than a call logged and committed after it. No seal may pass over the open one: the
    horizon waits for it, and the seal after its commit covers both."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: an id is never committed after a higher one")
    from django.db import transaction

    make_grant(world.verify, world.consumer, world.client_id)
    appended, release, late = threading.Event(), threading.Event(), []

    def open_transaction():
        try:
            with transaction.atomic():
                late.append(gateway.call(world.caller, "RK-002", Q).call_id)
                appended.set()
                release.wait(30)
        finally:
            connection.close()

    t = threading.Thread(target=open_transaction)
    t.start()
    appended.wait(30)
    early = gateway.call(world.caller, "RK-002", Q).call_id  # committed, its id higher
    assert early > late[0]
    assert calllog.seal(wait=False) == 0  # the open append holds the horizon
    assert not CallLogSeal.objects.exists()
    release.set()
    t.join()
    assert calllog.seal() == 2
    report = calllog.verify()
    assert (report.ok, report.checked, report.unsealed, report.seals) == (True, 2, 0, 1)
