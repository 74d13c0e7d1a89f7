"""The annual evaluation's scoring: exact computations from real catalogue rows, ranks and grades,
idempotent re-runs, the year-on-year change, and bad input refused with nothing changed."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tongban.catalog.testing import make_department, make_item
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.models import AuditEvent
from tongban.insight import evaluation
from tongban.insight.enums_evaluation import Grade, Rule
from tongban.insight.models_evaluation import EvaluationRun, RegionScore, ScoreLine

from .evaluation_world import JIANGAN, PROVINCE, SYSTEM, WUHAN, XILING, YICHANG, published, snapshot
from .evaluation_world import world_fixture as world_fixture


def test_normalise_rules():
    lin = {"rule": Rule.LINEAR, "floor": D(20), "target": D(80)}
    assert evaluation.normalise(D(50), **lin) == D("50.00")
    assert evaluation.normalise(D(10), **lin) == D("0.00")  # clamped below
    assert evaluation.normalise(D(95), **lin) == D("100.00")  # clamped above
    assert evaluation.normalise(D("33.3"), **lin) == D("22.17")
    assert evaluation.normalise(None, **lin) == D("0.00")  # no data scores 0
    # floor above target: lower is better (average days)
    assert evaluation.normalise(D(5), rule=Rule.LINEAR, floor=D(20), target=D(0)) == D("75.00")
    step = {"rule": Rule.STEP, "floor": D(0), "target": D(90)}
    assert evaluation.normalise(D(90), **step) == D("100.00")
    assert evaluation.normalise(D("89.99"), **step) == D("0.00")
    assert evaluation.normalise(D(3), rule=Rule.STEP, floor=D(10), target=D(3)) == D("100.00")


def test_rank_shares_places_on_equal_totals():
    got = evaluation.rank([("b", D(50)), ("a", D(90)), ("c", D(50)), ("d", D(10))])
    assert got == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_the_run_scores_cities_and_counties_with_the_computation(world):
    scheme = published()
    run = evaluation.do_run_evaluation(2026, scheme.version, actor=world["admin"])
    assert run.year == 2026 and run.scheme_id == scheme.pk and run.province == PROVINCE
    cities = evaluation.city_scores(run)
    assert len(cities) == 17  # Hubei's 12 prefecture cities, 1 自治州 and the 4 directly administered units
    wuhan, yichang = cities[0], cities[1]
    assert (wuhan.region_code, wuhan.total, wuhan.rank, wuhan.grade) == (WUHAN, D("90.00"), 1, Grade.FIRST)
    assert wuhan.dimensions == {
        "modes": "20.00",
        "coverage": "20.00",
        "guides": "20.00",
        "maturity": "10.00",
        "effect": "20.00",
    }
    lines = [
        (ln.code, ln.raw, ln.numerator, ln.denominator, ln.normalised, ln.weight, ln.contribution)
        for ln in evaluation.score_lines(wuhan)
    ]
    assert lines == [
        ("1.1", D("100"), D(2), D(2), D("100.00"), D(20), D("20.000")),
        ("2.1", D("100"), D(2), D(2), D("100.00"), D(20), D("20.000")),
        ("3.1", D("100"), D(2), D(2), D("100.00"), D(20), D("20.000")),
        ("4.1", D("50"), D(1), D(2), D("50.00"), D(20), D("10.000")),
        ("5.1", D("100"), D(2), D(2), D("100.00"), D(20), D("20.000")),
    ]
    # 宜昌: one item, fully online, its guide without FAQs and its name not the basic item's.
    assert (yichang.region_code, yichang.total, yichang.rank, yichang.grade) == (
        YICHANG,
        D("50.00"),
        2,
        Grade.FOURTH,
    )
    assert [ln.contribution for ln in evaluation.score_lines(yichang)] == [D(20), D(10), D(0), D(20), D(0)]
    # every other city: no items, no basic item claimed; they share the third place
    rest = cities[2:]
    assert {(s.total, s.rank, s.grade) for s in rest} == {(D("0.00"), 3, Grade.FOURTH)}
    missing = evaluation.score_lines(rest[0])[0]
    assert (missing.raw, missing.denominator, missing.normalised) == (None, D(0), D(0))
    # counties rank within their city
    wuhan_counties = evaluation.county_scores(run, WUHAN)
    assert (wuhan_counties[0].region_code, wuhan_counties[0].total, wuhan_counties[0].rank) == (
        JIANGAN,
        D("90.00"),
        1,
    )
    assert {s.rank for s in wuhan_counties[1:]} == {2}
    assert evaluation.county_scores(run, YICHANG)[0].region_code == XILING
    assert (
        run.regions
        == RegionScore.objects.filter(run=run).count()
        == 17 + RegionScore.objects.filter(run=run, level=3).count()
    )
    assert ScoreLine.objects.filter(score__run=run).count() == 5 * run.regions
    event = AuditEvent.objects.get(action="insight.evaluation.run")
    assert event.data["year"] == 2026 and event.data["scheme_version"] == scheme.version
    assert event.data["top"][0] == [WUHAN, "90.00"]


def test_a_rerun_is_idempotent(world):
    scheme = published()
    first = evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)
    before = sorted(RegionScore.objects.values_list("region_code", "total", "rank", "grade", "dimensions"))
    lines_before = sorted(ScoreLine.objects.values_list("score__region_code", "code", "raw", "contribution"))
    again = evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)
    assert again.pk == first.pk and EvaluationRun.objects.count() == 1
    assert (
        sorted(RegionScore.objects.values_list("region_code", "total", "rank", "grade", "dimensions"))
        == before
    )
    assert (
        sorted(ScoreLine.objects.values_list("score__region_code", "code", "raw", "contribution"))
        == lines_before
    )
    assert AuditEvent.objects.filter(action="insight.evaluation.run").count() == 2


def test_year_on_year_change_and_a_rerun_of_last_year_refreshes_it(world):
    scheme = published()
    evaluation.do_run_evaluation(2025, scheme.version, actor=SYSTEM)
    # 宜昌 claims the second basic item in 2026: coverage 1/2 → 2/2 (+10), completeness 0/1 → 1/2
    # (+10), consistency 0/1 → 1/2 (+10).
    xiling = make_department(region="420502", name="宜昌市西陵区市场监督管理局")
    make_item(xiling, world["b2"], level="4", online_url="https://zwfw.hubei.gov.cn/apply")
    run = evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)
    yichang = evaluation.get_score(run, "420500")
    assert (yichang.total, yichang.previous_total, yichang.change) == (D("80.00"), D("50.00"), D("30.00"))
    assert (yichang.rank, yichang.previous_rank, yichang.rank_change) == (2, 2, 0)
    assert yichang.grade == Grade.SECOND
    # re-running 2025 now sees today's catalogue (it keeps no history): 2026's comparison follows
    evaluation.do_run_evaluation(2025, scheme.version, actor=SYSTEM)
    yichang.refresh_from_db()
    assert (yichang.previous_total, yichang.change) == (D("80.00"), D("0.00"))


@pytest.mark.parametrize(
    ("year", "version", "field"),
    [
        ("twenty", None, "year"),
        (1999, None, "year"),
        (2999, None, "year"),
        (2026, "x", "scheme_version"),
        (2026, 999, "scheme_version"),
    ],
)
def test_bad_input_is_refused_naming_the_field(world, year, version, field):
    scheme = published()
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_run_evaluation(year, version or scheme.version, actor=SYSTEM)
    assert exc.value.problems[0].field == field
    assert snapshot() == before


def test_an_unpublished_version_cannot_be_run(world):
    draft = evaluation.do_create_scheme(
        actor=SYSTEM, header=published_header(), lines=None, based_on=published().version
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        evaluation.do_run_evaluation(2026, draft.version, actor=SYSTEM)
    assert exc.value.problems[0].field == "scheme_version" and "尚未发布" in exc.value.message
    assert snapshot() == before


def test_only_platform_administrators_run_it(world):
    scheme = published()
    before = snapshot()
    with pytest.raises(NotFound):
        evaluation.do_run_evaluation(2026, scheme.version, actor=world["officer"])
    assert snapshot() == before


def published_header():
    from .evaluation_world import HEADER

    return HEADER | {"name": "第二版"}


def test_the_demo_seed_publishes_the_default_scheme_and_runs_two_years_once(world):
    from django.utils import timezone

    from tongban.demo import insight_evaluation

    said: list[str] = []
    assert insight_evaluation.seed_evaluation(actor="system:seed", say=said.append) is True
    year = timezone.localdate().year
    assert sorted(evaluation.runs().values_list("year", "scheme__version")) == [(year - 1, 1), (year, 1)]
    scheme = evaluation.published_schemes().get()
    assert scheme.lines.count() == 13 and evaluation.check_complete(scheme) is None
    assert said[-1].startswith(f"evaluation {year}: 116 regions under v1, first 武汉市")
    this_year = evaluation.get_score(evaluation.get_run(year), WUHAN)
    assert this_year.previous_total is not None and this_year.rank == 1
    before = snapshot()
    assert insight_evaluation.seed_evaluation(actor="system:seed", say=said.append) is False
    assert snapshot() == before
