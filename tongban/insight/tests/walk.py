"""A seeded random walk of case transitions through the cases SERVICES (no shortcut into the
cases' tables): new cases online and at the window, pre-check, supplements, the approval steps,
pauses, conclusion, delivery, withdrawal, on several days."""

from __future__ import annotations

import datetime as dt
import random

from tongban.cases import services
from tongban.cases.enums import Channel, PauseKind
from tongban.cases.tests.conftest import FORM, submit, upload
from tongban.core.errors import DomainError

START = dt.date(2026, 9, 28)


def _step_actor(world, index: int):
    return [world["officer"], world["officer2"], world["head"]][index]


def _active_step(case) -> int | None:
    row = case.steps.filter(state="active").values_list("index", flat=True).first()
    return row


def moves(world, case) -> list:
    """The transitions open to `case` now, each a callable returning the case after it."""
    n, officer, citizen = case.number, world["officer"], world["citizen"]
    s = case.state
    out = []
    if s == "submitted":
        out += [
            lambda: services.do_accept(actor=officer, number=n),
            lambda: services.do_accept(actor=officer, number=n),
            lambda: services.do_refuse(actor=officer, number=n, reason="不符合受理条件"),
            lambda: services.do_return(actor=officer, number=n, reason="非本部门事项"),
            lambda: services.do_request_supplement(actor=officer, number=n, items=["身份证复印件"]),
        ]
    if s == "supplement":
        out.append(
            lambda: services.do_supply(actor=citizen, number=n, uploads=[upload(world["materials"][0])])
        )
    if s == "accepted":
        index = _active_step(case)
        if index is not None:
            outcome = random.choice(["pass", "pass", "pass", "fail"])
            actor = _step_actor(world, index)
            out += [
                lambda: services.do_complete_step(actor=actor, number=n, step_index=index, outcome=outcome),
                lambda: services.do_complete_step(actor=actor, number=n, step_index=index, outcome="pass"),
            ]
        out.append(
            lambda: services.do_pause(
                actor=officer, number=n, kind=PauseKind.SPECIAL, reason="组织听证", procedure="hearing"
            )
        )
    if s == "paused":
        out.append(lambda: services.do_resume(actor=officer, number=n))
    if s == "decided":
        out.append(lambda: services.do_conclude(actor=officer, number=n))
    if s == "concluded":
        out.append(lambda: services.do_deliver(actor=officer, number=n))
    if s in ("submitted", "supplement", "accepted", "paused") and random.random() < 0.3:
        out.append(lambda: services.do_withdraw(actor=citizen, number=n, reason="不再需要"))
    return out


def new_case(world, rng: random.Random):
    if rng.random() < 0.25:
        return services.do_window_intake(
            actor=world["clerk"],
            applicant_id=world["citizen"].pk,
            item_code=world["item"].code,
            data=FORM,
            uploads=[upload(m) for m in world["materials"]],
        )
    channel = rng.choice([Channel.PC, Channel.MOBILE, Channel.POST, Channel.OTHER])
    return submit(world, channel=channel)


def walk(world, set_day, *, seed: int, steps: int, check=None) -> list:
    """Run `steps` random transitions; `check()` after each when given. Returns the cases."""
    rng = random.Random(seed)
    random.seed(seed)  # the outcome choices inside moves()
    cases: list = []
    today = START
    set_day(today.isoformat())
    for _ in range(steps):
        if rng.random() < 0.2:
            today += dt.timedelta(days=rng.choice([1, 1, 2, 5]))
            set_day(today.isoformat())
        open_cases = [c for c in cases if moves(world, c)]
        if not open_cases or rng.random() < 0.22:
            cases.append(new_case(world, rng))
        else:
            case = rng.choice(open_cases)
            move = rng.choice(moves(world, case))
            try:
                updated = move()
            except DomainError:  # a refused move changes nothing (and must not count)
                updated = case
            cases[cases.index(case)] = (
                type(case).objects.get(pk=updated.pk) if hasattr(updated, "pk") else case
            )
        if check is not None:
            check()
    return cases
