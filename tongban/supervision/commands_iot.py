"""The IoT subcommands of `manage.py supervision` (see management/commands/supervision.py).

- `ingest --broker mqtt://127.0.0.1:1883`: the ingestion worker (`worker_iot`); stops cleanly on
  SIGTERM or SIGINT, printing what it stored and dropped.
- `simulate-sensors --broker ... [--site CODE ...] [--minutes 30] [--exceed DEVICE]`: publish a
  realistic signed feed of the registered devices (one reading a minute up to now), with a
  sustained exceedance of one device (by default the first noise sensor).
- `iot-maintain [--ahead 2] [--keep-months N]`: load the sensor types and default thresholds that
  are missing, create the coming months' reading partitions, and drop the partitions older
  than the retention (PostgreSQL).
"""

from __future__ import annotations

import json
import signal

from django.core.management.base import CommandError
from django.utils import timezone

HELP = {
    "ingest": "MQTT 接入进程：订阅、校验、入库、超标研判",
    "simulate-sensors": "向 MQTT 代理发布模拟监测数据（含一次持续超标）",
    "iot-maintain": "载入传感器类型与默认阈值，维护读数分区",
}


def add_arguments(name: str, parser) -> None:
    if name == "ingest":
        parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
        parser.add_argument(
            "--client-id", default="tongban-ingest", help="one per worker: the broker keeps its session"
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--batch-wait", type=float, default=0.2, help="seconds")
    elif name == "simulate-sensors":
        parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
        parser.add_argument(
            "--site", action="append", dest="sites", help="site code (repeatable; default all)"
        )
        parser.add_argument("--minutes", type=int, default=30)
        parser.add_argument(
            "--exceed", help="device code to push above its limit (default: the first noise sensor)"
        )
        parser.add_argument(
            "--first-seq", type=int, help="default: from the clock, so runs never reuse a sequence"
        )
    elif name == "iot-maintain":
        parser.add_argument("--ahead", type=int, default=2, help="months of partitions to create ahead")
        parser.add_argument("--keep-months", type=int, help="drop partitions older than this many months")


def handle(name: str, command, **options) -> None:
    if name == "ingest":
        _ingest(command, **options)
    elif name == "simulate-sensors":
        _simulate(command, **options)
    elif name == "iot-maintain":
        _maintain(command, **options)


def _ingest(command, *, broker, client_id, batch_size, batch_wait, **options) -> None:
    from . import iot
    from .worker_iot import Worker

    if batch_size < 1 or batch_wait <= 0:
        raise CommandError("--batch-size and --batch-wait must be positive")

    def ready():
        command.stdout.write(f"subscribed to {iot.SUBSCRIPTION}")
        command.stdout.flush()

    try:
        worker = Worker(
            broker, client_id=client_id, batch_size=batch_size, batch_wait=batch_wait, on_subscribed=ready
        )
    except ValueError as exc:
        raise CommandError(f"--broker: {exc}") from None
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    command.stdout.write(f"ingesting from {broker} as {client_id}")
    command.stdout.flush()
    stats = worker.run_forever()
    command.stdout.write(
        json.dumps(
            {
                "batches": stats.batches,
                "messages": stats.messages,
                "counts": dict(stats.counts),
                "seconds": {k: round(v, 3) for k, v in stats.seconds.items()},
            }
        )
    )


def _simulate(command, *, broker, sites, minutes, exceed, first_seq, **options) -> None:
    from . import simulate_iot

    if not 1 <= minutes <= 1440:
        raise CommandError("--minutes: 1 to 1440")
    devices = simulate_iot.registered(site_codes=sites)
    if not devices:
        raise CommandError("no registered active device (register sites and devices first)")
    if exceed is None:
        exceed = next((d.code for d in devices if d.sensor_type == "noise"), devices[0].code)
    elif exceed not in {d.code for d in devices}:
        raise CommandError(f"--exceed: no active device {exceed!r}")
    now = timezone.now().replace(second=0, microsecond=0)
    seq = first_seq if first_seq is not None else int(now.timestamp()) // 60 * 1000
    messages = simulate_iot.feed(devices, end=now, minutes=minutes, exceed=exceed, first_seq=seq)
    try:
        sent = simulate_iot.publish(broker, messages)
    except ValueError as exc:
        raise CommandError(f"--broker: {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise CommandError(f"broker {broker}: {exc}") from None
    command.stdout.write(f"published {sent} readings of {len(devices)} devices; exceeding: {exceed}")


def _maintain(command, *, ahead, keep_months, **options) -> None:
    from . import iot, partitions_iot

    loaded = iot.do_load_reference(actor="system:iot-maintain")
    today = timezone.now().date()
    made = partitions_iot.ensure_ahead(today, ahead=ahead)
    dropped = []
    if keep_months is not None:
        if keep_months < 1:
            raise CommandError("--keep-months: at least 1")
        dropped = partitions_iot.drop_before(*partitions_iot.month_add(today.year, today.month, -keep_months))
    command.stdout.write(
        json.dumps(
            {"reference_rows": loaded, "partitions": partitions_iot.partitions() or made, "dropped": dropped}
        )
    )
