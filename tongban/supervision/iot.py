"""IoT supervision (物联网监管): registering sites and devices, thresholds, and the wire format.

Writes are `do_*` services (atomic, row-locking, audited). The wire format (see
`docs/supervision-iot.md`) is defined here once, for the worker (`ingest.py`) and for the
simulator alike:

- topic `tongban/v1/supervision/sites/<site code>/devices/<device code>/readings`;
- payload, UTF-8 JSON: one reading `{"device", "seq", "ts", "value", "sig"}` or several of one
  device `{"device", "readings": [{"seq", "ts", "value", "sig"}, ...]}`; `seq` a non-negative
  integer the device never reuses, `ts` the reading time in epoch milliseconds, `value` a
  decimal string (a string, so the signed text is exactly what was sent), `sig` the HMAC-SM3 of
  `"<device>|<seq>|<ts>|<value>"` under the device's secret, in hex.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import hmac_sm3_hex
from tongban.core.errors import Conflict, InvalidInput, NotFound

from . import iot_reference
from . import permissions_iot as perms
from .enums_iot import SiteKind
from .models import Entity
from .models_iot import DEVICE_SECRET, Device, SensorType, Site, Threshold

TOPIC_PREFIX = "tongban/v1/supervision/sites/"
SUBSCRIPTION = "tongban/v1/supervision/sites/+/devices/+/readings"
MAX_PAYLOAD = 64 * 1024
MAX_READINGS = 500  # per message

SITE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
DEVICE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
DECIMAL = re.compile(r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$")


# --- The wire format -----------------------------------------------------------------------------


def topic_for(site_code: str, device_code: str) -> str:
    return f"{TOPIC_PREFIX}{site_code}/devices/{device_code}/readings"


def signed_text(device: str, seq: int, ts: int, value: str) -> bytes:
    return f"{device}|{seq}|{ts}|{value}".encode()


def sign(key: bytes, device: str, seq: int, ts: int, value: str) -> str:
    return hmac_sm3_hex(key, signed_text(device, seq, ts, value))


class Malformed(ValueError):
    """A message that is not a reading in the documented format (logged and skipped)."""


@dataclass(frozen=True, slots=True)
class RawReading:
    seq: int
    ts: int  # epoch milliseconds
    value: str
    sig: str


@dataclass(frozen=True, slots=True)
class Message:
    site: str
    device: str  # the device named in the topic
    claimed: str  # the device named in the payload
    readings: tuple[RawReading, ...]


def parse_topic(topic: str) -> tuple[str, str]:
    if not topic.startswith(TOPIC_PREFIX):
        raise Malformed("topic")
    parts = topic[len(TOPIC_PREFIX) :].split("/")
    if len(parts) != 4 or parts[1] != "devices" or parts[3] != "readings":
        raise Malformed("topic")
    if not SITE_CODE.match(parts[0]) or not DEVICE_CODE.match(parts[2]):
        raise Malformed("topic")
    return parts[0], parts[2]


def _int(value, name: str) -> int:
    if type(value) is not int or value < 0 or value > 2**62:
        raise Malformed(name)
    return value


def _raw(item) -> RawReading:
    if not isinstance(item, dict):
        raise Malformed("reading")
    value, sig = item.get("value"), item.get("sig")
    if not isinstance(value, str) or not DECIMAL.match(value):
        raise Malformed("value")
    if not isinstance(sig, str) or len(sig) != 64:
        raise Malformed("sig")
    return RawReading(seq=_int(item.get("seq"), "seq"), ts=_int(item.get("ts"), "ts"), value=value, sig=sig)


def parse_message(topic: str, payload: bytes) -> Message:
    """The message's readings, unauthenticated; `Malformed` (naming what is wrong) otherwise."""
    site, device = parse_topic(topic)
    if len(payload) > MAX_PAYLOAD:
        raise Malformed("size")
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("json") from exc
    if not isinstance(body, dict) or not isinstance(body.get("device"), str):
        raise Malformed("device")
    if "readings" in body:
        items = body["readings"]
        if not isinstance(items, list) or not 0 < len(items) <= MAX_READINGS:
            raise Malformed("readings")
        readings = tuple(_raw(item) for item in items)
    else:
        readings = (_raw(body),)
    return Message(site=site, device=device, claimed=body["device"], readings=readings)


def reading_payload(key: bytes, device: str, readings: list[tuple[int, int, str]]) -> bytes:
    """A signed payload for (seq, ts, value) readings of one device (the simulator's and the
    tests' publisher)."""
    items = [{"seq": s, "ts": t, "value": v, "sig": sign(key, device, s, t, v)} for s, t, v in readings]
    body: dict = {"device": device, **items[0]} if len(items) == 1 else {"device": device, "readings": items}
    return json.dumps(body, separators=(",", ":")).encode()


def device_key(device: Device) -> bytes:
    return bytes.fromhex(DEVICE_SECRET.read(device))


# --- Reference data -------------------------------------------------------------------------------


def do_load_reference(*, actor) -> int:
    """Create the sensor types and default thresholds of `iot_reference` that are missing;
    returns how many rows were written (0 on a second run)."""
    written = 0
    with transaction.atomic():
        for code, name, category, unit, lo, hi in iot_reference.SENSOR_TYPES:
            _, created = SensorType.objects.get_or_create(
                code=code,
                defaults={"name": name, "category": category, "unit": unit, "range_min": lo, "range_max": hi},
            )
            written += created
        types = {t.code: t for t in SensorType.objects.all()}
        for code, lower, upper, count, minutes, basis in iot_reference.DEFAULT_THRESHOLDS:
            _, created = Threshold.objects.get_or_create(
                sensor_type=types[code],
                site=None,
                defaults={
                    "lower": lower,
                    "upper": upper,
                    "sustain_count": count,
                    "sustain_minutes": minutes,
                    "basis": basis,
                },
            )
            written += created
        if written:
            audit.record(actor=actor, action="supervision.iot.reference_loaded", data={"rows": written})
    return written


# --- Sites and devices ----------------------------------------------------------------------------


def access_site(actor, pk, *, lock: bool = False) -> Site:
    """The site `pk` for the staff of its department (or a platform administrator); anyone else
    gets the same 404 as for a site that does not exist."""
    pk = perms.as_pk(pk)
    qs = Site.objects.select_related("entity", "department")
    if lock:
        qs = qs.select_for_update(of=("self",))
    site = qs.filter(pk=pk).first()
    if site is None:
        raise NotFound(perms.NOT_FOUND)
    if not perms.may_view_department(actor, site.department_id):
        raise perms.refuse(actor, action="supervision.iot.site_refused", object_id=pk, reason="department")
    return site


def check_site_fields(*, code: str, name: str, kind: str, entity_id, department_id) -> list:
    problems = []
    if not SITE_CODE.match(code or ""):
        problems.append(("code", "点位编码为 2-40 位小写字母、数字或连字符"))
    if not (name or "").strip() or len(name) > 100:
        problems.append(("name", "请填写点位名称（不超过 100 字）"))
    if kind not in SiteKind.values:
        problems.append(("kind", "请选择点位类型"))
    if not isinstance(entity_id, int) or not Entity.objects.filter(pk=entity_id).exists():
        problems.append(("entity", "没有该监管对象"))
    if not isinstance(department_id, int) or core_queries.departments_by_id([department_id]) == {}:
        problems.append(("department", "没有该部门"))
    return problems


def _invalid(problems: list) -> InvalidInput:
    from tongban.core.errors import FieldProblem

    return InvalidInput(
        "；".join(f"{f}：{m}" for f, m in problems), problems=[FieldProblem(f, m) for f, m in problems]
    )


def do_register_site(
    *, actor, code: str, name: str, kind: str, entity_id: int, department_id: int, address: str = ""
) -> Site:
    """Register a monitored site (登记监测点位) of an entity, supervised by a department."""
    code = (code or "").strip()
    problems = check_site_fields(
        code=code, name=name, kind=kind, entity_id=entity_id, department_id=department_id
    )
    if len(address or "") > 200:
        problems.append(("address", "地址不超过 200 字"))
    if problems:
        raise _invalid(problems)
    if not perms.may_manage_department(actor, department_id):
        raise perms.refuse(
            actor, action="supervision.iot.site_register_refused", object_id=code, reason="department"
        )
    try:
        with transaction.atomic():
            site = Site.objects.create(
                code=code,
                name=name.strip(),
                kind=kind,
                entity_id=entity_id,
                department_id=department_id,
                address=(address or "").strip(),
            )
            audit.record(
                actor=actor,
                action="supervision.iot.site_registered",
                obj=site,
                data={"code": code, "entity": entity_id, "department": department_id},
            )
    except IntegrityError as exc:
        raise InvalidInput.field("code", "该点位编码已被使用") from exc
    return site


def do_register_device(*, actor, site_id: int, code: str, sensor_type: str) -> tuple[Device, str]:
    """Register a device to a site (登记设备). Returns the device and its secret (hex), shown
    this once: only its ciphertext is kept."""
    code = (code or "").strip()
    if not DEVICE_CODE.match(code):
        raise InvalidInput.field("code", "设备编号为 3-64 位字母、数字、下划线或连字符")
    stype = SensorType.objects.filter(code=sensor_type).first()
    if stype is None:
        raise InvalidInput.field("sensor_type", "没有该传感器类型")
    secret = secrets.token_hex(32)
    try:
        with transaction.atomic():
            site = access_site(actor, site_id, lock=True)
            if not site.active:
                raise Conflict("该点位已停用，不能登记设备")
            device = Device(site=site, code=code, sensor_type=stype)
            DEVICE_SECRET.encrypt_into(device, secret)
            device.save()
            audit.record(
                actor=actor,
                action="supervision.iot.device_registered",
                obj=device,
                data={"code": code, "site": site.pk, "sensor_type": stype.code},
            )
    except IntegrityError as exc:
        raise InvalidInput.field("code", "该设备编号已被登记") from exc
    return device, secret


def do_set_device_active(*, actor, device_id: int, active: bool) -> Device:
    """Suspend (停用) or resume a device: a suspended device's readings are dropped."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(pk=perms.as_pk(device_id)).first()
        if device is None:
            raise NotFound(perms.NOT_FOUND)
        access_site(actor, device.site_id)
        if device.active != active:
            device.active = active
            device.save(update_fields=["active"])
            audit.record(
                actor=actor, action="supervision.iot.device_active", obj=device, data={"active": active}
            )
    return device


# --- Thresholds -----------------------------------------------------------------------------------


def _number(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field(field, "请填写数字") from exc
    if number != number or abs(number) > 1e9:
        raise InvalidInput.field(field, "请填写有效数字")
    return number


def _count(value, field: str, top: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field(field, "请填写整数") from exc
    if not 1 <= number <= top:
        raise InvalidInput.field(field, f"请填写 1 至 {top} 之间的整数")
    return number


def do_set_threshold(
    *,
    actor,
    sensor_type: str,
    site_id: int | None = None,
    upper=None,
    lower=None,
    sustain_count=None,
    sustain_minutes=None,
    opens_task: bool = False,
    basis: str = "",
) -> Threshold:
    """Set the limit of a sensor type for one site (or, without a site, the default). The
    worker picks it up within its refresh interval; readings already stored keep their verdict."""
    stype = SensorType.objects.filter(code=sensor_type).first()
    if stype is None:
        raise InvalidInput.field("sensor_type", "没有该传感器类型")
    upper, lower = _number(upper, "upper"), _number(lower, "lower")
    count, minutes = (
        _count(sustain_count, "sustain_count", 1000),
        _count(sustain_minutes, "sustain_minutes", 1440),
    )
    if upper is None and lower is None:
        raise InvalidInput.field("upper", "请至少填写上限或下限")
    if upper is not None and lower is not None and lower >= upper:
        raise InvalidInput.field("lower", "下限应小于上限")
    if len(basis or "") > 200:
        raise InvalidInput.field("basis", "依据不超过 200 字")
    with transaction.atomic():
        if site_id is None:
            if not perms.is_platform_admin(actor):
                raise perms.refuse(
                    actor, action="supervision.iot.threshold_refused", object_id="default", reason="platform"
                )
            site = None
        else:
            site = access_site(actor, site_id, lock=True)
            if not perms.may_manage_department(actor, site.department_id):
                raise perms.refuse(
                    actor, action="supervision.iot.threshold_refused", object_id=site.pk, reason="role"
                )
        threshold, _ = Threshold.objects.select_for_update().get_or_create(sensor_type=stype, site=site)
        threshold.upper, threshold.lower = upper, lower
        threshold.sustain_count, threshold.sustain_minutes = count, minutes
        threshold.opens_task, threshold.basis = bool(opens_task), (basis or "").strip()
        threshold.save()
        audit.record(
            actor=actor,
            action="supervision.iot.threshold_set",
            obj=threshold,
            data={
                "sensor_type": stype.code,
                "site": site.pk if site else None,
                "upper": upper,
                "lower": lower,
                "sustain_count": count,
                "sustain_minutes": minutes,
                "opens_task": bool(opens_task),
            },
        )
    return threshold


def rule_text(threshold: Threshold) -> str:
    """The rule in words, copied into each alert (e.g. "> 60 连续 5 次或持续 10 分钟")."""
    limits = []
    if threshold.lower is not None:
        limits.append(f"< {threshold.lower:g}")
    if threshold.upper is not None:
        limits.append(f"> {threshold.upper:g}")
    sustain = []
    if threshold.sustain_count:
        sustain.append(f"连续 {threshold.sustain_count} 次")
    if threshold.sustain_minutes:
        sustain.append(f"持续 {threshold.sustain_minutes} 分钟")
    return " 或 ".join(limits) + (" " + "或".join(sustain) if sustain else "")


def effective_thresholds() -> dict[tuple[int, int | None], Threshold]:
    """Every threshold by (sensor type id, site id or None)."""
    return {(t.sensor_type_id, t.site_id): t for t in Threshold.objects.all()}
