"""Rating (一事一评): every refusal changes nothing; the allowed change; bad ratings' reasons."""

from __future__ import annotations

import pytest

from tongban.core.errors import Conflict, InvalidInput, NotFound

from .. import services
from ..enums import Level, RectState
from ..models import Invitation, Rating, Rectification
from ..signals import rated
from .conftest import conclude, counts, pick, rollup, submit


def test_the_owner_rates_a_concluded_case_once(rworld):
    number = conclude(rworld)
    invitation = Invitation.objects.get(kind="case", ref=number)
    assert invitation.state == "pending"
    heard = []

    def listener(**kw):
        heard.append({k: kw[k] for k in ("kind", "ref", "level", "code", "default")})

    rated.connect(listener)
    try:
        rating = services.do_rate(
            actor=rworld["citizen"], kind="case", ref=number, level=Level.VERY_SATISFIED
        )
    finally:
        rated.disconnect(listener)
    assert heard == [{"kind": "case", "ref": number, "level": 5, "code": 1, "default": False}]
    assert (rating.level, rating.node, rating.channel, rating.is_default) == (1, "conclude", "pc", False)
    assert rating.department_id == rworld["dept"].pk and rating.item_code == rworld["item"].code
    assert rating.region_code == "420100"
    invitation.refresh_from_db()
    assert invitation.state == "rated"
    assert not Rectification.objects.exists()
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "invited", "answered", "rated", "l1", "good", "bad") == (1, 1, 1, 1, 1, 0)
    assert (dept["participation"], dept["good_rate"], dept["bad_rate"]) == (100, 100, 0)
    # the province and the city roll up the same rating
    assert rollup("region", "420000")["rated"] == 1 and rollup("region", "420100")["rated"] == 1

    before = counts()
    with pytest.raises(Conflict):
        services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=Level.SATISFIED)
    assert counts() == before


def test_a_stranger_gets_404_and_nothing_changes(rworld):
    number = conclude(rworld)
    before = counts()
    with pytest.raises(NotFound):
        services.do_rate(actor=rworld["stranger"], kind="case", ref=number, level=1)
    with pytest.raises(NotFound):  # the same answer for a case that does not exist
        services.do_rate(actor=rworld["stranger"], kind="case", ref="420100209901019000001", level=1)
    with pytest.raises(NotFound):  # and for staff
        services.do_rate(actor=rworld["officer"], kind="case", ref=number, level=1)
    assert counts() == before


def test_a_case_not_concluded_is_refused(rworld):
    case = submit(rworld)
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.do_rate(actor=rworld["citizen"], kind="case", ref=case.number, level=1)
    assert "办结" in exc.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("reasons", "text", "fields"),
    [
        ([], "", ["reasons", "text"]),
        (["slow"], "", ["text"]),
        ([], "等了很久才办好", ["reasons"]),
        (["nonsense"], "等了很久才办好", ["reasons"]),
    ],
)
def test_a_bad_rating_needs_reasons_and_text(rworld, reasons, text, fields):
    number = conclude(rworld)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_rate(
            actor=rworld["citizen"], kind="case", ref=number, level=4, reasons=reasons, text=text
        )
    assert [p.field for p in exc.value.problems] == fields
    assert counts() == before


def test_bad_level_and_node_are_named(rworld):
    number = conclude(rworld)
    before = counts()
    for level in (0, 6, "x", None):
        with pytest.raises(InvalidInput) as exc:
            services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=level)
        assert exc.value.problems[0].field == "level"
    with pytest.raises(InvalidInput) as exc:
        services.do_rate(actor=rworld["citizen"], kind="case", ref=number, node="window", level=1)
    assert exc.value.problems[0].field == "node"
    assert counts() == before


def test_a_bad_rating_opens_a_rectification(rworld):
    number = conclude(rworld)
    rating = services.do_rate(
        actor=rworld["citizen"],
        kind="case",
        ref=number,
        level=5,
        reasons=["slow", "trips"],
        text="跑了三次才办好",
    )
    assert rating.reasons == ["slow", "trips"]
    rect = Rectification.objects.get(rating=rating)
    assert (rect.state, rect.department_id) == (RectState.VERIFYING, rworld["dept"].pk)
    dept = rollup("dept", rworld["dept"].pk)
    assert (dept["bad"], dept["l5"], dept["rect_needed"], dept["rectified"]) == (1, 1, 1, 0)
    assert (dept["good_rate"], dept["bad_rate"], dept["rectify_rate"]) == (0, 100, 0)


def test_the_rater_changes_once_within_the_period(rworld, clock):
    number = conclude(rworld)
    services.do_rate(
        actor=rworld["citizen"], kind="case", ref=number, level=4, reasons=["slow"], text="办理太慢了"
    )
    clock(days=2)
    rating = services.do_change_rating(actor=rworld["citizen"], kind="case", ref=number, level=2)
    assert (rating.level, rating.previous_level, rating.reasons) == (2, 4, [])
    assert Rectification.objects.get(rating=rating).state == RectState.WITHDRAWN
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "rated", "good", "bad", "l4", "l2", "rect_needed") == (1, 1, 0, 0, 1, 0)
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.do_change_rating(actor=rworld["citizen"], kind="case", ref=number, level=1)
    assert "一次" in exc.value.message
    with pytest.raises(NotFound):
        services.do_change_rating(actor=rworld["stranger"], kind="case", ref=number, level=1)
    assert counts() == before
    assert Rating.objects.get(ref=number).level == 2


def test_no_change_after_the_period(rworld, clock):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=2)
    clock(days=5, minutes=1)
    before = counts()
    with pytest.raises(Conflict):
        services.do_change_rating(
            actor=rworld["citizen"], kind="case", ref=number, level=5, reasons=["slow"], text="其实办得很慢"
        )
    assert counts() == before


def test_a_good_rating_changed_to_bad_opens_the_rectification(rworld):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=3)
    rating = services.do_change_rating(
        actor=rworld["citizen"], kind="case", ref=number, level=4, reasons=["attitude"], text="窗口态度不好"
    )
    assert Rectification.objects.get(rating=rating).state == RectState.VERIFYING
    dept = rollup("dept", rworld["dept"].pk)
    assert (dept["good"], dept["bad"], dept["l3"], dept["l4"], dept["rect_needed"]) == (0, 1, 0, 1, 1)
