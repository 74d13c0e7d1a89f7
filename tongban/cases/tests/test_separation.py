"""Separation of duties (职责分离): one person completes at most one approval step of a case,
configurable per approval chain (on by default, copied onto the case at acceptance); no one is
exempt, not even a superuser. And the queues: every case appears in the queue of whoever may act
on it, a superuser included."""

from __future__ import annotations

import pytest

from tongban.accounts import services as account_services
from tongban.cases import queries, services
from tongban.cases.enums import CaseState, StepState
from tongban.cases.models import ApprovalChain, Case, CaseEvent
from tongban.core.errors import Forbidden, InvalidInput

from .conftest import as_user, staff, submit

pytestmark = pytest.mark.django_db


def _accepted(world) -> str:
    number = submit(world).number
    services.do_accept(actor=world["officer"], number=number)
    return number


def _snapshot(number: str) -> tuple:
    case = Case.objects.get(number=number)
    steps = tuple(case.steps.order_by("index").values_list("state", "completed_by_id", "outcome"))
    return case.state, case.step_role, case.lock_version, steps, CaseEvent.objects.filter(case=case).count()


def test_the_same_officer_may_not_complete_a_second_step(world):
    officer = world["officer"]
    number = _accepted(world)  # 受理 is not a step: the accepting officer may take 承办
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    before = _snapshot(number)
    with pytest.raises(Forbidden) as exc:
        services.do_complete_step(actor=officer, number=number, step_index=1, outcome="pass", comment="同意")
    assert exc.value.message.startswith("职责分离：您已办理本件的“承办”环节")
    assert _snapshot(number) == before  # nothing changed
    # another officer takes 审核, the head 批准: the case is decided
    services.do_complete_step(
        actor=world["officer2"], number=number, step_index=1, outcome="pass", comment="同意"
    )
    services.do_complete_step(
        actor=world["head"], number=number, step_index=2, outcome="pass", comment="同意"
    )
    case = Case.objects.get(number=number)
    assert case.state == CaseState.DECIDED
    assert list(case.steps.order_by("index").values_list("completed_by_id", flat=True)) == [
        officer.pk,
        world["officer2"].pk,
        world["head"].pk,
    ]


def test_a_superuser_is_not_exempt(world):
    root = account_services.do_upsert_staff(
        actor="test", username="root", password="x-Long-password-1", display_name="超级用户",
        roles=[], superuser=True,
    )  # fmt: skip
    number = _accepted(world)
    services.do_complete_step(actor=root, number=number, step_index=0, outcome="pass", comment="同意")
    before = _snapshot(number)
    with pytest.raises(Forbidden):
        services.do_complete_step(actor=root, number=number, step_index=1, outcome="pass", comment="同意")
    assert _snapshot(number) == before


def test_a_chain_without_separation_lets_one_person_take_several_steps(world):
    officer, head = world["officer"], world["head"]
    services.do_set_chain(
        actor=head,
        item_code=world["item"].code,
        steps=[
            {"name": "承办", "role": "approving_officer", "limit_days": 1},
            {"name": "审核", "role": "approving_officer", "limit_days": 1},
        ],
        separation_of_duties=False,
    )
    assert ApprovalChain.objects.get(item_code=world["item"].code).separation_of_duties is False
    number = _accepted(world)
    assert Case.objects.get(number=number).separation_of_duties is False
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    services.do_complete_step(actor=officer, number=number, step_index=1, outcome="pass", comment="同意")
    assert Case.objects.get(number=number).state == CaseState.DECIDED


def test_the_chain_flag_is_copied_at_acceptance(world):
    """A chain changed after acceptance does not change the case's rule."""
    number = _accepted(world)
    services.do_set_chain(
        actor=world["head"],
        item_code=world["item"].code,
        steps=[{"name": "审查", "role": "approving_officer", "limit_days": 1}],
        separation_of_duties=False,
    )
    assert Case.objects.get(number=number).separation_of_duties is True
    assert services.chain_separates(world["item"].code) is False


def test_no_assignment_to_someone_who_took_a_step(world):
    officer = world["officer"]
    number = _accepted(world)
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    before = _snapshot(number)
    with pytest.raises(InvalidInput) as exc:
        services.do_assign_step(actor=world["head"], number=number, step_index=1, assignee_id=officer.pk)
    assert exc.value.message.startswith("assignee：职责分离")
    assert _snapshot(number) == before
    assert Case.objects.get(number=number).step_assignee_id is None


def test_the_workbench_hides_the_step_and_names_who_else_may_take_it(world):
    officer = world["officer"]
    number = _accepted(world)
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    page = as_user(officer).get(f"/workbench/cases/{number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "审核：办理本环节" not in html
    assert "职责分离：您已办理本件的“承办”环节，不能再办理“审核”环节。" in html
    assert "可以办理的人员：" in html and world["officer2"].display_name in html
    other = as_user(world["officer2"]).get(f"/workbench/cases/{number}/").content.decode()
    assert "审核：办理本环节" in other and "职责分离" not in other
    # a forged POST is refused by the service, nothing changes
    before = _snapshot(number)
    as_user(officer).post(
        f"/workbench/cases/{number}/step/",
        {"step-step_index": 1, "step-outcome": "pass", "step-comment": "同意"},
    )
    assert _snapshot(number) == before


def test_the_batch_sign_off_refuses_a_second_step(world):
    officer = world["officer"]
    number = _accepted(world)
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    before = _snapshot(number)
    response = as_user(officer).post(
        "/workbench/cases/batch/", {"action": "complete", "queue": "team", "numbers": [number]}, follow=True
    )
    assert "职责分离" in response.content.decode()
    assert _snapshot(number) == before


# --- Queues ---------------------------------------------------------------------------------------


def _in(actor, number, kind, on) -> bool:
    return queries.queue(actor, kind, on=on).filter(number=number).exists()


def test_the_team_queue_leaves_out_a_step_the_actor_may_not_take(world, day):
    on = day("2026-09-29")
    officer = world["officer"]
    number = _accepted(world)
    assert _in(officer, number, "team", on)
    services.do_complete_step(actor=officer, number=number, step_index=0, outcome="pass", comment="同意")
    assert not _in(officer, number, "team", on)  # 审核 is someone else's now
    assert _in(world["officer2"], number, "team", on)


def test_a_superuser_finds_cases_of_every_department_in_the_queues(world, day):
    on = day("2026-09-29")
    root = account_services.do_upsert_staff(
        actor="test", username="root", password="x-Long-password-1", display_name="超级用户",
        roles=[], superuser=True,
    )  # fmt: skip
    number = submit(world).number
    assert root.department_id is None
    assert _in(root, number, "precheck", on)
    services.do_accept(actor=world["officer"], number=number)
    assert _in(root, number, "team", on)
    assert queries.queue_counts(root, on=on)["team"] == 1
    assert not _in(world["outsider"], number, "team", on)  # another department's officer
    step = Case.objects.get(number=number).steps.get(index=0)
    assert step.state == StepState.ACTIVE


def test_a_platform_admin_who_may_not_act_has_no_queue(world, day):
    on = day("2026-09-29")
    platform = staff("platform", "platform_admin")
    number = submit(world).number
    assert not _in(platform, number, "precheck", on)


def test_the_superusers_queue_page_names_each_cases_department(world):
    root = account_services.do_upsert_staff(
        actor="test", username="root", password="x-Long-password-1", display_name="超级用户",
        roles=[], superuser=True,
    )  # fmt: skip
    number = submit(world).number
    html = as_user(root).get("/workbench/cases/?queue=precheck").content.decode()
    assert number in html and world["dept"].name in html
    officer_page = as_user(world["officer"]).get("/workbench/cases/?queue=precheck").content.decode()
    assert number in officer_page and world["dept"].name not in officer_page.split(number, 1)[1][:400]


def test_no_separation_note_for_someone_without_the_steps_role(world):
    """At 批准 (a department administrator's step) the officer who took 承办 lacks the role
    anyway: the page does not blame separation of duties."""
    number = _accepted(world)
    services.do_complete_step(
        actor=world["officer"], number=number, step_index=0, outcome="pass", comment="同意"
    )
    services.do_complete_step(
        actor=world["officer2"], number=number, step_index=1, outcome="pass", comment="同意"
    )
    html = as_user(world["officer"]).get(f"/workbench/cases/{number}/").content.decode()
    assert "职责分离" not in html and "批准：办理本环节" not in html
