"""Fixtures and builders of the draw tests (a module of their own: other supervision parts have
their own)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from .. import draws
from .. import services_draw as services
from ..models import Entity
from ..models_draw import (
    Assignment,
    Conflict,
    Draw,
    DrawStratum,
    DrawTarget,
    InspectionResult,
    Inspector,
    Matter,
    Plan,
)

SYSTEM = "system:test"
SECRET_1 = "11" * 32
SECRET_2 = "22" * 32


def department(name: str, region: str = "420100"):
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"draw-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def staff(username: str, *roles: str, dept=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=dept.pk if dept else None,
    )


def entities(
    n: int, *, region: str = "420102", industry: str = "H62", classes="ABCD", seed: str = "e"
) -> list[Entity]:
    """n entities, credit classes cycling through `classes` (a factory: the registry's own
    services belong to another part)."""
    rng = random.Random(f"draw-test:entities:{seed}")
    rows = [
        Entity(
            credit_code=make_credit_code(rng, region=region, kind="92"),
            name=f"测试餐饮店{seed}{i}",
            kind="individual",
            region_code=region,
            industry=industry,
            credit_class=classes[i % len(classes)],
        )
        for i in range(n)
    ]
    Entity.objects.bulk_create(rows)
    return list(Entity.objects.filter(credit_code__in=[r.credit_code for r in rows]).order_by("id"))


class World:
    """A department with an admin, a drafter, a reviewer, two officials, a matter and inspectors."""

    def __init__(self, inspectors: int = 4):
        self.dept = department("武汉市市场监督管理局")
        self.admin = staff("sup-admin", "department_admin", dept=self.dept)
        self.drafter = staff("sup-drafter", "window_clerk", dept=self.dept)
        self.reviewer = staff("sup-reviewer", "approving_officer", dept=self.dept)
        self.official_1 = staff("sup-official-1", "approving_officer", dept=self.dept)
        self.official_2 = staff("sup-official-2", "department_admin", dept=self.dept)
        self.matter = services.do_create_matter(
            actor=self.admin,
            values={
                "code": "SC-001",
                "name": "食品经营者落实食品安全主体责任情况检查",
                "legal_basis": "《中华人民共和国食品安全法》第一百一十条",
                "department": self.dept.pk,
                "object_type": "all",
                "method": "on_site",
                "share_bp": 300,
                "rule": {"record_items": ["检查情况"], "recusal_days": 365},
            },
        )
        self.inspectors = [self.add_inspector(i) for i in range(inspectors)]

    def add_inspector(self, i: int) -> Inspector:
        user = staff(f"sup-inspector-{i}", "inspector", dept=self.dept)
        return services.do_register_inspector(
            actor=self.admin,
            user_id=user.pk,
            region_code="420102",
            badge_no=f"WH-{i:04d}",
            matter_ids=[self.matter.pk],
        )

    def plan(self, ratios=None, **extra) -> Plan:
        today = timezone.localdate()
        values = {
            "title": "2026年餐饮服务食品安全双随机抽查",
            "matter": self.matter.pk,
            "region_prefix": "4201",
            "industries": ["H62"],
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=60)).isoformat(),
            "ratios_bp": ratios or {"A": 1000, "B": 2000, "C": 5000, "D": 10000},
            **extra,
        }
        return services.do_create_plan(actor=self.drafter, values=values)

    def approved(self, **kw) -> Plan:
        plan = self.plan(**kw)
        services.do_submit_plan(actor=self.drafter, plan_id=plan.pk)
        return services.do_decide_plan(actor=self.reviewer, plan_id=plan.pk, approve=True)

    def commit_both(self, plan: Plan) -> Draw:
        services.do_commit(
            actor=self.official_1, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_1))
        )
        return services.do_commit(
            actor=self.official_2, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_2))
        )

    def drawn(self, **kw) -> Draw:
        plan = self.approved(**kw)
        self.commit_both(plan)
        services.do_reveal(actor=self.official_1, plan_id=plan.pk, secret=SECRET_1)
        return services.do_reveal(actor=self.official_2, plan_id=plan.pk, secret=SECRET_2)


def record_result(target: DrawTarget, result: str = "pass", *, record=None, **extra) -> InspectionResult:
    """Record the inspection result (检查结果) of a drawn target as its first assigned inspector
    (in slot order), inspected today; `extra` goes to the service as is (e.g. summary)."""
    inspector = Assignment.objects.filter(target=target).first().inspector
    return services.do_record_result(
        actor=inspector.user,
        target_id=target.pk,
        result=result,
        inspected_on=timezone.localdate(),
        record={"检查情况": "正常"} if record is None else record,
        **extra,
    )


def counts() -> dict[str, int]:
    """Row counts a refused write must leave unchanged."""
    return {
        m.__name__: m.objects.count()
        for m in (
            Matter,
            Inspector,
            Conflict,
            Plan,
            Draw,
            DrawStratum,
            DrawTarget,
            Assignment,
            InspectionResult,
        )
    } | {"audit": AuditEvent.objects.count()}
