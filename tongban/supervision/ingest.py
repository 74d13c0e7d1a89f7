"""The ingestion pipeline of IoT readings (物联网数据接入): authenticate, store, evaluate.

`Ingestor.process(messages)` takes a batch of MQTT messages (topic, payload) and, in one
transaction: drops (and counts, by reason) what is malformed, from an unregistered device, forged
(topic and payload disagree, or the signature does not verify), from a suspended device, out of
the time window or out of the sensor's range; stores the rest at once (one multi-row insert that
skips a (device, time, seq) already stored, so a redelivered message is harmless); then, per
device and in reading-time order, follows the runs of readings beyond the threshold and raises,
extends or closes alerts (`Alert`), opening an inspection task when the threshold says so.

Late and out-of-order readings: a batch whose readings of a device all come after what was
evaluated continues the device's stored run. One that reaches back re-evaluates the device's
readings from the last reading within the limit before it: a run found there that overlaps an
alert already raised extends that alert (never a second one, never a second task); a run that
was not sustained before and is now raises its alert.

The MQTT side (connection, reconnection, acknowledgements, batching, SIGTERM) is `worker_iot`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.db import connection, transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.crypto import constant_time_equal

from . import iot, partitions_iot
from .enums_iot import ACTOR, ALERTS, FUTURE_SLACK_SECONDS, LATE_WINDOW_DAYS, STORED, AlertState, Drop
from .models_iot import Alert, Device, Reading, Threshold

log = logging.getLogger("tongban.supervision.ingest")
UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class Limit:
    """The threshold in force for a device, flattened for the hot path."""

    upper: float | None
    lower: float | None
    count: int | None
    minutes: int | None
    opens_task: bool
    rule: str

    def exceeded(self, value: float) -> bool:
        return (self.upper is not None and value > self.upper) or (
            self.lower is not None and value < self.lower
        )

    def excess(self, value: float) -> float:
        """How far beyond the limit (to pick the peak of a run)."""
        if self.upper is not None and value > self.upper:
            return value - self.upper
        if self.lower is not None and value < self.lower:
            return self.lower - value
        return 0.0

    def sustained(self, count: int, start: dt.datetime, last: dt.datetime) -> bool:
        if not self.count and not self.minutes:
            return True
        if self.count and count >= self.count:
            return True
        return bool(self.minutes) and (last - start) >= dt.timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    pk: int
    code: str
    site_id: int
    site_code: str
    site_name: str
    department_id: int
    entity_id: int
    sensor_type_id: int
    sensor_name: str
    unit: str
    mac: crypto_hmac.HMAC  # keyed HMAC-SM3, copied for each reading (the key schedule done once)
    active: bool
    range_min: float
    range_max: float
    limit: Limit | None


class Registry:
    """The registered devices with their keys and thresholds, held by the worker and reloaded
    every `refresh` seconds, or sooner (at most every `miss_refresh` seconds) when a message
    names a device it does not know: a device registered while the worker runs is picked up."""

    def __init__(self, *, refresh: float = 30.0, miss_refresh: float = 5.0):
        self.refresh, self.miss_refresh = refresh, miss_refresh
        self.devices: dict[str, DeviceInfo] = {}
        self.loaded_at = float("-inf")

    def load(self) -> None:
        thresholds: dict[tuple[int, int | None], Threshold] = iot.effective_thresholds()
        devices = {}
        for d in Device.objects.select_related("site", "sensor_type"):
            t = thresholds.get((d.sensor_type_id, d.site_id)) or thresholds.get((d.sensor_type_id, None))
            limit = None
            if t is not None:
                limit = Limit(
                    upper=t.upper,
                    lower=t.lower,
                    count=t.sustain_count,
                    minutes=t.sustain_minutes,
                    opens_task=t.opens_task,
                    rule=iot.rule_text(t),
                )
            devices[d.code] = DeviceInfo(
                pk=d.pk,
                code=d.code,
                site_id=d.site_id,
                site_code=d.site.code,
                site_name=d.site.name,
                department_id=d.site.department_id,
                entity_id=d.site.entity_id,
                sensor_type_id=d.sensor_type_id,
                sensor_name=d.sensor_type.name,
                unit=d.sensor_type.unit,
                mac=crypto_hmac.HMAC(iot.device_key(d), hashes.SM3()),
                active=d.active and d.site.active,
                range_min=d.sensor_type.range_min,
                range_max=d.sensor_type.range_max,
                limit=limit,
            )
        self.devices = devices
        self.loaded_at = time.monotonic()

    def get(self, code: str) -> DeviceInfo | None:
        now = time.monotonic()
        if now - self.loaded_at > self.refresh:
            self.load()
        info = self.devices.get(code)
        if info is None and now - self.loaded_at > self.miss_refresh:
            self.load()
            info = self.devices.get(code)
        return info


@dataclass(slots=True)
class Row:
    device: int
    seq: int
    ts: int  # epoch milliseconds
    taken_at: dt.datetime
    value: float
    exceeded: bool


@dataclass
class BatchResult:
    counts: Counter = field(default_factory=Counter)
    alerts_raised: list[int] = field(default_factory=list)
    alerts_closed: list[int] = field(default_factory=list)
    tasks_opened: list[str] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # by stage: validate, insert, evaluate


def _validate(
    msg: iot.Message, registry: Registry, window: tuple[dt.datetime, dt.datetime], result: BatchResult
) -> list[Row]:
    info = registry.get(msg.device)
    n = len(msg.readings)
    if info is None:
        result.counts[Drop.UNREGISTERED] += n
        log.warning("dropped %d reading(s): unregistered device %s", n, msg.device)
        return []
    if msg.claimed != msg.device or msg.site != info.site_code:
        result.counts[Drop.FORGED] += n
        log.warning(
            "dropped %d reading(s): topic %s/%s names another device or site", n, msg.site, msg.device
        )
        return []
    if not info.active:
        result.counts[Drop.INACTIVE] += n
        return []
    oldest, newest = window
    rows = []
    for r in msg.readings:
        mac = info.mac.copy()
        mac.update(iot.signed_text(info.code, r.seq, r.ts, r.value))
        if not constant_time_equal(mac.finalize().hex(), r.sig):
            result.counts[Drop.FORGED] += 1
            log.warning("dropped a reading of %s (seq %d): the signature does not verify", info.code, r.seq)
            continue
        taken_at = dt.datetime.fromtimestamp(r.ts / 1000, tz=UTC)
        if not oldest <= taken_at <= newest:
            result.counts[Drop.OUT_OF_WINDOW] += 1
            continue
        value = float(r.value)
        if not info.range_min <= value <= info.range_max:
            result.counts[Drop.IMPLAUSIBLE] += 1
            continue
        exceeded = info.limit is not None and info.limit.exceeded(value)
        rows.append(Row(info.pk, r.seq, r.ts, taken_at, value, exceeded))
    return rows


def _insert(rows: list[Row], received_at: dt.datetime) -> list[Row]:
    """Insert the rows, skipping those already stored; returns the ones inserted."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_pg(rows, received_at)
    inserted = []
    stamp = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for r in rows:  # SQLite (development and tests): row by row
            cursor.execute(
                "INSERT INTO supervision_reading (device_id, seq, taken_at, value, exceeded, received_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [r.device, r.seq, stamp(r.taken_at), r.value, r.exceeded, stamp(received_at)],
            )
            if cursor.rowcount == 1:
                inserted.append(r)
    return inserted


# One statement for the whole batch: arrays of plain numbers (cheap to send), the time rebuilt
# from epoch milliseconds in the database.
PG_INSERT = (
    "INSERT INTO supervision_reading (device_id, seq, taken_at, value, exceeded, received_at) "
    "SELECT d, s, timestamptz 'epoch' + t * interval '1 millisecond', v, e, %s "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::float8[], %s::boolean[]) AS u(d, s, t, v, e) "
    "ON CONFLICT DO NOTHING"
)


class _SomeStored(Exception):
    """Rolls the fast insert back when some rows were already stored."""


def _array(items) -> str:
    """A PostgreSQL array literal of numbers, cast by the statement: one string for the driver
    to quote, instead of psycopg's element-by-element dumping of a list (half the insert's time).
    `repr` of a float reads back as the same float8 (PostgreSQL parses the shortest exact form);
    the ranges checked before exclude inf and nan."""
    return "{" + ",".join(map(repr, items)) + "}"


def _insert_pg(rows: list[Row], received_at: dt.datetime) -> list[Row]:
    params = [
        received_at,
        _array([r.device for r in rows]),
        _array([r.seq for r in rows]),
        _array([r.ts for r in rows]),
        _array([r.value for r in rows]),
        "{" + ",".join(["t" if r.exceeded else "f" for r in rows]) + "}",
    ]
    with connection.cursor() as cursor:
        # Usually every row is new: insert without returning anything and compare the count; when
        # some were stored before (a redelivery), undo and insert again, returning which are new.
        try:
            with transaction.atomic():
                cursor.execute(PG_INSERT, params)
                if cursor.rowcount != len(rows):
                    raise _SomeStored
            return rows
        except _SomeStored:
            pass
        cursor.execute(
            PG_INSERT + " RETURNING device_id, seq, (extract(epoch FROM taken_at) * 1000)::bigint", params
        )
        stored = set(cursor.fetchall())
    return [r for r in rows if (r.device, r.seq, r.ts) in stored]


def _count(counts: Counter) -> None:
    items = [(str(k), n) for k, n in counts.items() if n]
    if not items:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        for key, n in sorted(items):
            cursor.execute(  # the timestamp as the ORM writes it on either database
                "INSERT INTO supervision_ingestcounter (key, count, updated_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET count = supervision_ingestcounter.count + excluded.count, "
                "updated_at = excluded.updated_at",
                [key, n, connection.ops.adapt_datetimefield_value(now)],
            )


class _Run:
    """The run of consecutive exceeding readings being followed for one device."""

    __slots__ = ("alert", "count", "last", "peak", "start")

    def __init__(self, start=None, last=None, count=0, peak=None, alert=None):
        self.start, self.last, self.count, self.peak, self.alert = start, last, count, peak, alert


class _Evaluation:
    """Alerts touched in one batch, written once at its end."""

    def __init__(self, result: BatchResult):
        self.result = result
        self.dirty: dict[int, Alert] = {}

    def _overlapping(self, device: Device, run: _Run) -> Alert | None:
        return (
            Alert.objects.select_for_update()
            .filter(device=device, started_at__lte=run.last)
            .exclude(closed_at__lt=run.start)
            .order_by("started_at")
            .first()
        )

    def sustain(self, device: Device, info: DeviceInfo, run: _Run, *, late: bool) -> None:
        """The run is sustained: raise its alert, or extend the one it belongs to."""
        alert = run.alert
        if alert is None and late:
            alert = self._overlapping(device, run)
        if alert is None:
            alert = Alert.objects.create(
                site_id=info.site_id,
                device=device,
                sensor_type_id=info.sensor_type_id,
                upper=info.limit.upper,
                lower=info.limit.lower,
                rule=info.limit.rule,
                started_at=run.start,
                raised_at=run.last,
                last_at=run.last,
                peak=run.peak,
                readings=run.count,
            )
            audit.record(
                actor=ACTOR,
                action="supervision.iot.alert_raised",
                obj=alert,
                data={"device": info.code, "site": info.site_id, "peak": run.peak, "readings": run.count},
            )
            self.result.alerts_raised.append(alert.pk)
            self.result.counts[ALERTS] += 1
            if info.limit.opens_task:
                ref = open_inspection_task(alert, device=info)
                if ref:
                    alert.task_ref = ref
                    self.result.tasks_opened.append(ref)
        else:
            alert.started_at = min(alert.started_at, run.start)
            alert.last_at = max(alert.last_at, run.last)
            if info.limit.excess(run.peak) > info.limit.excess(alert.peak):
                alert.peak = run.peak
            alert.readings = max(alert.readings, run.count)
        run.alert = alert
        self.dirty[alert.pk] = alert

    def close(self, run: _Run, at: dt.datetime) -> None:
        alert = run.alert
        if alert.state == AlertState.OPEN and at > alert.last_at:
            alert.state, alert.closed_at = AlertState.CLOSED, at
            audit.record(
                actor=ACTOR,
                action="supervision.iot.alert_closed",
                obj=alert,
                data={"closed_at": at.isoformat()},
            )
            self.result.alerts_closed.append(alert.pk)
        self.dirty[alert.pk] = alert

    def flush(self) -> None:
        fields = ["started_at", "last_at", "peak", "readings", "state", "closed_at", "task_ref"]
        if self.dirty:
            Alert.objects.bulk_update(list(self.dirty.values()), fields)


def _follow(ev: _Evaluation, device: Device, info: DeviceInfo, run: _Run, rows, *, late: bool) -> _Run:
    limit = info.limit
    for taken_at, value, exceeded in rows:
        if exceeded and limit is not None:
            if run.count == 0:
                run.start, run.peak = taken_at, value
            elif limit.excess(value) > limit.excess(run.peak):
                run.peak = value
            run.count += 1
            run.last = taken_at
            if run.alert is not None or limit.sustained(run.count, run.start, run.last):
                ev.sustain(device, info, run, late=late)
        else:
            if run.alert is not None:
                ev.close(run, taken_at)
            run = _Run()
    return run


def _late(
    ev: _Evaluation, device: Device, info: DeviceInfo, first: dt.datetime, last: dt.datetime
) -> _Run | None:
    """Re-follow the device's readings from the last one within the limit before `first` to the
    first one within the limit after `last` (the runs the late readings belong to). Returns the
    final run when that reaches the device's newest reading, else None (its state stands)."""
    floor = first - dt.timedelta(days=LATE_WINDOW_DAYS)
    within = Reading.objects.filter(device=device, exceeded=False)
    anchor = (
        within.filter(taken_at__lt=first, taken_at__gte=floor)
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
    end = within.filter(taken_at__gt=last).order_by("taken_at").values_list("taken_at", flat=True).first()
    qs = Reading.objects.filter(device=device, taken_at__gte=anchor or floor)
    if end is not None:
        qs = qs.filter(taken_at__lte=end)
    seq = list(qs.order_by("taken_at", "seq").values_list("taken_at", "value", "exceeded"))
    run = _follow(ev, device, info, _Run(), seq, late=True)
    return run if end is None else None


def _evaluate(inserted: list[Row], registry: Registry, result: BatchResult) -> None:
    by_device: dict[int, list[Row]] = defaultdict(list)
    for r in inserted:
        by_device[r.device].append(r)
    if not by_device:
        return
    infos = {info.pk: info for info in registry.devices.values() if info.pk in by_device}
    devices = (
        Device.objects.select_for_update(of=("self",))
        .select_related("run_alert")
        .filter(pk__in=list(by_device))
        .order_by("pk")
    )
    ev = _Evaluation(result)
    changed = []
    for device in devices:
        rows = sorted(by_device[device.pk], key=lambda r: (r.taken_at, r.seq))
        info = infos[device.pk]
        first, newest = rows[0], rows[-1]
        if device.eval_through is None or first.taken_at >= device.eval_through:
            run = _Run()
            if device.run_count:
                run = _Run(
                    device.run_start, device.run_last, device.run_count, device.run_peak, device.run_alert
                )
            run = _follow(
                ev, device, info, run, [(r.taken_at, r.value, r.exceeded) for r in rows], late=False
            )
        else:  # late: re-evaluate the runs the new readings can touch
            run = _late(ev, device, info, first.taken_at, newest.taken_at)
        if run is not None:  # the device's newest run, as it now stands
            device.run_start, device.run_last, device.run_count = run.start, run.last, run.count
            device.run_peak, device.run_alert = run.peak, run.alert
        if device.eval_through is None or newest.taken_at > device.eval_through:
            device.eval_through = newest.taken_at
            device.last_value, device.last_at = newest.value, newest.taken_at
        changed.append(device)
    ev.flush()
    _save_states(changed)


def _save_states(devices: list[Device]) -> None:
    """Write the devices' evaluation state: one prepared UPDATE run for every device (the ORM's
    bulk_update builds a CASE expression per field and row, which costs more than the batch)."""
    stamp = connection.ops.adapt_datetimefield_value
    params = [
        [
            stamp(d.eval_through),
            stamp(d.run_start),
            stamp(d.run_last),
            d.run_count,
            d.run_peak,
            d.run_alert.pk if d.run_alert else None,
            d.last_value,
            stamp(d.last_at),
            d.pk,
        ]
        for d in devices
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE supervision_device SET eval_through = %s, run_start = %s, run_last = %s, run_count = %s, "
            "run_peak = %s, run_alert_id = %s, last_value = %s, last_at = %s WHERE id = %s",
            params,
        )


def open_inspection_task(alert: Alert, *, device: DeviceInfo) -> str:
    """Open the inspection task the threshold asks for: a joint task (联合监管 发起) of the
    site's department about the site's entity, with the alert as its source and evidence.
    Returns the task's id as the alert's reference."""
    from . import tasks

    task = tasks.do_open_task(
        actor=ACTOR,
        department_id=device.department_id,
        title=f"{device.site_name}{device.sensor_name}持续超标核查"[:100],
        reason=f"在线监测设备 {device.code} {device.sensor_name}持续超标（{alert.rule}），请现场核查",
        entity_id=device.entity_id,
        source_kind="iot_alert",
        source_ref=str(alert.pk),
        evidence={
            "site": device.site_code,
            "device": device.code,
            "unit": device.unit,
            "rule": alert.rule,
            "started_at": alert.started_at.isoformat(),
            "raised_at": alert.raised_at.isoformat(),
            "peak": alert.peak,
            "readings": alert.readings,
        },
    )
    return str(task.pk)


class Ingestor:
    """One batch at a time: `process([(topic, payload), ...])`."""

    def __init__(self, registry: Registry | None = None):
        self.registry = registry or Registry()
        self.months: set[tuple[int, int]] = set()

    def process(self, messages: list[tuple[str, bytes]], *, now: dt.datetime | None = None) -> BatchResult:
        now = now or timezone.now()
        result = BatchResult()
        rows: list[Row] = []
        clock = time.perf_counter()
        window = (now - dt.timedelta(days=LATE_WINDOW_DAYS), now + dt.timedelta(seconds=FUTURE_SLACK_SECONDS))
        for topic, payload in messages:
            try:
                msg = iot.parse_message(topic, payload)
            except iot.Malformed as exc:
                result.counts[Drop.MALFORMED] += 1
                log.warning("skipped a malformed message on %r: %s", topic[:200], exc)
                continue
            rows.extend(_validate(msg, self.registry, window, result))
        unique = list({(r.device, r.ts, r.seq): r for r in rows}.values())
        result.seconds["validate"] += time.perf_counter() - clock
        with transaction.atomic(), audit.batch():
            clock = time.perf_counter()
            months = {(r.taken_at.year, r.taken_at.month) for r in unique} - self.months
            if months:
                partitions_iot.ensure_months(months)
                self.months |= months
            inserted = _insert(unique, now)
            result.counts[STORED] += len(inserted)
            result.counts[Drop.DUPLICATE] += len(rows) - len(inserted)
            result.seconds["insert"] += time.perf_counter() - clock
            clock = time.perf_counter()
            _evaluate(inserted, self.registry, result)
            result.seconds["evaluate"] += time.perf_counter() - clock
            result.counts = +result.counts  # without the zeros
            _count(result.counts)
        return result
