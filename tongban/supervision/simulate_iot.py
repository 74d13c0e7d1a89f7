"""A realistic sensor feed for the registered devices (`manage.py supervision simulate-sensors`,
the demo, the tests and the benchmark): values around each quantity's usual level with noise and
a slow daily swing, signed with each device's key, and optionally a sustained exceedance of one
device. Publishing goes through a real MQTT broker (QoS 1)."""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from . import iot
from .models_iot import Device, Threshold

# sensor type -> (usual level, spread)
LEVELS = {
    "noise": (52.0, 2.5),
    "nh3": (0.4, 0.1),
    "h2s": (0.01, 0.004),
    "co": (4.0, 1.0),
    "ph": (7.3, 0.2),
    "cod": (55.0, 8.0),
    "nh3n": (6.0, 1.5),
}


@dataclass(frozen=True)
class SimDevice:
    site: str
    code: str
    sensor_type: str
    key: bytes
    upper: float | None
    lower: float | None


def registered(*, site_codes: list[str] | None = None) -> list[SimDevice]:
    """The active devices (of these sites), with their keys and limits."""
    thresholds = {(t.sensor_type_id, t.site_id): t for t in Threshold.objects.all()}
    qs = Device.objects.select_related("site", "sensor_type").filter(active=True, site__active=True)
    if site_codes:
        qs = qs.filter(site__code__in=site_codes)
    out = []
    for d in qs.order_by("code"):
        t = thresholds.get((d.sensor_type_id, d.site_id)) or thresholds.get((d.sensor_type_id, None))
        out.append(
            SimDevice(
                site=d.site.code,
                code=d.code,
                sensor_type=d.sensor_type.code,
                key=iot.device_key(d),
                upper=t.upper if t else None,
                lower=t.lower if t else None,
            )
        )
    return out


def _value(device: SimDevice, at: dt.datetime, rng: random.Random, exceeding: bool) -> str:
    level, spread = LEVELS.get(device.sensor_type, (10.0, 1.0))
    swing = 0.5 * spread * math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440)
    value = level + swing + rng.gauss(0, spread / 2)
    if device.upper is not None:
        value = (
            min(value, device.upper - spread / 10) if not exceeding else device.upper * 1.15 + rng.random()
        )
    elif exceeding and device.lower is not None:
        value = device.lower * 0.85
    if device.lower is not None and not exceeding:
        value = max(value, device.lower + spread / 10)
    return f"{max(value, 0.0):.2f}"


def feed(
    devices: list[SimDevice],
    *,
    end: dt.datetime,
    minutes: int,
    exceed: str | None = None,
    exceed_last: int = 6,
    first_seq: int = 1,
    per_message: int = 1,
    seed: int = 7,
) -> list[tuple[str, bytes]]:
    """(topic, payload) messages: one reading a minute per device over `minutes` up to `end`;
    the device `exceed` is above its limit for its last `exceed_last` readings."""
    rng = random.Random(seed)
    messages = []
    for d in devices:
        readings = []
        for i in range(minutes):
            at = end - dt.timedelta(minutes=minutes - 1 - i)
            exceeding = d.code == exceed and i >= minutes - exceed_last
            readings.append((first_seq + i, int(at.timestamp() * 1000), _value(d, at, rng, exceeding)))
        for j in range(0, len(readings), per_message):
            messages.append(
                (
                    iot.topic_for(d.site, d.code),
                    iot.reading_payload(d.key, d.code, readings[j : j + per_message]),
                )
            )
    return messages


def publish(
    broker: str, messages: list[tuple[str, bytes]], *, client_id: str = "", timeout: float = 120.0
) -> int:
    """Publish with QoS 1 and wait until the broker has acknowledged every message."""
    from .worker_iot import parse_broker

    host, port = parse_broker(broker)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    done = threading.Event()
    acked = [0]

    def on_publish(client, userdata, mid, reason_code, properties):
        acked[0] += 1
        if acked[0] >= len(messages):
            done.set()

    client.on_publish = on_publish
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        for topic, payload in messages:
            client.publish(topic, payload, qos=1)
        if messages and not done.wait(timeout):
            raise TimeoutError(f"the broker acknowledged {acked[0]} of {len(messages)} messages")
    finally:
        client.disconnect()
        client.loop_stop()
    return acked[0]
