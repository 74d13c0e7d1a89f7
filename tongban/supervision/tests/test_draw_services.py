"""The draw's services: matters, inspectors, plan approval, commit–snapshot–reveal, recusal,
refusals that change nothing, and results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.supervision import draws
from tongban.supervision import services_draw as services
from tongban.supervision.enums_draw import DrawState, PlanState
from tongban.supervision.models_draw import Assignment, Draw, DrawTarget, InspectionResult

from .draw_world import SECRET_1, SECRET_2, World, counts, entities, record_result, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("regions_loaded")]


@pytest.fixture
def world():
    return World()


def test_a_full_draw_is_stratified_recorded_and_reproducible(world):
    rows = entities(40)
    draw = world.drawn()
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN
    assert draw.plan.state == PlanState.DRAWN
    assert draw.entity_count == 40
    # 10 per class; ratios 10 %, 20 %, 50 %, 100 % → 1, 2, 5, 10
    assert draw.target_count == 18
    assert list(DrawTarget.objects.filter(draw=draw).values_list("credit_class", flat=True)) == (
        ["A"] + ["B"] * 2 + ["C"] * 5 + ["D"] * 10
    )
    assert draw.seed == draws.seed_of(bytes.fromhex(SECRET_1), bytes.fromhex(SECRET_2), draw.plan_id)
    strata = {c: [e.pk for e in rows if e.credit_class == c] for c in "ABCD"}
    inspectors = [{"id": i.pk, "conflicts": [], "recent": []} for i in world.inspectors]
    expected = draws.select(
        seed=draw.seed, strata=strata, ratios_bp=draw.plan.ratios_bp, inspectors=inspectors, per_target=2
    )
    stored = [
        (t.credit_class, t.entity_id) for t in DrawTarget.objects.filter(draw=draw).order_by("position")
    ]
    assert stored == expected.targets
    assert draw.result_sm3 == expected.digest()
    per_target = {}
    for a in Assignment.objects.filter(target__draw=draw).order_by("target__position", "slot"):
        per_target.setdefault(a.target.position, []).append(a.inspector_id)
    assert list(per_target.values()) == expected.inspectors


def test_scope_leaves_out_other_regions_industries_and_inactive(world):
    inside = entities(8, seed="in")
    entities(5, region="420500", seed="yichang")
    entities(5, industry="F52", seed="retail")
    gone = entities(2, seed="gone")
    for e in gone:
        e.active = False
        e.save()
    draw = world.drawn()
    draw.refresh_from_db()
    assert draw.entity_count == 8
    assert set(DrawTarget.objects.filter(draw=draw).values_list("entity_id", flat=True)) <= {
        e.pk for e in inside
    }


def test_declared_conflict_and_recent_inspection_are_recused(world):
    rows = entities(4, classes="D")
    target = rows[0]
    services.do_declare_conflict(
        actor=world.inspectors[0].user,
        inspector_id=world.inspectors[0].pk,
        credit_code=target.credit_code,
        relation="relative",
    )
    # inspector 1 inspected the same entity last month in an earlier plan
    earlier = world.drawn(ratios={"A": 0, "B": 0, "C": 0, "D": 10000})
    first = DrawTarget.objects.get(draw=earlier, entity=target)
    visitors = list(Assignment.objects.filter(target=first).values_list("inspector__user", flat=True))
    assert world.inspectors[0].user_id not in visitors
    record_result(first, "pass")  # by visitors[0], the first in slot order
    world.add_inspector(10)
    # the result was recomputed into the entity's credit (its class may have changed): draw all
    second = world.drawn(ratios={"A": 10000, "B": 10000, "C": 10000, "D": 10000})
    snapshot = {i["id"]: i for i in __import__("json").loads(second.inspectors_json)}
    assert snapshot[world.inspectors[0].pk]["conflicts"] == [target.pk]
    recused = {world.inspectors[0].pk, *(i.pk for i in world.inspectors if i.user_id in visitors)}
    for inspector_id in recused - {world.inspectors[0].pk}:
        assert snapshot[inspector_id]["recent"] == [target.pk]
    again = DrawTarget.objects.get(draw=second, entity=target)
    drawn = set(Assignment.objects.filter(target=again).values_list("inspector_id", flat=True))
    assert len(drawn) == 2
    assert not drawn & recused


def test_too_few_qualified_inspectors_refuses_and_writes_nothing():
    world = World(inspectors=1)
    entities(4)
    plan = world.approved()
    services.do_commit(
        actor=world.official_1, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_1))
    )
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        services.do_commit(
            actor=world.official_2, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_2))
        )
    assert caught.value.problems[0].field == "inspectors"
    assert counts() == before
    draw = Draw.objects.get(plan=plan)
    assert (draw.state, draw.commit_2, draw.official_2_id) == (DrawState.COMMITTING, "", None)


def test_conflicts_leaving_an_entity_too_few_inspectors_refuse_the_snapshot():
    world = World(inspectors=2)
    rows = entities(4)
    services.do_declare_conflict(
        actor=world.admin,
        inspector_id=world.inspectors[1].pk,
        credit_code=rows[2].credit_code,
        relation="former_employer",
    )
    plan = world.approved()
    services.do_commit(
        actor=world.official_1, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_1))
    )
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        services.do_commit(
            actor=world.official_2, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_2))
        )
    assert str(rows[2].pk) in caught.value.problems[0].message
    assert counts() == before


def test_a_wrong_reveal_is_refused_and_nothing_changes(world):
    entities(4)
    plan = world.approved()
    world.commit_both(plan)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        services.do_reveal(actor=world.official_1, plan_id=plan.pk, secret=SECRET_2)
    assert caught.value.problems[0].field == "secret"
    assert counts() == before
    draw = Draw.objects.get(plan=plan)
    assert (draw.reveal_1, draw.state) == ("", DrawState.SNAPSHOTTED)


def test_commitments_need_two_different_officials_and_reveals_their_own(world):
    entities(4)
    plan = world.approved()
    services.do_commit(
        actor=world.official_1, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_1))
    )
    with pytest.raises(Conflict):
        services.do_commit(
            actor=world.official_1, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_2))
        )
    with pytest.raises(InvalidInput):
        services.do_commit(actor=world.official_2, plan_id=plan.pk, commitment="not-a-hash")
    services.do_commit(
        actor=world.official_2, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(SECRET_2))
    )
    with pytest.raises(Conflict):
        services.do_reveal(actor=world.reviewer, plan_id=plan.pk, secret=SECRET_1)
    stranger = staff("sup-stranger", "department_admin", dept=None)
    with pytest.raises(NotFound):
        services.do_reveal(actor=stranger, plan_id=plan.pk, secret=SECRET_1)


def test_a_plan_is_drawn_only_after_approval_by_another_reviewer(world):
    entities(4)
    plan = world.plan()
    with pytest.raises(Conflict):
        services.do_commit(actor=world.official_1, plan_id=plan.pk, commitment=draws.commitment(b"x" * 16))
    services.do_submit_plan(actor=world.drafter, plan_id=plan.pk)
    with pytest.raises(Conflict):
        services.do_decide_plan(actor=world.drafter, plan_id=plan.pk, approve=True)
    reviewer_plan = services.do_create_plan(
        actor=world.reviewer,
        values={
            "title": "复核计划",
            "matter": world.matter.pk,
            "region_prefix": "42",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "ratios_bp": {"D": 100},
        },
    )
    services.do_submit_plan(actor=world.reviewer, plan_id=reviewer_plan.pk)
    with pytest.raises(Conflict):
        services.do_decide_plan(actor=world.reviewer, plan_id=reviewer_plan.pk, approve=True)
    returned = services.do_decide_plan(actor=world.reviewer, plan_id=plan.pk, approve=False, note="比例偏低")
    assert returned.state == PlanState.REJECTED
    assert not Draw.objects.filter(plan=plan).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"region_prefix": "4a"}, "region_prefix"),
        ({"industries": ["餐饮"]}, "industries"),
        ({"period_end": "2000-01-01"}, "period_end"),
        ({"ratios_bp": {"A": 0, "B": 0, "C": 0, "D": 0}}, "ratios_bp"),
        ({"ratios_bp": {"A": 10001}}, "ratio_A"),
        ({"ratios_bp": {"E": 1}}, "ratios_bp"),
        ({"matter": 999999}, "matter"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(world, change, field):
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        world.plan(**change)
    assert caught.value.problems[0].field == field
    assert counts() == before


def test_results_are_recorded_once_by_a_drawn_inspector_only(world):
    entities(4, classes="D")
    draw = world.drawn(ratios={"D": 10000})
    target = DrawTarget.objects.filter(draw=draw).first()
    drawn_users = set(Assignment.objects.filter(target=target).values_list("inspector__user_id", flat=True))
    outsider = next(i for i in world.inspectors if i.user_id not in drawn_users)
    before = counts()
    with pytest.raises(NotFound):
        services.do_record_result(
            actor=outsider.user, target_id=target.pk, result="pass", inspected_on=timezone.localdate()
        )
    assert counts()["InspectionResult"] == before["InspectionResult"]
    inspector = next(i for i in world.inspectors if i.user_id in drawn_users)
    with pytest.raises(InvalidInput) as caught:
        services.do_record_result(
            actor=inspector.user, target_id=target.pk, result="maybe", inspected_on=timezone.localdate()
        )
    assert caught.value.problems[0].field == "result"
    with pytest.raises(InvalidInput) as caught:
        services.do_record_result(
            actor=inspector.user,
            target_id=target.pk,
            result="pass",
            inspected_on=timezone.localdate() + dt.timedelta(days=1),
            record={"检查情况": "正常"},
        )
    assert caught.value.problems[0].field == "inspected_on"
    row = services.do_record_result(
        actor=inspector.user,
        target_id=target.pk,
        result="rectify",
        inspected_on=timezone.localdate(),
        record={"检查情况": "后厨防鼠设施缺失"},
        summary="已责令三日内整改",
    )
    assert (row.result, row.record, row.recorded_by_id) == (
        "rectify",
        {"检查情况": "后厨防鼠设施缺失"},
        inspector.pk,
    )
    with pytest.raises(Conflict):
        services.do_record_result(
            actor=inspector.user,
            target_id=target.pk,
            result="pass",
            inspected_on=timezone.localdate(),
            record={"检查情况": "x"},
        )
    assert InspectionResult.objects.filter(target=target).count() == 1


def test_registry_refusals(world):
    with pytest.raises(InvalidInput) as caught:
        services.do_declare_conflict(
            actor=world.admin, inspector_id=world.inspectors[0].pk, credit_code="123", relation="relative"
        )
    assert caught.value.problems[0].field == "credit_code"
    with pytest.raises(NotFound):
        services.do_declare_conflict(
            actor=world.drafter,
            inspector_id=world.inspectors[0].pk,
            credit_code="91420100MA4K0000X1",
            relation="relative",
        )
    with pytest.raises(InvalidInput) as caught:
        services.do_register_inspector(
            actor=world.admin, user_id=world.drafter.pk, region_code="420102", badge_no="WH-0001"
        )
    assert caught.value.problems[0].field == "badge_no"
    other = staff("sup-other-admin", "department_admin", dept=None)
    with pytest.raises(InvalidInput) as caught:
        services.do_register_inspector(
            actor=other, user_id=world.drafter.pk, region_code="420102", badge_no="WH-9999"
        )
    assert caught.value.problems[0].field == "user"
    rule = services.do_revise_rule(
        actor=world.admin, matter_id=world.matter.pk, values={"recusal_days": 180, "inspectors_per_target": 3}
    )
    assert (rule.version, rule.recusal_days, rule.inspectors_per_target) == (2, 180, 3)
    with pytest.raises(InvalidInput) as caught:
        services.do_revise_rule(
            actor=world.admin, matter_id=world.matter.pk, values={"inspectors_per_target": 1}
        )
    assert caught.value.problems[0].field == "inspectors_per_target"


def test_the_inspector_pool_is_the_qualified_of_the_plan_region(world):
    from tongban.supervision import snapshot_draw
    from tongban.supervision.models_draw import Qualification

    entities(4)
    yichang = staff("sup-inspector-yichang", "inspector", dept=world.dept)
    services.do_register_inspector(
        actor=world.admin,
        user_id=yichang.pk,
        region_code="420500",
        badge_no="YC-0001",
        matter_ids=[world.matter.pk],
    )
    province = staff("sup-inspector-province", "inspector", dept=world.dept)
    above = services.do_register_inspector(
        actor=world.admin,
        user_id=province.pk,
        region_code="420000",
        badge_no="HB-0001",
        matter_ids=[world.matter.pk],
    )
    Qualification.objects.filter(inspector=world.inspectors[3]).update(valid_until=dt.date(2020, 1, 1))
    plan = world.plan()
    pool = [i["id"] for i in snapshot_draw.inspector_inputs(plan)]
    assert pool == [i.pk for i in world.inspectors[:3]] + [above.pk]
    assert [snapshot_draw.region_prefix_of(c) for c in ("420000", "420100", "420110", "420115")] == [
        "42", "4201", "420110", "420115",
    ]  # fmt: skip


def test_a_result_feeds_the_entitys_credit_and_is_explained(world):
    """Regression: inspection results never reached the credit model (the factor existed, no
    result ever recorded it), so an entity found with problems kept its score."""
    from tongban.supervision import credit
    from tongban.supervision.models import CreditFact, Entity

    entities(2, classes="D")
    draw = world.drawn(ratios={"D": 10000})
    first, second = DrawTarget.objects.filter(draw=draw).order_by("position")[:2]
    record_result(first, "rectify", record={"检查情况": "记录"})
    record_result(second, "pass", record={"检查情况": "记录"})
    facts = {
        (f.entity_id, f.factor, f.source, f.ref)
        for f in CreditFact.objects.filter(entity_id__in=[first.entity_id, second.entity_id])
    }
    assert facts == {
        (first.entity_id, "inspection_problem", "supervision.draw", f"target:{first.pk}"),
        (second.entity_id, "inspection_pass", "supervision.draw", f"target:{second.pk}"),
    }
    for target, factor, other in (
        (first, "inspection_problem", "inspection_pass"),
        (second, "inspection_pass", "inspection_problem"),
    ):
        entity = Entity.objects.get(pk=target.entity_id)
        why = credit.explain(entity)
        rows = {r["factor"]: r for r in why["factors"]}
        assert (rows[factor]["count"], rows[other]["count"]) == (1, 0)
        # recomputed on the event: the stored score is the explained one
        assert (entity.credit_score, entity.credit_class) == (why["score"], why["class"])
    problem = credit.explain(Entity.objects.get(pk=first.entity_id))
    clean = credit.explain(Entity.objects.get(pk=second.entity_id))
    assert problem["score"] < clean["score"]
