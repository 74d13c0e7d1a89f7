"""The demo's annual evaluation (年度评估, issue 16), through insight's evaluation services only.

The default scheme (指标体系 v1: five dimensions, 20 points each, catalogue measures and the
platform's case indicators) is drafted, submitted and published by the seeding system (a system
actor passes the four-eyes rule), then last year and this year are evaluated over the demo's
catalogue and the real rollups of its cases: every city and county ranked, each score with its
computation shown at /insight/evaluation/. This year's run shows the change against last year's.

Idempotent: the scheme is written when no version exists; a year is run when it has no run yet
(a visitor re-runs a year from the workbench). A run takes a few seconds on the demo catalogue.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from tongban.insight import evaluation


def demo_years() -> list[int]:
    this_year = timezone.localdate().year
    return [this_year - 1, this_year]


def seed_evaluation(*, actor: str, say: Callable[[str], None]) -> bool:
    """Write what is missing (see the module doc). Returns whether it wrote."""
    wrote = False
    scheme = evaluation.published_schemes().order_by("version").first()
    if scheme is None:
        if evaluation.schemes().exists():
            say("evaluation: a scheme exists but none is published; no run seeded")
            return False
        scheme = evaluation.do_create_scheme(
            actor=actor,
            header=evaluation.DEFAULT_HEADER | {"effective_year": demo_years()[0]},
            lines=evaluation.default_lines(),
        )
        evaluation.do_submit_scheme(actor=actor, version=scheme.version)
        evaluation.do_publish_scheme(actor=actor, version=scheme.version)
        wrote = True
    done = set(evaluation.runs().values_list("year", flat=True))
    for year in demo_years():
        if year in done:
            continue
        run = evaluation.do_run_evaluation(year, scheme.version, actor=actor)
        top = evaluation.city_scores(run)[:1]
        say(
            f"evaluation {year}: {run.regions} regions under v{scheme.version}"
            + (f", first {top[0].region_name} {top[0].total}" if top else "")
        )
        wrote = True
    return wrote
