"""Scheme versions (指标体系版本): drafted, submitted, published by another platform administrator
(four eyes), immutable once published, every step audited; bad input names its field and
changes nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent
from tongban.insight import evaluation
from tongban.insight.enums_evaluation import SchemeState

from .evaluation_world import HEADER, LINES, line, snapshot
from .evaluation_world import world_fixture as world_fixture


def test_draft_submit_publish_by_two_administrators(world):
    admin, admin2 = world["admin"], world["admin2"]
    scheme = evaluation.do_create_scheme(actor=admin, header=HEADER, lines=LINES)
    assert (scheme.version, scheme.state, scheme.created_by) == (1, SchemeState.DRAFT, f"user:{admin.pk}")
    assert [ln.code for ln in scheme.lines.all()] == ["1.1", "2.1", "3.1", "4.1", "5.1"]
    evaluation.do_submit_scheme(actor=admin, version=1)
    before = snapshot()
    with pytest.raises(Conflict) as exc:  # four eyes: not by the submitter
        evaluation.do_publish_scheme(actor=admin, version=1)
    assert "四眼" in exc.value.message
    with pytest.raises(Conflict):
        evaluation.do_return_scheme(actor=admin, version=1, comment="自己退回")
    assert snapshot() == before
    published = evaluation.do_publish_scheme(actor=admin2, version=1)
    assert (published.state, published.published_by) == (SchemeState.PUBLISHED, f"user:{admin2.pk}")
    actions = list(
        AuditEvent.objects.filter(action__startswith="insight.scheme.")
        .order_by("seq")
        .values_list("action", "actor")
    )
    assert actions == [
        ("insight.scheme.create", f"user:{admin.pk}"),
        ("insight.scheme.submit", f"user:{admin.pk}"),
        ("insight.scheme.publish", f"user:{admin2.pk}"),
    ]
    publish = AuditEvent.objects.get(action="insight.scheme.publish")
    assert publish.data["lines"][0] == {
        "code": "1.1",
        "dimension": "modes",
        "measure": "catalog:items_online",
        "weight": "20.00",
        "rule": "linear",
        "floor": "0.0000",
        "target": "100.0000",
    }


def test_a_published_version_is_immutable(world):
    admin, admin2 = world["admin"], world["admin2"]
    evaluation.do_create_scheme(actor=admin, header=HEADER, lines=LINES)
    evaluation.do_submit_scheme(actor=admin, version=1)
    evaluation.do_publish_scheme(actor=admin2, version=1)
    before = snapshot()
    changed = [line(c["code"], c["dimension"], c["measure"], weight=20) for c in LINES]
    changed[0]["floor"] = D(50)
    with pytest.raises(Conflict):
        evaluation.do_edit_scheme(actor=admin, version=1, header=HEADER, lines=changed)
    with pytest.raises(Conflict):
        evaluation.do_submit_scheme(actor=admin, version=1)
    with pytest.raises(Conflict):
        evaluation.do_publish_scheme(actor=admin2, version=1)
    assert snapshot() == before
    # a change is a new version copied from it
    copy = evaluation.do_create_scheme(actor=admin, header=HEADER | {"name": "修订版"}, based_on=1)
    assert (copy.version, copy.based_on.version, copy.state) == (2, 1, SchemeState.DRAFT)
    assert [(ln.code, ln.weight) for ln in copy.lines.all()] == [(c["code"], D(20)) for c in LINES]
    evaluation.do_edit_scheme(actor=admin, version=2, header=HEADER, lines=changed)
    assert copy.lines.get(code="1.1").floor == D(50)
    assert evaluation.access_scheme(admin, 1).lines.get(code="1.1").floor == D(0)


def test_return_needs_a_comment_and_goes_back_to_draft(world):
    admin, admin2 = world["admin"], world["admin2"]
    evaluation.do_create_scheme(actor=admin, header=HEADER, lines=LINES)
    evaluation.do_submit_scheme(actor=admin, version=1)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_return_scheme(actor=admin2, version=1, comment="  ")
    assert exc.value.problems[0].field == "comment"
    assert snapshot() == before
    scheme = evaluation.do_return_scheme(actor=admin2, version=1, comment="服务成效度权重偏低")
    assert (scheme.state, scheme.review_comment) == (SchemeState.DRAFT, "服务成效度权重偏低")


@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        ([*LINES[:4], line("5.1", "effect", "guide_consistency", weight=10)], "weight", "当前为90"),
        ([{**ln, "weight": D(25)} for ln in LINES[:4]], "dimension", "服务成效度"),
        ([], "lines", "至少"),
    ],
)
def test_submit_checks_the_whole_scheme(world, lines, field, words):
    evaluation.do_create_scheme(actor=world["admin"], header=HEADER, lines=lines)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_submit_scheme(actor=world["admin"], version=1)
    assert exc.value.problems[0].field == field and words in exc.value.problems[0].message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": "no_such_measure"}, "lines.0.measure"),
        ({"source": "indicator", "measure": "items_online"}, "lines.0.measure"),
        ({"dimension": "speed"}, "lines.0.dimension"),
        ({"weight": "abc"}, "lines.0.weight"),
        ({"weight": "0"}, "lines.0.weight"),
        ({"weight": "101"}, "lines.0.weight"),
        ({"floor": "NaN"}, "lines.0.floor"),
        ({"target": D(0)}, "lines.0.target"),  # equal to the floor
        ({"rule": "magic"}, "lines.0.rule"),
        ({"code": ""}, "lines.0.code"),
        ({"name": "名" * 101}, "lines.0.name"),
    ],
)
def test_a_bad_line_names_its_field(world, change, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_create_scheme(
            actor=world["admin"], header=HEADER, lines=[LINES[0] | change, *LINES[1:]]
        )
    assert exc.value.problems[0].field == field
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"effective_year": "明年"}, "effective_year"),
        ({"effective_year": 1990}, "effective_year"),
        ({"grade_first": "x"}, "grade_first"),
        ({"grade_second": "95"}, "grade_second"),  # above the first band
    ],
)
def test_a_bad_header_names_its_field(world, change, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_create_scheme(actor=world["admin"], header=HEADER | change, lines=LINES)
    assert exc.value.problems[0].field == field
    assert snapshot() == before


def test_a_code_twice_is_refused(world):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_create_scheme(actor=world["admin"], header=HEADER, lines=[*LINES, LINES[0]])
    assert exc.value.problems[0].field == "lines.5.code"
    assert snapshot() == before


def test_only_platform_administrators_manage_schemes(world):
    officer = world["officer"]
    before = snapshot()
    with pytest.raises(NotFound):
        evaluation.do_create_scheme(actor=officer, header=HEADER, lines=LINES)
    assert snapshot() == before
    evaluation.do_create_scheme(actor=world["admin"], header=HEADER, lines=LINES)
    for call in (
        lambda: evaluation.do_submit_scheme(actor=officer, version=1),
        lambda: evaluation.access_scheme(officer, 1),
    ):
        with pytest.raises(NotFound):
            call()
