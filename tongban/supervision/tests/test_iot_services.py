"""Registering sites, devices and thresholds; the wire format's refusals."""

from __future__ import annotations

import json

import pytest

from tongban.core.errors import InvalidInput, NotFound

from .. import iot
from ..models_iot import Device, SensorType, Threshold
from .iot_world import SYSTEM, World, entity, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(name="world")
def world_fixture(regions_loaded):
    return World()


def test_reference_data_loads_once(regions_loaded):
    assert iot.do_load_reference(actor=SYSTEM) == 14
    assert iot.do_load_reference(actor=SYSTEM) == 0
    assert sorted(SensorType.objects.values_list("code", flat=True)) == [
        "co",
        "cod",
        "h2s",
        "nh3",
        "nh3n",
        "noise",
        "ph",
    ]
    ph = Threshold.objects.get(sensor_type__code="ph", site=None)
    assert (ph.lower, ph.upper, ph.sustain_count, ph.sustain_minutes) == (6.0, 9.0, 3, 30)


def test_site_and_device_registration(world):
    assert world.site.department_id == world.dept.pk and world.site.entity_id == world.entity.pk
    device = Device.objects.get(code="noise-001")
    assert device.secret.startswith("sm4gcm2:")
    assert iot.device_key(device) == world.key and len(world.key) == 32
    assert world.key.hex() not in device.secret


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("code", {"code": "Bad Code!"}),
        ("name", {"name": " "}),
        ("kind", {"kind": "castle"}),
        ("entity", {"entity_id": 10**9}),
        ("department", {"department_id": 10**9}),
    ],
)
def test_site_bad_input_names_the_field_and_changes_nothing(world, field, kwargs):
    before = snapshot()
    values = {
        "code": "jh-kitchen-2",
        "name": "第二后厨",
        "kind": "kitchen",
        "entity_id": world.entity.pk,
        "department_id": world.dept.pk,
    }
    values.update(kwargs)
    with pytest.raises(InvalidInput) as exc:
        iot.do_register_site(actor=world.admin, **values)
    assert [p.field for p in exc.value.problems] == [field]
    assert snapshot() == before


def test_site_code_taken(world):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        iot.do_register_site(
            actor=world.admin,
            code=world.site.code,
            name="另一个",
            kind="kitchen",
            entity_id=entity("另一家餐馆").pk,
            department_id=world.dept.pk,
        )
    assert exc.value.problems[0].field == "code"
    assert snapshot()["sites"] == before["sites"]


def test_other_department_and_officers_may_not_register_sites(world):
    before = snapshot()
    for actor in (world.stranger, world.officer):
        with pytest.raises(NotFound):
            iot.do_register_site(
                actor=actor,
                code="jh-kitchen-3",
                name="第三后厨",
                kind="kitchen",
                entity_id=world.entity.pk,
                department_id=world.dept.pk,
            )
    after = snapshot()
    assert after["sites"] == before["sites"]
    assert after["audit"] == before["audit"] + 2  # the two refusals, recorded


def test_device_registration_refusals(world):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        iot.do_register_device(
            actor=world.admin, site_id=world.site.pk, code="noise-001", sensor_type="noise"
        )
    assert exc.value.problems[0].field == "code"
    with pytest.raises(InvalidInput) as exc:
        iot.do_register_device(actor=world.admin, site_id=world.site.pk, code="x/+#", sensor_type="noise")
    assert exc.value.problems[0].field == "code"
    with pytest.raises(InvalidInput) as exc:
        iot.do_register_device(actor=world.admin, site_id=world.site.pk, code="gas-001", sensor_type="radon")
    assert exc.value.problems[0].field == "sensor_type"
    with pytest.raises(NotFound):
        iot.do_register_device(actor=world.stranger, site_id=world.site.pk, code="gas-001", sensor_type="nh3")
    after = snapshot()
    assert {k: after[k] for k in ("devices", "sites")} == {k: before[k] for k in ("devices", "sites")}


def test_officer_registers_a_device_of_his_department(world):
    device, secret = iot.do_register_device(
        actor=world.officer, site_id=world.site.pk, code="nh3-001", sensor_type="nh3"
    )
    assert device.site_id == world.site.pk and len(secret) == 64


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("upper", {"upper": None, "lower": None}),
        ("lower", {"upper": 50, "lower": 70}),
        ("upper", {"upper": "loud"}),
        ("sustain_count", {"sustain_count": 0}),
        ("sustain_minutes", {"sustain_minutes": 5000}),
        ("sensor_type", {"sensor_type": "radon"}),
    ],
)
def test_threshold_bad_input(world, field, kwargs):
    before = list(Threshold.objects.values_list("pk", "upper", "lower", "sustain_count", "sustain_minutes"))
    values = {"sensor_type": "noise", "site_id": world.site.pk, "upper": 55}
    values.update(kwargs)
    with pytest.raises(InvalidInput) as exc:
        iot.do_set_threshold(actor=world.admin, **values)
    assert exc.value.problems[0].field == field
    assert (
        list(Threshold.objects.values_list("pk", "upper", "lower", "sustain_count", "sustain_minutes"))
        == before
    )


def test_threshold_authority(world):
    before = list(Threshold.objects.values_list("pk", "upper"))
    with pytest.raises(NotFound):  # the default is the platform's
        iot.do_set_threshold(actor=world.admin, sensor_type="noise", upper=50)
    with pytest.raises(NotFound):  # an officer may not change the site's limit
        iot.do_set_threshold(actor=world.officer, sensor_type="noise", site_id=world.site.pk, upper=50)
    with pytest.raises(NotFound):
        iot.do_set_threshold(actor=world.stranger, sensor_type="noise", site_id=world.site.pk, upper=50)
    assert list(Threshold.objects.values_list("pk", "upper")) == before
    t = iot.do_set_threshold(
        actor=world.admin,
        sensor_type="noise",
        site_id=world.site.pk,
        upper=55,
        sustain_count=4,
        opens_task=True,
    )
    assert (t.upper, t.sustain_count, t.sustain_minutes, t.opens_task) == (55.0, 4, None, True)
    assert iot.rule_text(t) == "> 55 连续 4 次"
    assert Threshold.objects.filter(site=world.site).count() == 1


def test_parse_message_refusals():
    topic = iot.topic_for("site-1", "dev-001")
    good = {"device": "dev-001", "seq": 1, "ts": 1_700_000_000_000, "value": "61.5", "sig": "0" * 64}
    msg = iot.parse_message(topic, json.dumps(good).encode())
    assert msg.readings == (iot.RawReading(1, 1_700_000_000_000, "61.5", "0" * 64),)
    bad = [
        ("topic", "tongban/v1/supervision/sites/site-1/devices/dev-001", good),
        ("topic", "other/topic", good),
        ("value", topic, {**good, "value": 61.5}),
        ("value", topic, {**good, "value": "1e5"}),
        ("seq", topic, {**good, "seq": -1}),
        ("seq", topic, {**good, "seq": "1"}),
        ("ts", topic, {**good, "ts": 1.5}),
        ("sig", topic, {**good, "sig": "abc"}),
        ("device", topic, {**good, "device": 7}),
        ("readings", topic, {"device": "dev-001", "readings": []}),
        ("reading", topic, {"device": "dev-001", "readings": [1]}),
    ]
    for reason, t, body in bad:
        with pytest.raises(iot.Malformed) as exc:
            iot.parse_message(t, json.dumps(body).encode())
        assert str(exc.value) == reason
    for payload, reason in ((b"{not json", "json"), (b"\xff\xfe", "json"), (b"[1]", "device")):
        with pytest.raises(iot.Malformed) as exc:
            iot.parse_message(topic, payload)
        assert str(exc.value) == reason
