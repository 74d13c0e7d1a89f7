"""The workbench queues: each reads the case's copy of its active step (role, assignee), which
every step change keeps in step, and the six counts come back in one statement."""

from __future__ import annotations

from tongban.cases import queries, services
from tongban.cases.enums import PauseKind
from tongban.cases.models import Case

from .conftest import submit


def in_queues(actor, number: str, on) -> set[str]:
    return {
        kind for kind in queries.QUEUES if queries.queue(actor, kind, on=on).filter(number=number).exists()
    }


def step_copy(number: str) -> tuple[str, int | None]:
    return tuple(Case.objects.filter(number=number).values_list("step_role", "step_assignee_id").get())


def test_a_case_moves_through_the_queues_with_its_active_step(world, day):
    officer, officer2, head = world["officer"], world["officer2"], world["head"]
    on = day("2026-09-29")
    number = submit(world).number
    assert in_queues(officer, number, on) == {"precheck"}
    assert step_copy(number) == ("", None)

    services.do_accept(actor=officer, number=number)
    assert step_copy(number) == ("approving_officer", None)
    assert in_queues(officer, number, on) == {"team"}
    assert in_queues(head, number, on) == set()  # 承办 is not a department head's step

    services.do_assign_step(actor=head, number=number, step_index=0, assignee_id=officer2.pk)
    assert step_copy(number) == ("approving_officer", officer2.pk)
    assert in_queues(officer2, number, on) == {"mine"}
    assert in_queues(officer, number, on) == set()

    services.do_complete_step(actor=officer2, number=number, step_index=0, outcome="pass", comment="同意")
    assert step_copy(number) == ("approving_officer", None)  # 审核: back to the team
    services.do_pause(
        actor=officer, number=number, kind=PauseKind.SPECIAL, reason="组织专家评审论证", procedure="expert"
    )
    assert in_queues(officer, number, on) == {"paused"}
    services.do_resume(actor=officer, number=number)
    services.do_complete_step(actor=officer, number=number, step_index=1, outcome="pass", comment="同意")
    assert step_copy(number) == ("department_admin", None)
    assert in_queues(head, number, on) == {"team"}
    assert in_queues(officer, number, on) == set()

    services.do_complete_step(actor=head, number=number, step_index=2, outcome="pass", comment="同意")
    assert step_copy(number) == ("", None)
    assert in_queues(head, number, on) == set()


def test_a_withdrawn_case_leaves_every_queue(world, day):
    on = day("2026-09-29")
    number = submit(world).number
    services.do_accept(actor=world["officer"], number=number)
    services.do_withdraw(actor=world["citizen"], number=number, reason="不再需要")
    assert step_copy(number) == ("", None)
    assert in_queues(world["officer"], number, on) == set()


def test_the_six_counts_come_in_one_statement_and_match_the_queues(world, day, django_assert_num_queries):
    officer = world["officer"]
    on = day("2026-09-29")
    numbers = [submit(world).number for _ in range(4)]
    for number in numbers[:3]:
        services.do_accept(actor=officer, number=number)
    services.do_assign_step(actor=world["head"], number=numbers[0], step_index=0, assignee_id=officer.pk)
    services.do_pause(
        actor=officer, number=numbers[1], kind=PauseKind.SPECIAL, reason="依法组织听证会", procedure="hearing"
    )
    with django_assert_num_queries(2):  # the officer's roles (for 科室待办), then the six counts
        counts = queries.queue_counts(officer, on=on)
    assert counts == {"precheck": 1, "mine": 1, "team": 1, "due_soon": 0, "overdue": 0, "paused": 1}
    assert counts == {kind: queries.queue(officer, kind, on=on).count() for kind in queries.QUEUES}
    later = day("2026-10-30")  # past every promised date: the running ones are overdue
    assert queries.queue_counts(officer, on=later)["overdue"] == 2  # not the paused one (issue 10 §3)
    assert numbers[1] not in {c.number for c in queries.queue(officer, "overdue", on=later)}
