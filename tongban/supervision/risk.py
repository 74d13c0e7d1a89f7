"""Risk rules (风险预警) over the entity registry: writing, back-testing, activating and running
rules in the rule language (`rules.py`), and triaging the alerts they raise.

- A rule is saved only when it parses and type-checks; the refusal names the position.
- Before activation it is back-tested: evaluated against the registry as it stood at each of
  the last month-ends (facts, listings and licence events dated up to that day), giving how
  many alerts it would have raised and examples with their evidence.
- Activation is by a department administrator other than the author (four eyes), and only
  for the expression that was back-tested.
- Active rules run (tick, or on demand) and raise one alert per rule and entity, with the
  evidence: the values that made the rule true.
- Triage: dismiss (with a reason), watch, or open a joint task (`tasks.do_open_task`).

Credit class and score are today's in a back-test (the registry keeps no class history).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.inputs import has_nul

from . import permissions, rules, tasks
from .models import (
    AbnormalListing,
    AlertState,
    CreditFact,
    CreditFactor,
    Entity,
    EntityLicence,
    RiskAlert,
    RiskRule,
    RuleState,
    SeriousViolation,
)

SYSTEM = "system:supervision"
BACKTEST_MONTHS = 12
EXAMPLES = 5

# Industry categories for trades_in(): prefixes of GB/T 4754-2017 codes (门类 letter + 大类/中类).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "hazardous": ("C25", "C26"),  # 燃料加工业; 化学原料和化学制品制造业
    "road_transport": ("G54",),  # 道路运输业 (危险货物道路运输 among it)
    "finance": ("J",),  # 金融业
    "trade": ("F51", "F52"),  # 批发业; 零售业 (直销 among it)
    "medical": ("Q84",),  # 卫生
    "advertising": ("L725",),  # 广告业
    "catering": ("H62",),  # 餐饮业
}

# Rule templates for the seed's risk models, in the rule language.
TEMPLATES: dict[str, dict[str, str]] = {
    "money_laundering": {
        "name": "洗钱风险",
        "expression": 'trades_in("finance") and (penalties.last_year >= 1 or abnormal.listed) '
        "and complaints.last_90_days >= 2",
    },
    "tax_evasion": {
        "name": "偷逃税风险",
        "expression": 'abnormal.listed and abnormal.years >= 1 and credit.class in ("C", "D")',
    },
    "pyramid_selling": {
        "name": "传销风险",
        "expression": 'trades_in("trade") and complaints.last_90_days >= 3 and penalties.last_year >= 1',
    },
    "hazardous_transport": {
        "name": "危险货物运输风险",
        "expression": 'trades_in("road_transport") and licence.state in ("revoked", "suspended", "expired")',
    },
    "medical_advertising": {
        "name": "违法医疗广告风险",
        "expression": '(trades_in("medical") or trades_in("advertising")) '
        "and (complaints.last_90_days >= 2 or penalties.last_year >= 1)",
    },
    "hazardous_revoked": {
        "name": "危化品经营许可被吊销仍在经营",
        "expression": 'licence.state == "revoked" and trades_in("hazardous")',
    },
}

_LICENCE_ORDER = ("revoked", "suspended", "expired", "valid")
_LICENCE_FACT_STATE = {
    CreditFactor.LICENCE_REVOKED: "revoked",
    CreditFactor.LICENCE_SUSPENDED: "suspended",
    CreditFactor.LICENCE_EXPIRED: "expired",
}


# --- Contexts ---------------------------------------------------------------------------------------


def _years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(0, years)


def contexts_for(
    entities: list[Entity], *, on: dt.date, today: dt.date | None = None
) -> dict[int, rules.Context]:
    """What rules see of each entity on day `on` (today: current licence states; a past day:
    licence events dated up to it)."""
    today = today or timezone.localdate()
    ids = [e.pk for e in entities]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    facts = CreditFact.objects.filter(entity_id__in=ids, occurred_on__lte=on).values_list(
        "entity_id", "factor", "occurred_on"
    )
    licence_facts: dict[int, set[str]] = defaultdict(set)
    for entity_id, factor, occurred in facts:
        age = (on - occurred).days
        c = counts[entity_id]
        if factor == CreditFactor.COMPLAINT:
            c["c90"] += age < 90
            c["c365"] += age < 365
        elif factor == CreditFactor.PENALTY:
            c["p365"] += age < 365
            c["ptotal"] += 1
        elif factor in (CreditFactor.INSPECTION_PROBLEM, CreditFactor.INSPECTION_PASS):
            if age < 1095:
                c["itotal"] += 1
                c["iproblems"] += factor == CreditFactor.INSPECTION_PROBLEM
        elif factor in _LICENCE_FACT_STATE:
            licence_facts[entity_id].add(_LICENCE_FACT_STATE[factor])
    licences: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for entity_id, state, type_code in EntityLicence.objects.filter(entity_id__in=ids).values_list(
        "entity_id", "state", "type_code"
    ):
        licences[entity_id].append((state, type_code))
    listed_since: dict[int, dt.date] = {}
    for entity_id, listed_on, removed_on, moved_on in AbnormalListing.objects.filter(
        entity_id__in=ids, listed_on__lte=on
    ).values_list("entity_id", "listed_on", "removed_on", "moved_on"):
        ended = removed_on or moved_on
        if ended is None or ended > on:
            listed_since[entity_id] = min(listed_on, listed_since.get(entity_id, listed_on))
    serious = set(
        SeriousViolation.objects.filter(entity_id__in=ids, listed_on__lte=on).values_list(
            "entity_id", flat=True
        )
    )
    out: dict[int, rules.Context] = {}
    for e in entities:
        c = counts[e.pk]
        held = licences[e.pk]
        if on >= today:
            states = {state for state, _ in held}
        else:
            states = set(licence_facts[e.pk]) | ({"valid"} if held else set())
        worst = next((s for s in _LICENCE_ORDER if s in states), "none")
        values = {
            "entity.kind": e.kind,
            "entity.region": e.region_code,
            "entity.industry": e.industry,
            "credit.class": e.credit_class,
            "credit.score": int(e.credit_score) if e.credit_score is not None else 0,
            "licence.state": worst,
            "licence.count": sum(1 for state, _ in held if state == "valid"),
            "complaints.last_90_days": c["c90"],
            "complaints.last_year": c["c365"],
            "penalties.last_year": c["p365"],
            "penalties.total": c["ptotal"],
            "inspections.problems": c["iproblems"],
            "inspections.total": c["itotal"],
            "abnormal.listed": e.pk in listed_since,
            "abnormal.years": _years_between(listed_since[e.pk], on) if e.pk in listed_since else 0,
            "serious.listed": e.pk in serious,
        }
        out[e.pk] = rules.Context(
            values,
            industry=e.industry,
            region=e.region_code,
            licence_types={code for state, code in held if state == "valid"},
            categories=CATEGORIES,
        )
    return out


def matches(node: rules.Node, *, on: dt.date, batch: int = 2000, today: dt.date | None = None):
    """(entity, evidence) for every active entity the rule holds for on day `on`."""
    last = 0
    qs = Entity.objects.filter(active=True).order_by("pk")
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            return
        last = chunk[-1].pk
        contexts = contexts_for(chunk, on=on, today=today)
        for e in chunk:
            hit, evidence = rules.evaluate(node, contexts[e.pk])
            if hit:
                yield e, evidence


# --- Rules ------------------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def check_expression(expression: str) -> rules.Node:
    """The parsed rule, or InvalidInput naming the field and the position."""
    try:
        return rules.parse(expression)
    except rules.RuleError as exc:
        raise InvalidInput(
            f"规则表达式有误：{exc}",
            problems=[FieldProblem("expression", f"第 {exc.position} 个字符处：{exc.message}")],
        ) from None


def _fingerprint(expression: str) -> str:
    return sm3_hex(expression.encode())


def access_rule(actor, rule_id) -> RiskRule:
    rule = RiskRule.objects.filter(pk=rule_id).first()
    if rule is None or not permissions.is_department_supervisor(actor, rule.department_id):
        raise NotFound("没有找到该风险规则")
    return rule


def do_save_rule(
    *,
    actor,
    name: str,
    expression: str,
    description: str = "",
    model_tag: str = "",
    rule_id: int | None = None,
) -> RiskRule:
    """Save a new rule or change a draft one; it must parse and type-check."""
    dept = permissions.department_of(actor)
    if dept is None or not permissions.is_department_supervisor(actor, dept):
        raise NotFound("没有找到要访问的内容")
    problems: list[FieldProblem] = []
    name = (name or "").strip()
    if not name or len(name) > 100 or has_nul(name):
        problems.append(FieldProblem("name", "请填写规则名称（100 字以内）"))
    description = (description or "").strip()
    if len(description) > 300 or has_nul(description):
        problems.append(FieldProblem("description", "说明不超过 300 字"))
    if model_tag and model_tag not in TEMPLATES:
        problems.append(FieldProblem("model_tag", "未知的风险模型"))
    expression = (expression or "").strip()
    try:
        check_expression(expression)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems=problems)
    with transaction.atomic():
        if rule_id is None:
            rule = RiskRule.objects.create(
                name=name,
                expression=expression,
                description=description,
                model_tag=model_tag,
                department_id=dept,
                created_by=_user(actor),
            )
            action = "supervision.rule.create"
        else:
            rule = RiskRule.objects.select_for_update().filter(pk=rule_id, department_id=dept).first()
            if rule is None:
                raise NotFound("没有找到该风险规则")
            if rule.state != RuleState.DRAFT:
                raise Conflict("只能修改草稿状态的规则")
            rule.name, rule.expression, rule.description, rule.model_tag = (
                name,
                expression,
                description,
                model_tag,
            )
            rule.backtest, rule.backtested_at = None, None
            rule.save()
            action = "supervision.rule.update"
        audit.record(actor=actor, action=action, obj=rule, data={"name": name, "expression": expression})
    return rule


def month_ends(on: dt.date, months: int) -> list[dt.date]:
    """The last days of the `months` months before `on`'s month, newest first."""
    out = []
    year, month = on.year, on.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return out


def backtest(expression: str, *, on: dt.date, months: int = BACKTEST_MONTHS) -> dict:
    node = check_expression(expression)
    history = []
    examples = []
    for day in [on, *month_ends(on, months)]:
        count = 0
        for entity, evidence in matches(node, on=day, today=on):
            count += 1
            if day == on and len(examples) < EXAMPLES:
                examples.append(
                    {
                        "entity": entity.pk,
                        "name": entity.name,
                        "credit_code": entity.credit_code,
                        "evidence": evidence,
                    }
                )
        history.append({"on": day.isoformat(), "alerts": count})
    return {
        "fingerprint": _fingerprint(expression),
        "on": on.isoformat(),
        "history": history,
        "examples": examples,
        "entities": Entity.objects.filter(active=True).count(),
    }


def do_backtest_rule(
    *, actor, rule_id: int, on: dt.date | None = None, months: int = BACKTEST_MONTHS
) -> RiskRule:
    on = on or timezone.localdate()
    with transaction.atomic():
        rule = access_rule(actor, rule_id)
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        result = backtest(rule.expression, on=on, months=months)
        rule.backtest, rule.backtested_at = result, timezone.now()
        rule.save(update_fields=["backtest", "backtested_at"])
        audit.record(
            actor=actor,
            action="supervision.rule.backtest",
            obj=rule,
            data={"history": result["history"], "examples": len(result["examples"])},
        )
    return rule


def do_activate_rule(*, actor, rule_id: int) -> RiskRule:
    """Four eyes: a department administrator other than the author, after a back-test of this
    very expression."""
    with transaction.atomic():
        rule = access_rule(actor, rule_id)
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        if not permissions.is_department_admin(actor, rule.department_id):
            raise Forbidden("规则须由部门管理员启用")
        if rule.created_by_id is not None and rule.created_by_id == getattr(actor, "pk", None):
            raise Conflict("规则须由起草人以外的人员启用（双人复核）")
        if rule.state != RuleState.DRAFT:
            raise Conflict("只能启用草稿状态的规则")
        if not rule.backtest or rule.backtest.get("fingerprint") != _fingerprint(rule.expression):
            raise Conflict("启用前须先用历史数据回测该规则")
        rule.state = RuleState.ACTIVE
        rule.activated_by, rule.activated_at = _user(actor), timezone.now()
        rule.save(update_fields=["state", "activated_by", "activated_at"])
        audit.record(
            actor=actor, action="supervision.rule.activate", obj=rule, data={"expression": rule.expression}
        )
    return rule


def do_retire_rule(*, actor, rule_id: int) -> RiskRule:
    with transaction.atomic():
        rule = access_rule(actor, rule_id)
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        if not permissions.is_department_admin(actor, rule.department_id):
            raise Forbidden("规则须由部门管理员停用")
        if rule.state != RuleState.ACTIVE:
            raise Conflict("只能停用已启用的规则")
        rule.state = RuleState.RETIRED
        rule.save(update_fields=["state"])
        audit.record(actor=actor, action="supervision.rule.retire", obj=rule, data={})
    return rule


def do_run_rules(*, actor=SYSTEM, on: dt.date | None = None) -> int:
    """Run every active rule; raise an alert per rule and entity that has no live one."""
    on = on or timezone.localdate()
    raised = 0
    for rule in RiskRule.objects.filter(state=RuleState.ACTIVE).order_by("pk"):
        node = check_expression(rule.expression)
        live = set(
            RiskAlert.objects.filter(rule=rule)
            .exclude(state=AlertState.DISMISSED)
            .values_list("entity_id", flat=True)
        )
        with transaction.atomic(), audit.batch():
            for entity, evidence in matches(node, on=on):
                if entity.pk in live:
                    continue
                alert = RiskAlert.objects.create(
                    rule=rule, entity=entity, evidence=evidence, raised_at=timezone.now()
                )
                audit.record(
                    actor=actor,
                    action="supervision.alert.raise",
                    obj=alert,
                    data={"rule": rule.pk, "entity": entity.pk, "evidence": evidence},
                )
                raised += 1
    return raised


# --- Alerts -----------------------------------------------------------------------------------------


def access_alert(actor, alert_id) -> RiskAlert:
    alert = RiskAlert.objects.select_related("rule", "entity").filter(pk=alert_id).first()
    if alert is None or not permissions.is_department_supervisor(actor, alert.rule.department_id):
        raise NotFound("没有找到该预警")
    return alert


def _locked_alert(actor, alert_id, *, allowed=(AlertState.OPEN, AlertState.WATCHING)) -> RiskAlert:
    alert = access_alert(actor, alert_id)
    alert = RiskAlert.objects.select_for_update().select_related("rule", "entity").get(pk=alert.pk)
    if alert.state not in allowed:
        raise Conflict("该预警已处理")
    return alert


def _triage(actor, alert: RiskAlert, state: str, reason: str, task=None) -> RiskAlert:
    alert.state, alert.triage_reason, alert.triaged_at = state, reason, timezone.now()
    alert.triaged_by = actor if getattr(actor, "pk", None) else None
    alert.task = task
    alert.save(update_fields=["state", "triage_reason", "triaged_at", "triaged_by", "task"])
    audit.record(
        actor=actor,
        action=f"supervision.alert.{state}",
        obj=alert,
        data={"reason": reason, "task": task.pk if task else None},
    )
    return alert


def _reason(raw: str, *, required: bool) -> str:
    reason = (raw or "").strip()
    if has_nul(reason) or len(reason) > 300:
        raise InvalidInput.field("reason", "理由不超过 300 字")
    if required and not reason:
        raise InvalidInput.field("reason", "请填写排除理由")
    return reason


def do_dismiss_alert(*, actor, alert_id: int, reason: str) -> RiskAlert:
    reason = _reason(reason, required=True)
    with transaction.atomic():
        return _triage(actor, _locked_alert(actor, alert_id), AlertState.DISMISSED, reason)


def do_watch_alert(*, actor, alert_id: int, reason: str = "") -> RiskAlert:
    reason = _reason(reason, required=False)
    with transaction.atomic():
        return _triage(
            actor, _locked_alert(actor, alert_id, allowed=(AlertState.OPEN,)), AlertState.WATCHING, reason
        )


def do_task_from_alert(*, actor, alert_id: int, partner_department_ids=(), reason: str = "") -> RiskAlert:
    """Open a joint inspection task (led by the rule's department) from the alert."""
    reason = _reason(reason, required=False)
    with transaction.atomic():
        alert = _locked_alert(actor, alert_id)
        task = tasks.do_open_task(
            actor=actor,
            department_id=alert.rule.department_id,
            title=f"{alert.rule.name}：{alert.entity.name}"[:200],
            reason=reason or f"风险预警规则“{alert.rule.name}”命中",
            entity_id=alert.entity_id,
            partner_department_ids=partner_department_ids,
            source_kind="alert",
            source_ref=str(alert.pk),
            evidence={"rule": alert.rule.expression, "values": alert.evidence},
        )
        return _triage(actor, alert, AlertState.TASKED, reason, task=task)
