"""The ingestion pipeline (no broker): authentication, drops and their counts, idempotency,
sustained exceedance, out-of-order and late readings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.models import AuditEvent

from .. import iot, tasks
from ..enums_iot import AlertState
from ..ingest import Ingestor
from ..models import Task
from ..models_iot import Alert, Device, Reading
from .iot_world import World, counters

pytestmark = pytest.mark.django_db


@pytest.fixture(name="world")
def world_fixture(regions_loaded):
    return World()


@pytest.fixture(name="t0")
def t0_fixture():
    return timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)


def at(t0, minutes: float) -> dt.datetime:
    return t0 + dt.timedelta(minutes=minutes)


def values() -> list[tuple[int, float]]:
    return sorted(Reading.objects.values_list("seq", "value"))


def test_valid_readings_are_stored_and_counted(world, t0):
    result = Ingestor().process([world.message([(1, at(t0, 0), "55.5"), (2, at(t0, 1), "56")])])
    assert values() == [(1, 55.5), (2, 56.0)]
    assert result.counts == {"stored": 2}
    assert counters() == {"stored": 2}
    device = Device.objects.get(pk=world.device.pk)
    assert (device.last_value, device.last_at, device.eval_through) == (56.0, at(t0, 1), at(t0, 1))
    assert not Reading.objects.filter(exceeded=True).exists()


def test_values_times_and_flags_are_stored_exactly(world, t0):
    # the PostgreSQL insert sends each column as one array literal: every value, millisecond and
    # flag must read back as it was sent, in its row
    texts = ["20.000001", "59.999999", "60.000001", "33.333333", "20.1", "129.987654", "21"]
    ms = int(t0.timestamp()) * 1000 + 125  # .125 s: exact in binary, so the payload's ms too
    readings = [
        (i + 1, dt.datetime.fromtimestamp((ms + i * 60_000) / 1000, tz=dt.UTC), v)
        for i, v in enumerate(texts)
    ]
    result = Ingestor().process([world.message(readings)])
    assert result.counts["stored"] == len(texts)
    stored = list(Reading.objects.order_by("seq").values_list("seq", "taken_at", "value", "exceeded"))
    assert stored == [(s, t, float(v), float(v) > 60) for s, t, v in readings]


def test_forged_and_unregistered_devices_are_dropped_and_counted(world, t0):
    other, _ = iot.do_register_device(
        actor=world.admin, site_id=world.site.pk, code="noise-002", sensor_type="noise"
    )
    audit_before = AuditEvent.objects.count()
    forged_key = world.message([(1, at(t0, 0), "70")], key=b"k" * 32)
    unregistered = world.message([(1, at(t0, 0), "70")], device="noise-999")
    # the payload claims noise-001 while the topic says noise-002
    _, payload = world.message([(1, at(t0, 0), "70")])
    claims_other = (world.topic("noise-002"), payload)
    wrong_site = (iot.topic_for("jh-kitchen-9", world.device.code), payload)
    # a valid signature of noise-001 replayed under the other device's topic and name
    replay = (world.topic("noise-002"), payload.replace(b'"noise-001"', b'"noise-002"'))
    result = Ingestor().process([forged_key, unregistered, claims_other, wrong_site, replay])
    assert Reading.objects.count() == 0
    assert result.counts == {"forged": 4, "unregistered": 1}
    assert counters() == {"forged": 4, "unregistered": 1}
    assert AuditEvent.objects.count() == audit_before
    assert other.pk != world.device.pk


def test_a_malformed_payload_is_skipped_and_the_rest_stored(world, t0, caplog):
    good = world.message([(1, at(t0, 0), "50")])
    result = Ingestor().process(
        [(world.topic(), b"{oops"), good, (world.topic(), b'{"device": 1}'), ("x/y", b"{}")]
    )
    assert values() == [(1, 50.0)]
    assert result.counts == {"stored": 1, "malformed": 3}
    assert sum("malformed" in r.message for r in caplog.records) == 3


def test_out_of_window_and_implausible_readings_are_dropped(world):
    now = timezone.now()
    msg = world.message(
        [
            (1, now - dt.timedelta(days=31), "50"),
            (2, now + dt.timedelta(minutes=10), "50"),
            (3, now, "150"),  # beyond the noise sensor's 140 dB(A)
            (4, now, "50"),
        ]
    )
    result = Ingestor().process([msg], now=now)
    assert values() == [(4, 50.0)]
    assert result.counts == {"stored": 1, "out_of_window": 2, "implausible": 1}


def test_suspended_device_is_dropped(world, t0):
    iot.do_set_device_active(actor=world.admin, device_id=world.device.pk, active=False)
    result = Ingestor().process([world.message([(1, at(t0, 0), "50")])])
    assert (Reading.objects.count(), result.counts) == (0, {"inactive": 1})


def test_redelivery_is_idempotent(world, t0):
    msg = world.message([(1, at(t0, 0), "70"), (2, at(t0, 1), "71"), (3, at(t0, 2), "72")])
    ingestor = Ingestor()
    first = ingestor.process([msg, msg])
    second = ingestor.process([msg])
    assert values() == [(1, 70.0), (2, 71.0), (3, 72.0)]
    assert (first.counts, second.counts) == ({"stored": 3, "alerts": 1, "duplicate": 3}, {"duplicate": 3})
    assert Alert.objects.count() == 1
    assert counters() == {"stored": 3, "alerts": 1, "duplicate": 6}


def test_sustained_exceedance_raises_one_alert_which_recovery_closes(world, t0):
    ingestor = Ingestor()
    ingestor.process([world.message([(1, at(t0, 0), "61"), (2, at(t0, 1), "65")])])
    assert Alert.objects.count() == 0  # two readings above: not yet sustained
    result = ingestor.process([world.message([(3, at(t0, 2), "63"), (4, at(t0, 3), "70.5")])])
    alert = Alert.objects.get()
    assert result.alerts_raised == [alert.pk]
    assert (alert.started_at, alert.raised_at, alert.last_at) == (at(t0, 0), at(t0, 2), at(t0, 3))
    assert (alert.peak, alert.readings, alert.state, alert.rule) == (
        70.5,
        4,
        AlertState.OPEN,
        "> 60 连续 3 次或持续 10 分钟",
    )
    assert (
        AuditEvent.objects.filter(action="supervision.iot.alert_raised", object_id=str(alert.pk)).count() == 1
    )
    result = ingestor.process([world.message([(5, at(t0, 4), "58"), (6, at(t0, 5), "62")])])
    alert.refresh_from_db()
    assert (alert.state, alert.closed_at, result.alerts_closed) == (AlertState.CLOSED, at(t0, 4), [alert.pk])
    assert Alert.objects.count() == 1  # a single reading above afterwards is a new run, not sustained


def test_interrupted_runs_raise_nothing(world, t0):
    readings = [(i, at(t0, i), "65" if i % 3 else "50") for i in range(12)]
    Ingestor().process([world.message(readings)])
    assert Reading.objects.filter(exceeded=True).count() == 8
    assert Alert.objects.count() == 0


def test_minutes_rule(world, t0):
    iot.do_set_threshold(
        actor=world.admin, sensor_type="noise", site_id=world.site.pk, upper=60, sustain_minutes=10
    )
    ingestor = Ingestor()
    ingestor.process([world.message([(1, at(t0, 0), "61"), (2, at(t0, 9), "61")])])
    assert Alert.objects.count() == 0
    ingestor.registry.load()
    ingestor.process([world.message([(3, at(t0, 10), "61")])])
    assert Alert.objects.get().raised_at == at(t0, 10)


def test_out_of_order_within_a_batch_is_evaluated_in_time_order(world, t0):
    # in arrival order: above, above, below, above; in time order: below, then 3 above
    Ingestor().process(
        [
            world.message(
                [(2, at(t0, 2), "66"), (4, at(t0, 4), "68"), (1, at(t0, 1), "50"), (3, at(t0, 3), "67")]
            )
        ]
    )
    alert = Alert.objects.get()
    assert (alert.started_at, alert.raised_at, alert.readings) == (at(t0, 2), at(t0, 4), 3)


def test_a_late_reading_completes_a_run_once(world, t0):
    ingestor = Ingestor()
    ingestor.process([world.message([(1, at(t0, 1), "66"), (3, at(t0, 3), "67"), (4, at(t0, 4), "50")])])
    assert Alert.objects.count() == 0
    # seq 2 arrives late, inside the run: 1, 2, 3 are now 3 consecutive readings above
    result = ingestor.process([world.message([(2, at(t0, 2), "69")])])
    alert = Alert.objects.get()
    assert result.alerts_raised == [alert.pk]
    assert (alert.started_at, alert.last_at, alert.peak, alert.readings) == (at(t0, 1), at(t0, 3), 69.0, 3)
    assert (alert.state, alert.closed_at) == (AlertState.CLOSED, at(t0, 4))
    # later readings go on from the device's newest reading, not from the late one
    device = Device.objects.get(pk=world.device.pk)
    assert (device.eval_through, device.run_count, device.last_value) == (at(t0, 4), 0, 50.0)


def test_a_late_reading_never_raises_a_stale_alert_twice(world, t0):
    ingestor = Ingestor()
    ingestor.process([world.message([(i, at(t0, i), "70") for i in (1, 2, 4, 5)] + [(6, at(t0, 6), "50")])])
    alert = Alert.objects.get()
    assert (alert.started_at, alert.last_at, alert.readings, alert.state) == (
        at(t0, 1),
        at(t0, 5),
        4,
        "closed",
    )
    audit_before = AuditEvent.objects.count()
    result = ingestor.process([world.message([(3, at(t0, 3), "75")])])  # late, inside the alert
    assert (result.alerts_raised, result.alerts_closed) == ([], [])
    alert.refresh_from_db()
    assert (alert.peak, alert.readings, alert.state, alert.closed_at) == (75.0, 5, "closed", at(t0, 6))
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before
    again = ingestor.process([world.message([(3, at(t0, 3), "75")])])  # and its redelivery
    assert again.counts == {"duplicate": 1} and Alert.objects.count() == 1


def test_a_rule_with_a_task_opens_one_inspection_task(world, t0):
    iot.do_set_threshold(
        actor=world.admin,
        sensor_type="noise",
        site_id=world.site.pk,
        upper=60,
        sustain_count=3,
        opens_task=True,
    )
    ingestor = Ingestor()
    result = ingestor.process([world.message([(i, at(t0, i), "72") for i in range(1, 6)])])
    alert = Alert.objects.get()
    task = Task.objects.get()
    assert result.tasks_opened == [str(task.pk)] and alert.task_ref == str(task.pk)
    assert (task.department_id, task.entity_id, task.source_kind, task.source_ref) == (
        world.dept.pk,
        world.entity.pk,
        "iot_alert",
        str(alert.pk),
    )
    assert task.evidence["device"] == "noise-001" and task.evidence["peak"] == 72
    assert tasks.verify_task(task.pk).ok
    # the run goes on, and a late reading inside it arrives: the same alert, no second task
    ingestor.process([world.message([(7, at(t0, 7), "73")])])
    ingestor.process([world.message([(6, at(t0, 6), "74")])])
    assert (Alert.objects.count(), Task.objects.count()) == (1, 1)
    alert.refresh_from_db()
    assert (alert.readings, alert.peak) == (7, 74.0)
