"""The rule language (its refusals with positions, evaluation and evidence, never eval), rule
saving, back-testing, four-eyes activation, alerts and their triage."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .. import abnormal, credit, risk, rules
from ..models import RiskAlert, RiskRule, Task
from .core_world import SYSTEM, department, entity, staff

TODAY = dt.date(2026, 12, 1)


def ctx(**values):
    base = {
        name: (0 if kind == rules.NUM else False if kind == rules.BOOL else "")
        for name, (kind, _) in rules.ATTRIBUTES.items()
    }
    base.update({k.replace("__", "."): v for k, v in values.items()})
    return rules.Context(
        base, industry="C2611", region="420102", licence_types={"L1"}, categories=risk.CATEGORIES
    )


# --- The language, no database --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ('licence.state = "revoked"', 15, "=="),
        ('licence.state == "revoked" and', 31, "此处应为值"),
        ('credit.klass == "A"', 1, "未知属性：credit.klass"),
        ('trades("hazardous")', 1, "未知函数：trades"),
        ('__import__("os")', 1, "未知函数：__import__"),
        ("entity.__class__", 1, "未知属性"),
        ('credit.score >= "3"', 14, "类型不一致"),
        ('licence.state > "a"', 15, "只能比较数字"),
        ("credit.score", 1, "结果应为是/否"),
        ("trades_in(3)", 11, "参数应为文本"),
        ('trades_in("a", "b")', 1, "需要 1 个参数"),
        ('credit.class in "C"', 17, "右边应为列表"),
        ("credit.class in (1, 2)", 14, "类型不一致"),
        ('credit.class in ("C", 2)', 23, "类型应一致"),
        ('abnormal.listed and "x"', 21, "and 两边应为是/否"),
        ("not credit.score", 5, "not 后应为是/否"),
        ('credit.class == "A" )', 21, "多余的内容"),
        ('credit.class == "A', 17, "缺少结束引号"),
        ("credit.score >= 1.2.3", 17, "数字格式不正确"),
        ("credit.score >= 3; import os", 18, "无法识别的字符"),
        ("", 1, "规则为空"),
        ("trades_in", 1, "函数调用需要括号"),
        ("(" * 60 + "true" + ")" * 60, 41, "嵌套过深"),
    ],
)
def test_refusals_name_the_position(source, position, fragment):
    with pytest.raises(rules.RuleError) as exc:
        rules.parse(source)
    assert exc.value.position == position, exc.value
    assert fragment in exc.value.message


def test_evaluation_and_evidence():
    node = rules.parse('licence.state == "revoked" and trades_in("hazardous")')
    assert rules.evaluate(node, ctx(licence__state="revoked")) == (
        True,
        {"licence.state": "revoked", 'trades_in("hazardous")': True},
    )
    assert rules.evaluate(node, ctx(licence__state="valid")) == (False, {"licence.state": "valid"})
    node = rules.parse('credit.class in ("C", "D") and complaints.last_90_days >= 3')
    assert rules.evaluate(node, ctx(credit__class="D", complaints__last_90_days=3))[0] is True
    assert rules.evaluate(node, ctx(credit__class="B", complaints__last_90_days=9))[0] is False
    node = rules.parse(
        'not abnormal.listed or credit.class not in ("A",) or in_region("4201") and has_licence("L1")'
    )
    assert rules.evaluate(node, ctx(abnormal__listed=True, credit__class="A"))[0] is True
    assert rules.evaluate(rules.parse("credit.score > 59.5"), ctx(credit__score=60))[0] is True
    assert rules.evaluate(rules.parse("credit.score != 60"), ctx(credit__score=60))[0] is False
    assert rules.evaluate(rules.parse("'it\\'s' == \"it's\""), ctx())[0] is True


def test_every_template_parses():
    for tag, template in risk.TEMPLATES.items():
        assert rules.parse(template["expression"]).type == rules.BOOL, tag


def test_the_language_never_reaches_eval():
    source = inspect.getsource(rules)
    for forbidden in ("eval(", "exec(", "compile(", "literal_eval", "getattr(", "__import__("):
        assert forbidden not in source.replace('"__import__', ""), forbidden


# --- Rules over the registry ------------------------------------------------------------------------


@pytest.fixture
def risk_world(regions_loaded, db):
    market = department("武汉市市场监督管理局")
    health = department("武汉市卫生健康委员会")
    author = staff("rule-author", "inspector", dept=market)
    admin = staff("rule-admin", "department_admin", dept=market)
    chemical = entity("chemical", industry="C2611")
    credit.do_record_fact(actor=SYSTEM, entity_id=chemical.pk, factor="licence_revoked",
                          occurred_on=TODAY - dt.timedelta(days=45), source="licences", ref="L-1:revoked")  # fmt: skip
    clean_chemical = entity("chemical-ok", industry="C2612")
    restaurant = entity("restaurant", industry="H62")
    credit.do_record_fact(actor=SYSTEM, entity_id=restaurant.pk, factor="licence_revoked",
                          occurred_on=TODAY - dt.timedelta(days=10), source="licences", ref="L-2:revoked")  # fmt: skip
    return {"market": market, "health": health, "author": author, "admin": admin, "chemical": chemical,
            "clean_chemical": clean_chemical, "restaurant": restaurant}  # fmt: skip


RULE = 'licence.state == "revoked" and trades_in("hazardous")'


def test_a_bad_rule_is_refused_when_saved_and_nothing_changes(risk_world):
    before = (RiskRule.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as exc:
        risk.do_save_rule(actor=risk_world["author"], name="x", expression='licence.status == "revoked"')
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("expression", "第 1 个字符处：未知属性：licence.status（可用属性见规则说明）")
    ]
    assert (RiskRule.objects.count(), AuditEvent.objects.count()) == before


def test_backtest_counts_history_and_activation_needs_four_eyes(risk_world):
    # The licence facts are dated: the chemical's revocation 45 days ago (2026-10-17, so within
    # October's and November's month-ends); the restaurant is not hazardous.
    rule = risk.do_save_rule(
        actor=risk_world["author"], name="危化品许可吊销", expression=RULE, model_tag="hazardous_revoked"
    )
    with pytest.raises(Conflict):  # not back-tested yet
        risk.do_activate_rule(actor=risk_world["admin"], rule_id=rule.pk)
    # Today's view reads the current licence states (none synced): the past uses the dated facts.
    rule = risk.do_backtest_rule(actor=risk_world["author"], rule_id=rule.pk, on=TODAY, months=3)
    history = rule.backtest["history"]
    assert history == [
        {"on": "2026-12-01", "alerts": 0},
        {"on": "2026-11-30", "alerts": 1},
        {"on": "2026-10-31", "alerts": 1},
        {"on": "2026-09-30", "alerts": 0},
    ]
    with pytest.raises(Forbidden):  # an inspector may not activate rules
        risk.do_activate_rule(actor=risk_world["author"], rule_id=rule.pk)
    risk.do_activate_rule(actor=risk_world["admin"], rule_id=rule.pk)
    assert RiskRule.objects.get(pk=rule.pk).state == "active"
    own = risk.do_save_rule(actor=risk_world["admin"], name="自拟规则", expression="serious.listed")
    risk.do_backtest_rule(actor=risk_world["admin"], rule_id=own.pk, on=TODAY, months=0)
    with pytest.raises(Conflict):  # four eyes: not the rule's own author
        risk.do_activate_rule(actor=risk_world["admin"], rule_id=own.pk)
    assert RiskRule.objects.get(pk=own.pk).state == "draft"


def test_examples_carry_evidence_and_alerts_are_triaged(risk_world):
    w = risk_world
    rule = risk.do_save_rule(
        actor=w["author"],
        name="C/D 类且投诉多",
        expression='credit.class in ("C", "D") and complaints.last_90_days >= 2',
    )
    for i in range(3):
        credit.do_record_fact(actor=SYSTEM, entity_id=w["restaurant"].pk, factor="complaint",
                              occurred_on=TODAY - dt.timedelta(days=i), source="hotline", ref=f"T{i}")  # fmt: skip
    credit.do_recompute_credit(actor=SYSTEM, on=TODAY)  # restaurant: 100 - 30 - 6 = 64 → C
    rule = risk.do_backtest_rule(actor=w["author"], rule_id=rule.pk, on=TODAY, months=1)
    assert rule.backtest["history"][0] == {"on": "2026-12-01", "alerts": 1}
    assert rule.backtest["examples"][0]["evidence"] == {"credit.class": "C", "complaints.last_90_days": 3}
    risk.do_activate_rule(actor=w["admin"], rule_id=rule.pk)
    assert risk.do_run_rules(on=TODAY) == 1
    assert risk.do_run_rules(on=TODAY) == 0  # one live alert per rule and entity
    alert = RiskAlert.objects.get()
    assert (alert.entity_id, alert.evidence) == (
        w["restaurant"].pk,
        {"credit.class": "C", "complaints.last_90_days": 3},
    )
    with pytest.raises(InvalidInput):
        risk.do_dismiss_alert(actor=w["author"], alert_id=alert.pk, reason="")
    outsider = staff("rule-outsider", "inspector", dept=w["health"])
    with pytest.raises(Exception) as exc:
        risk.do_watch_alert(actor=outsider, alert_id=alert.pk)
    assert exc.value.__class__.__name__ == "NotFound"
    assert RiskAlert.objects.get().state == "open"
    risk.do_watch_alert(actor=w["author"], alert_id=alert.pk, reason="先观察")
    alert = risk.do_task_from_alert(
        actor=w["author"], alert_id=alert.pk, partner_department_ids=[w["health"].pk]
    )
    assert alert.state == "tasked"
    task = Task.objects.get(pk=alert.task_id)
    assert (task.department_id, task.entity_id, task.source_kind, task.source_ref) == (
        w["market"].pk, w["restaurant"].pk, "alert", str(alert.pk),
    )  # fmt: skip
    assert sorted(task.parties.values_list("department_id", "role")) == sorted(
        [(w["market"].pk, "lead"), (w["health"].pk, "assist")]
    )
    with pytest.raises(Conflict):
        risk.do_dismiss_alert(actor=w["author"], alert_id=alert.pk, reason="重复")


def test_a_dismissed_alert_can_be_raised_again_later(risk_world):
    w = risk_world
    rule = risk.do_save_rule(actor=w["author"], name="吊销", expression='licence.state == "revoked"')
    risk.do_backtest_rule(actor=w["author"], rule_id=rule.pk, on=TODAY, months=0)
    risk.do_activate_rule(actor=w["admin"], rule_id=rule.pk)
    assert risk.do_run_rules(on=dt.date(2026, 11, 30)) == 2  # a past day reads the dated facts
    alert = RiskAlert.objects.get(entity=w["chemical"])
    risk.do_dismiss_alert(actor=w["author"], alert_id=alert.pk, reason="已注销，不再经营")
    assert risk.do_run_rules(on=dt.date(2026, 11, 30)) == 1
    with pytest.raises(Forbidden):
        risk.do_retire_rule(actor=w["author"], rule_id=rule.pk)


def test_listing_years_in_context(risk_world):
    w = risk_world
    abnormal.do_list(
        actor=SYSTEM, entity_id=w["restaurant"].pk, ground="unreachable", listed_on=dt.date(2025, 6, 1)
    )
    contexts = risk.contexts_for([w["restaurant"]], on=TODAY, today=TODAY)
    values = contexts[w["restaurant"].pk].values
    assert (values["abnormal.listed"], values["abnormal.years"]) == (True, 1)
    before = risk.contexts_for([w["restaurant"]], on=dt.date(2025, 5, 31), today=TODAY)[
        w["restaurant"].pk
    ].values
    assert (before["abnormal.listed"], before["abnormal.years"], before["licence.state"]) == (
        False,
        0,
        "none",
    )
