"""The annual evaluation's report (年度评估报告) as PDF: WeasyPrint with Debian's fonts-noto-cjk,
as cases/notices.py renders notices. The report embeds everything it shows (no images, no
stylesheets fetched), so WeasyPrint may fetch nothing: no network, no files."""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import evaluation
from .enums_evaluation import Dimension, Grade


def render_html(run) -> str:
    """The report is an official Chinese document: rendered in Chinese whatever the UI language."""
    with translation.override("zh-hans"):
        return _render_html(run)


def _render_html(run) -> str:
    cities = evaluation.city_scores(run)
    weights = evaluation.dimension_weights(run.scheme)
    grade_counts = [(label, sum(1 for c in cities if c.grade == value)) for value, label in Grade.choices]
    return render_to_string(
        "insight/evaluation/report.html",
        {
            "run": run,
            "scheme": run.scheme,
            "scheme_lines": list(run.scheme.lines.all()),
            "cities": cities,
            "counties": [(c, evaluation.county_scores(run, c.region_code)) for c in cities],
            "dimensions": [(d.value, d.label, weights[d.value]) for d in Dimension],
            "grade_counts": grade_counts,
            "generated_on": timezone.localdate(),
        },
    )


def render_pdf(run) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up
    from weasyprint.urls import URLFetcher

    return HTML(string=render_html(run), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


REPORT_CACHE_SECONDS = 24 * 3600


def cache_key(run) -> str:
    """Where the run's rendered report is kept: one per computation."""
    return f"insight:evaluation-report:{run.pk}:{run.computed_at.timestamp()}"


def report_pdf(run) -> bytes:
    """The run's report, rendered once per computation (a re-run makes a new one): WeasyPrint
    takes seconds for the 100-odd regions' tables, and everyone reads the same document."""
    key = cache_key(run)
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(run)
        cache.set(key, pdf, REPORT_CACHE_SECONDS)
    return pdf
