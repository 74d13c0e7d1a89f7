"""The ingestion worker against a real, private Mosquitto on a loopback port: it stores what is
published, drops and counts what is forged, unregistered or malformed, survives the broker being
killed and restarted on the same port, and turns a simulated feed's exceedance into an alert."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from tongban.core import queries as core_queries
from tongban.core import services as core_services

from .. import iot, simulate_iot
from ..models_iot import Alert, Reading
from ..mosquitto import Broker, available
from ..worker_iot import Worker
from .iot_world import SYSTEM, World, counters

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not available(), reason="needs /usr/sbin/mosquitto"),
]


@pytest.fixture(name="broker")
def broker_fixture():
    with Broker() as broker:
        yield broker


@pytest.fixture(name="world")
def world_fixture(transactional_db):
    # each test here commits, and the database is emptied after it: the regions too
    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=SYSTEM)
    return World()


class Running:
    def __init__(self, broker: Broker):
        self.worker = Worker(broker.url, client_id=f"test-{uuid.uuid4().hex[:8]}", batch_wait=0.05)
        self.thread = threading.Thread(target=self.worker.run_forever, daemon=True)

    def __enter__(self) -> Worker:
        self.thread.start()
        assert self.worker.subscribed.wait(15), "the worker did not subscribe"
        return self.worker

    def __exit__(self, *exc) -> None:
        self.worker.stop()
        self.thread.join(20)
        assert not self.thread.is_alive()


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_worker_survives_a_broker_restart(world, broker):
    now = timezone.now().replace(microsecond=0)
    devices = simulate_iot.registered()
    before = simulate_iot.feed(devices, end=now - dt.timedelta(minutes=30), minutes=20, seed=1)
    after = simulate_iot.feed(devices, end=now, minutes=20, first_seq=21, exceed="noise-001", seed=2)
    with Running(broker) as worker:
        simulate_iot.publish(broker.url, before)
        wait_for(lambda: Reading.objects.count() == 20)
        assert Alert.objects.count() == 0
        broker.restart()  # killed (SIGKILL) and started again on the same port, without its sessions
        wait_for(lambda: worker.stats.connects == 2 and worker.subscribed.is_set())
        simulate_iot.publish(broker.url, after)
        wait_for(lambda: Reading.objects.count() == 40)
        wait_for(lambda: Alert.objects.count() == 1)
    assert sorted(Reading.objects.values_list("seq", flat=True)) == list(range(1, 41))
    alert = Alert.objects.get()
    assert (alert.device_id, alert.readings, alert.state) == (world.device.pk, 6, "open")
    assert alert.raised_at == now - dt.timedelta(minutes=3)  # the third of the last six readings
    assert counters() == {"stored": 40, "alerts": 1}


def test_worker_drops_forged_unregistered_and_malformed_messages(world, broker):
    now = timezone.now().replace(microsecond=0)
    good = world.message([(1, now, "50.5")])
    forged = world.message([(2, now, "50.5")], key=b"x" * 32)
    unregistered = world.message([(1, now, "50.5")], device="noise-404")
    malformed = (world.topic(), b'{"device": "noise-001", "seq": "one"}')
    with Running(broker) as worker:
        simulate_iot.publish(
            broker.url, [forged, malformed, unregistered, (world.topic(), b"\x00\xff"), good]
        )
        wait_for(lambda: worker.stats.messages == 5)
    assert list(Reading.objects.values_list("seq", "value")) == [(1, 50.5)]
    assert counters() == {"stored": 1, "forged": 1, "unregistered": 1, "malformed": 2}


def test_simulated_feed_over_mosquitto_raises_an_alert(world, broker):
    gas, secret = iot.do_register_device(
        actor=world.admin, site_id=world.site.pk, code="nh3-001", sensor_type="nh3"
    )
    with Running(broker):
        call_command(
            "supervision",
            "simulate-sensors",
            "--broker",
            broker.url,
            "--minutes",
            "15",
            "--exceed",
            "nh3-001",
        )
        wait_for(lambda: Reading.objects.count() == 30)
        wait_for(lambda: Alert.objects.count() == 1)
    alert = Alert.objects.get()
    assert (alert.device_id, alert.site_id, alert.state, alert.readings) == (gas.pk, world.site.pk, "open", 6)
    assert alert.peak > 1.5 and secret
