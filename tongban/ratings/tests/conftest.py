"""Fixtures for ratings: the cases world (Hubei's regions, the 2026 calendar, a department with
officers, an item, a citizen) and concluded cases built through cases' services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.cases import services as case_services
from tongban.cases.tests.conftest import (  # noqa: F401 - fixtures
    as_user,
    citizen,
    day,
    staff,
    submit,
    world,
)
from tongban.core.models import AuditEvent

from .. import common
from ..models import Appeal, Invitation, Rating, RatingToken, Rectification, Rollup


@pytest.fixture
def rworld(world):  # noqa: F811 - the cases fixture
    """The cases world plus a platform administrator pair and a second citizen."""
    world["admin"] = staff("padmin", "platform_admin")
    world["admin2"] = staff("padmin2", "platform_admin")
    world["stranger"] = citizen(2, name="李四")
    return world


def conclude(w, *, actor=None) -> str:
    """A case of the world's citizen, accepted, signed off and concluded: its number."""
    case = submit(w, actor=actor or w["citizen"])
    case_services.do_accept(actor=w["officer"], number=case.number)
    for index, officer in enumerate([w["officer"], w["officer2"], w["head"]]):
        case_services.do_complete_step(
            actor=officer, number=case.number, step_index=index, outcome="pass", comment="同意"
        )
    case_services.do_conclude(actor=w["officer"], number=case.number)
    return case.number


@pytest.fixture
def clock(monkeypatch):
    """Move the ratings' time: clock(days=6) is now + 6 days (today follows)."""
    start = timezone.now()

    def move(**delta) -> dt.datetime:
        moment = start + dt.timedelta(**delta)
        monkeypatch.setattr(common, "now", lambda: moment)
        monkeypatch.setattr(common, "today", lambda: timezone.localdate(moment))
        return moment

    return move


def counts() -> dict[str, int]:
    return {
        "ratings": Rating.objects.count(),
        "rects": Rectification.objects.count(),
        "appeals": Appeal.objects.count(),
        "invitations_pending": Invitation.objects.filter(state="pending").count(),
        "links_used": RatingToken.objects.filter(used_at__isnull=False).count(),
        "rollups": sum(
            sum(r) for r in Rollup.objects.values_list("rated", "defaults", "bad", "good", "removed")
        ),
        "audit": AuditEvent.objects.exclude(action="ratings.access_refused").count(),
    }


def pick(row: dict, *names: str) -> tuple:
    return tuple(row[name] for name in names)


def rollup(scope: str, key: str) -> dict:
    """The summed counters of one dimension key over all months."""
    from .. import queries

    return queries.totals(scope, key)


FORM_HALL = {
    "applicant_name": "张三",
    "contact_name": "张三",
    "contact_phone": "027-87654321",
    "request": "申请办理",
}


def upload_all(w) -> list:
    from tongban.cases.tests.conftest import upload

    return [upload(m) for m in w["materials"]]
