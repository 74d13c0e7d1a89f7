"""The demo's 互联网+监管 core (issue 15's Done-when: a risk rule raises an alert that opens a
joint task of two departments; the task's chain verifies). Seeded through supervision's
services only:

1. Eight supervised entities in 武汉 (a clinic, an advertising firm, a chemical plant, a
   haulier, a restaurant, a trading company, a bank branch, a 个体工商户), with facts the credit
   model counts (12345 complaints, penalties, a revoked licence, inspection results), one listed
   in 经营异常名录 (unreachable at its address); every score recomputed and explained.
2. The demo inspector (湖北省市场监督管理局) writes the 违法医疗广告 rule from its template; it is
   back-tested, activated and run: it raises an alert on the clinic.
3. The alert is triaged into a joint task led by 湖北省市场监督管理局 with 武汉市江夏区行政审批局
   as partner; the inspector claims the lead's part. `/supervision/tasks/<id>/verify/` shows the
   chain intact.

Idempotent: nothing is written when the first demo entity exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.core import queries as core_queries
from tongban.core.errors import NotFound
from tongban.core.identifiers import make_credit_code
from tongban.supervision import abnormal, credit, queries, registry, risk, tasks

LEAD = "湖北省市场监督管理局"
PARTNER = "武汉市江夏区行政审批局"

# (name, kind, industry, region, address, facts: [(factor, days ago)])
ENTITIES = (
    ("武汉康宁门诊部有限公司", "enterprise", "Q8421", "420106", "武昌区中南路 8 号",
     [("complaint", 3), ("complaint", 12), ("complaint", 40), ("penalty", 200)]),
    ("武汉广而告之广告有限公司", "enterprise", "L7251", "420103", "江汉区新华路 21 号",
     [("complaint", 30), ("inspection_pass", 300)]),
    ("湖北楚化化工有限公司", "enterprise", "C2614", "420115", "江夏区金港大道 6 号",
     [("licence_revoked", 60), ("penalty", 70)]),
    ("武汉通达危货运输有限公司", "enterprise", "G5430", "420116", "黄陂区盘龙城 3 号",
     [("licence_suspended", 20), ("inspection_problem", 90)]),
    ("武汉楚味餐饮管理有限公司", "enterprise", "H6210", "420102", "江岸区沿江大道 100 号",
     [("inspection_pass", 120), ("inspection_pass", 500)]),
    ("武汉恒远商贸有限公司", "enterprise", "F5299", "420111", "洪山区珞喻路 66 号",
     [("complaint", 5), ("complaint", 9), ("complaint", 15), ("penalty", 100)]),
    ("汉口银行江夏支行", "enterprise", "J6620", "420115", "江夏区文化大道 1 号", []),
    ("江夏区李记早点店", "individual", "H6291", "420115", "江夏区纸坊大街 18 号", [("complaint", 50)]),
)  # fmt: skip
ABNORMAL = "武汉恒远商贸有限公司"


def _code(n: int, kind: str) -> str:
    return make_credit_code(
        random.Random(f"demo:supervision:{n}"), region="420100", kind="92" if kind == "individual" else "91"
    )


def _dept(name: str) -> int | None:
    return core_queries.departments().filter(name=name).order_by("pk").values_list("pk", flat=True).first()


def seed_supervision_core(*, actor: str, say: Callable[[str], None]) -> bool:
    """Returns whether anything was written."""
    lead, partner = _dept(LEAD), _dept(PARTNER)
    inspector = (
        account_queries.staff_of_department(lead).filter(username="inspector").first() if lead else None
    )
    if lead is None or partner is None or inspector is None:
        say("supervision: the demo departments or inspector are missing, skipped")
        return False
    try:
        queries.entity(credit_code=_code(0, ENTITIES[0][1]))
    except NotFound:
        pass  # not seeded yet
    else:
        return False
    today = timezone.localdate()
    entities = {}
    for n, (name, kind, industry, region, address, facts) in enumerate(ENTITIES):
        e = registry.do_register_entity(
            actor=actor, credit_code=_code(n, kind), name=name, kind=kind, region_code=region,
            industry=industry, address=f"武汉市{address}",
        )  # fmt: skip
        entities[name] = e
        for i, (factor, days) in enumerate(facts):
            credit.do_record_fact(
                actor=actor, entity_id=e.pk, factor=factor, occurred_on=today - dt.timedelta(days=days),
                source="demo", ref=f"{n}-{i}",
            )  # fmt: skip
    abnormal.do_list(
        actor=actor, entity_id=entities[ABNORMAL].pk, ground="unreachable", listed_on=today - dt.timedelta(days=400),
        detail="通过登记的住所无法联系（专用信函被退回）",
    )  # fmt: skip
    report = credit.do_recompute_credit(actor=actor)
    template = risk.TEMPLATES["medical_advertising"]
    rule = risk.do_save_rule(
        actor=inspector, name=template["name"], expression=template["expression"], model_tag="medical_advertising",
        description="近 90 天投诉 2 次以上或近一年受过处罚的医疗机构、广告经营者",
    )  # fmt: skip
    risk.do_backtest_rule(actor=inspector, rule_id=rule.pk)
    risk.do_activate_rule(actor=actor, rule_id=rule.pk)
    raised = risk.do_run_rules(actor=actor)
    alert = queries.alerts_of(entities["武汉康宁门诊部有限公司"]).filter(rule_id=rule.pk).first()
    if alert is None:
        say("supervision: the demo rule raised no alert on the clinic")
        return True
    alert = risk.do_task_from_alert(
        actor=inspector,
        alert_id=alert.pk,
        partner_department_ids=[partner],
        reason="违法医疗广告风险预警，会同行政审批局联合检查",
    )
    tasks.do_claim_task(actor=inspector, task_id=alert.task_id, inspector_ids=[inspector.pk])
    verified = tasks.verify_task(alert.task_id).ok
    say(
        f"supervision: {len(entities)} entities (credit recomputed, {report.changed} changed), "
        f"rule {rule.pk} raised {raised} alert(s), joint task {alert.task_id} chain {'intact' if verified else 'BROKEN'}"
    )
    return True
