"""The GB/T 39046 export: exact records per data set, ranges that split without repeating, and
no personal data in clear."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.core.identifiers import make_resident_id

from .. import national, services
from ..models import Case, CaseStep
from .conftest import submit

pytestmark = pytest.mark.usefixtures("regions_loaded")
D = dt.date.fromisoformat


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def export(since: str, until: str) -> list[dict]:
    return list(national.export_records(since=D(since), until=D(until)))


@pytest.fixture
def concluded(world, day):
    """A case submitted and accepted on 2026-09-29, its three steps signed off on 10-08 and
    10-09, concluded on 10-09 (the stored times are set to those days)."""
    person = world["citizen"]
    id_number = make_resident_id(random.Random(7))
    account_services.set_id_number(person, id_number)
    person.save()
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    day("2026-10-08")
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome="pass", comment="同意"
        )
    day("2026-10-09")
    services.do_conclude(actor=world["officer"], number=case.number)
    Case.objects.filter(pk=case.pk).update(
        submitted_at=at("2026-09-29T09:30:00"), concluded_at=at("2026-10-09T16:00:00")
    )
    for index, when in enumerate(["2026-10-08T10:00:00", "2026-10-09T11:00:00", "2026-10-09T15:00:00"]):
        CaseStep.objects.filter(case=case, index=index).update(completed_at=at(when))
    case.refresh_from_db()
    return case, id_number


def test_the_four_data_sets_of_a_concluded_case(world, concluded):
    case, _ = concluded
    o, o2, h = (world[k].pk for k in ("officer", "officer2", "head"))
    # 2026-10-10, a Saturday, is a working day (调休) in the 2026 calendar
    assert export("2026-09-29", "2026-10-31") == [
        {
            "dataset": "申请",
            "case_number": case.number,
            "item_code": world["item"].code,
            "item_name": world["item"].name,
            "department_code": world["dept"].credit_code,
            "region_code": world["item"].region_id,
            "case_type": world["item"].case_type,
            "applicant_name": "张*",
            "applicant_code_type": "111",
            "applicant_code": world["citizen"].id_number_masked,
            "channel": "2",
            "submitted_at": "2026-09-29T09:30:00+08:00",
        },
        {
            "dataset": "受理",
            "case_number": case.number,
            "accepted_on": "2026-09-29",
            "deemed": False,
            "promised_days": 5,
            "statutory_days": 20,
            "paused_days": 0,
            "extension_days": 0,
            "promised_due": "2026-10-12",
            "statutory_due": "2026-11-02",
        },
        *[
            {
                "dataset": "办理",
                "case_number": case.number,
                "step_index": index,
                "step_name": name,
                "handler": f"user:{pk}",
                "started_on": started,
                "due_on": due,
                "completed_at": done,
                "outcome": "pass",
                "outcome_name": "同意",
                "opinion": "同意",
            }
            for index, name, pk, started, due, done in [
                (0, "承办", o, "2026-09-29", "2026-10-08", "2026-10-08T10:00:00+08:00"),
                (1, "审核", o2, "2026-10-08", "2026-10-09", "2026-10-09T11:00:00+08:00"),
                (2, "批准", h, "2026-10-08", "2026-10-10", "2026-10-09T15:00:00+08:00"),
            ]
        ],
        {
            "dataset": "办结",
            "case_number": case.number,
            "result_code": "01",
            "result_name": "出证",
            "concluded_at": "2026-10-09T16:00:00+08:00",
            "on_time": True,
        },
    ]


def test_consecutive_ranges_split_the_records_without_repeating(concluded):
    first = export("2026-09-29", "2026-10-08")
    second = export("2026-10-09", "2026-10-31")
    assert [r["dataset"] for r in first] == ["申请", "受理", "办理"]
    assert [(r["dataset"], r.get("step_index")) for r in second] == [("办理", 1), ("办理", 2), ("办结", None)]
    assert first + second == export("2026-09-29", "2026-10-31")
    assert export("2026-09-01", "2026-09-28") == []


def test_no_personal_data_in_clear(world, concluded):
    _, id_number = concluded
    text = json.dumps(export("2026-09-01", "2026-12-31"), ensure_ascii=False)
    for secret in (id_number, "张三", "13900000001", world["officer"].username, world["head"].display_name):
        assert secret not in text
    assert id_number[:4] in text and id_number[-4:] in text  # the masked form


def test_a_step_signed_off_by_a_department_system_names_the_system(world, day):
    system = services.SystemActor(client_id="dept-system-1", department_id=world["dept"].pk)
    case = services.do_accept(actor=system, number=submit(world).number)
    services.do_complete_step(actor=system, number=case.number, step_index=0, outcome="pass")
    today = timezone.localdate().isoformat()
    rows = [r for r in export("2026-09-29", today) if r["dataset"] == "办理"]
    assert [(r["step_name"], r["handler"]) for r in rows] == [("承办", "system:client:dept-system-1")]
