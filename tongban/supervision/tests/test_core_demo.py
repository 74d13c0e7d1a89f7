"""The demo's supervision core (`tongban/demo/supervision_core.py`) on a small world with the
demo's names: a rule raises an alert on the clinic that opens a joint task of two departments
whose chain verifies; idempotent."""

from __future__ import annotations

import pytest

from tongban.core.models import AuditEvent
from tongban.demo import supervision_core as demo

from .. import tasks
from ..models import Entity, RiskAlert, RiskRule, Task
from .core_world import SYSTEM, department, staff

pytestmark = pytest.mark.django_db


def test_the_demo_story(regions_loaded):
    lead = department(demo.LEAD, "420000")
    partner = department(demo.PARTNER, "420115")
    staff("inspector", "inspector", dept=lead)
    lines: list[str] = []
    assert demo.seed_supervision_core(actor=SYSTEM, say=lines.append) is True
    assert Entity.objects.count() == len(demo.ENTITIES)
    rule = RiskRule.objects.get()
    assert (rule.state, rule.model_tag) == ("active", "medical_advertising")
    clinic = Entity.objects.get(name="武汉康宁门诊部有限公司")
    # 100 - 3 complaints × 2 - 1 penalty × 10 = 84 → B
    assert (int(clinic.credit_score), clinic.credit_class) == (84, "B")
    alert = RiskAlert.objects.get(entity=clinic)
    assert alert.evidence == {'trades_in("medical")': True, "complaints.last_90_days": 3}
    task = Task.objects.get()
    assert (alert.state, alert.task_id) == ("tasked", task.pk)
    assert sorted(task.parties.values_list("department_id", "role")) == sorted(
        [(lead.pk, "lead"), (partner.pk, "assist")]
    )
    assert tasks.verify_task(task.pk).ok
    assert "chain intact" in lines[-1]
    events = AuditEvent.objects.count()
    assert demo.seed_supervision_core(actor=SYSTEM, say=lines.append) is False
    assert AuditEvent.objects.count() == events
