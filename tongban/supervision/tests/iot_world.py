"""Fixtures of the IoT tests (a module of their own: the app's other parts keep theirs)."""

from __future__ import annotations

import datetime as dt
import random

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from .. import iot, registry
from ..models import Entity
from ..models_iot import Alert, Device, IngestCounter, Reading, Site, Threshold

SYSTEM = "system:test"
UTC = dt.UTC


def department(name: str, region: str = "420100"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"iot-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def staff(username: str, *roles: str, dept=None, superuser: bool = False):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=dept.pk if dept else None,
        superuser=superuser,
    )


def entity(name: str = "武汉市江汉区好味道餐馆", region: str = "420103", industry: str = "H62") -> Entity:
    code = make_credit_code(random.Random(f"iot-test:entity:{name}"), region=region, kind="92")
    return registry.do_register_entity(
        actor=SYSTEM, credit_code=code, name=name, kind="individual", region_code=region, industry=industry
    )


def snapshot() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "devices": Device.objects.count(),
        "thresholds": Threshold.objects.count(),
        "readings": Reading.objects.count(),
        "alerts": Alert.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def counters() -> dict[str, int]:
    return dict(IngestCounter.objects.values_list("key", "count"))


class World:
    """A department with an administrator and an officer, an entity with a kitchen site and a
    noise sensor (threshold > 60 dB(A), 3 consecutive readings or 10 minutes)."""

    def __init__(self):
        iot.do_load_reference(actor=SYSTEM)
        self.dept = department("武汉市江汉区生态环境局")
        self.other_dept = department("武汉市江岸区生态环境局", region="420102")
        self.admin = staff("iot-admin", "department_admin", dept=self.dept)
        self.officer = staff("iot-officer", "inspector", dept=self.dept)
        self.stranger = staff("iot-stranger", "department_admin", dept=self.other_dept)
        self.entity = entity()
        self.site = iot.do_register_site(
            actor=self.admin,
            code="jh-kitchen-1",
            name="好味道餐馆后厨",
            kind="kitchen",
            entity_id=self.entity.pk,
            department_id=self.dept.pk,
        )
        self.device, secret = iot.do_register_device(
            actor=self.admin, site_id=self.site.pk, code="noise-001", sensor_type="noise"
        )
        self.key = bytes.fromhex(secret)
        iot.do_set_threshold(
            actor=self.admin,
            sensor_type="noise",
            site_id=self.site.pk,
            upper=60,
            sustain_count=3,
            sustain_minutes=10,
        )

    def topic(self, device: str | None = None) -> str:
        return iot.topic_for(self.site.code, device or self.device.code)

    def message(self, readings, *, device: str | None = None, key: bytes | None = None) -> tuple[str, bytes]:
        """(topic, payload) of (seq, datetime, value) readings."""
        code = device or self.device.code
        items = [(s, int(t.timestamp() * 1000), v) for s, t, v in readings]
        return self.topic(code), iot.reading_payload(key or self.key, code, items)
