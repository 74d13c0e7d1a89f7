"""The evaluation over insight's indicators: a scheme line reading a platform indicator scores the
year's real rollups of cases made through the case services."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tongban.cases import services
from tongban.cases.tests.conftest import submit
from tongban.insight import evaluation

from .evaluation_world import HEADER, line

pytestmark = pytest.mark.usefixtures("regions_loaded")
SYSTEM = "system:test"


def test_indicator_lines_score_the_years_cases(world):
    a = submit(world)
    services.do_accept(actor=world["officer"], number=a.number)
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        services.do_complete_step(actor=actor, number=a.number, step_index=index, outcome="pass")
    services.do_conclude(actor=world["officer"], number=a.number)
    submit(world, channel="3")  # on a phone
    lines = [
        line("1.1", "modes", "online_case_rate", source="indicator", floor=0, target=100),
        line("2.1", "coverage", "basic_coverage"),
        line("3.1", "guides", "guide_consistency"),
        line("4.1", "maturity", "received", source="indicator", floor=0, target=4, rule="step", weight=10),
        line("4.2", "maturity", "zero_trip_rate", source="indicator", weight=10),
        line("5.1", "effect", "on_time_rate", source="indicator", floor=80, target=100),
    ]
    scheme = evaluation.do_create_scheme(actor=SYSTEM, header=HEADER, lines=lines)
    evaluation.do_submit_scheme(actor=SYSTEM, version=scheme.version)
    evaluation.do_publish_scheme(actor=SYSTEM, version=scheme.version)
    run = evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)
    wuhan = evaluation.get_score(run, "420100")
    got = {
        ln.code: (ln.raw, ln.numerator, ln.denominator, ln.normalised) for ln in evaluation.score_lines(wuhan)
    }
    assert got["1.1"] == (D("100"), D(2), D(2), D("100.00"))  # both applied online
    assert got["4.1"] == (D(2), D(2), None, D("0.00"))  # 2 cases: the step to 4 not reached
    assert got["5.1"] == (D("100"), D(1), D(1), D("100.00"))  # concluded within its promise
    assert wuhan.rank == 1
    # a city without cases: the case indicators have no value and score 0
    huangshi = evaluation.get_score(run, "420200")
    assert [ln.raw for ln in evaluation.score_lines(huangshi) if ln.source == "indicator"] == [
        None,
        D(0),
        None,
        None,
    ]
