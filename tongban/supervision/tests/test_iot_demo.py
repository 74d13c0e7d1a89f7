"""The demo's IoT seeding (`tongban/demo/supervision_iot.py`): two sites, five devices, an hour
of readings with the kitchen's noise sustained above its limit (one alert, one task); idempotent."""

from __future__ import annotations

import pytest

from tongban.demo import supervision_iot as demo

from ..models import Task
from ..models_iot import Alert, Device, Reading, Site
from .iot_world import SYSTEM, department, snapshot

pytestmark = pytest.mark.django_db


def test_the_demo_seeding(regions_loaded):
    said: list[str] = []
    assert demo.seed(actor=SYSTEM, say=said.append) is False  # no department yet
    dept = department(demo.DEPARTMENT, region="420000")
    assert demo.seed(actor=SYSTEM, say=said.append) is True
    assert sorted(Site.objects.values_list("code", "department_id")) == [
        ("jx-kitchen-01", dept.pk),
        ("jx-outfall-01", dept.pk),
    ]
    assert Device.objects.count() == 5 and Reading.objects.count() == 300
    alert = Alert.objects.get()
    assert (alert.device.code, alert.readings, alert.state) == ("jx-k01-noise", 8, "open")
    task = Task.objects.get()
    assert (alert.task_ref, task.source_kind) == (str(task.pk), "iot_alert")
    assert said[-1] == "supervision IoT: 2 sites, 5 devices, 300 readings, 1 alert(s), 1 inspection task(s)"
    before = snapshot()
    assert demo.seed(actor=SYSTEM, say=said.append) is False
    assert snapshot() == before
