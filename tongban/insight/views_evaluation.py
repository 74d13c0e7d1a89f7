"""Pages of the annual evaluation (年度评估). Public: the rankings of a year
(/insight/evaluation/), a region's computation line by line (/insight/evaluation/<year>/<region>/)
and the year's PDF report. Platform administrators' workbench: scheme versions (draft, edit,
submit, publish or return: four eyes in `evaluation`) and running a year. Thin: every write is
one call to `evaluation`, which decides who may do what."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import evaluation, report
from .enums_evaluation import Dimension, Grade, Rule, SchemeState, Source

# --- Public pages -------------------------------------------------------------------------------


def _dimension_rows(score, weights) -> list[dict]:
    return [
        {
            "key": d.value,
            "label": d.label,
            "score": score.dimensions.get(d.value, "0.00"),
            "weight": weights[d.value],
        }
        for d in Dimension
    ]


@require_GET
def evaluation_home(request):
    """The years evaluated and the chosen year's city ranking (`?year=`, default the latest)."""
    runs = list(evaluation.runs())
    run = None
    year = request.GET.get("year", "")
    if year:
        run = evaluation.get_run(year) if year.isascii() and year.isdigit() and len(year) == 4 else None
        if run is None:
            raise InvalidInput.field("year", _("年度须为四位数字，如 2026"))
    elif runs:
        run = runs[0]
    context: dict = {"runs": runs, "run": run, "dimensions": Dimension.choices, "grades": Grade.choices}
    if run is not None:
        context["weights"] = evaluation.dimension_weights(run.scheme)
        context["cities"] = evaluation.city_scores(run)
    return render(request, "insight/evaluation/home.html", context)


@require_GET
def evaluation_region(request, year: int, region: str):
    """One region's score with its computation shown line by line, and for a city its counties."""
    run = evaluation.get_run(year)
    score = evaluation.get_score(run, region)
    weights = evaluation.dimension_weights(run.scheme)
    lines = evaluation.score_lines(score)
    groups = [
        {
            "label": d.label,
            "score": score.dimensions.get(d.value, "0.00"),
            "weight": weights[d.value],
            "lines": [ln for ln in lines if ln.dimension == d.value],
        }
        for d in Dimension
    ]
    context = {
        "run": run,
        "score": score,
        "groups": groups,
        "dimensions": _dimension_rows(score, weights),
        "counties": evaluation.county_scores(run, score.region_code)
        if score.parent_code == run.province
        else [],
        "parent": evaluation.parent_score(run, score),
        "siblings": evaluation.sibling_count(run, score),
    }
    return render(request, "insight/evaluation/region.html", context)


@require_GET
def evaluation_report(request, year: int):
    """The year's report as PDF (WeasyPrint, Noto CJK)."""
    run = evaluation.get_run(year)
    pdf = report.report_pdf(run)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{run.year}.pdf"'
    return response


# --- Workbench (platform administrators) --------------------------------------------------------


def admin_required(view):
    """Signed-in staff; everyone but platform administrators gets 404 (from `evaluation`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            return redirect_to_login(request.get_full_path())
        evaluation.check_may_manage(request.user)
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _schemes_page(request, *, errors=None, values=None, status=200):
    schemes = list(evaluation.schemes())
    published = [s for s in schemes if s.state == SchemeState.PUBLISHED]
    return render(
        request,
        "insight/evaluation/schemes.html",
        {
            "schemes": schemes,
            "published": published,
            "runs": list(evaluation.runs()),
            "errors": errors or {},
            "values": values or {},
            "this_year": evaluation.this_year(),
        },
        status=status,
    )


@admin_required
@require_GET
def schemes(request):
    return _schemes_page(request)


@admin_required
@require_POST
@once_per_form
def scheme_new(request):
    """A new draft: a copy of the chosen version (`based_on`), or the default scheme."""
    based_on = request.POST.get("based_on", "")
    try:
        if based_on:
            if not (based_on.isascii() and based_on.isdigit() and len(based_on) <= 9):
                raise InvalidInput.field("based_on", _("要复制的版本不存在"))
            source = evaluation.schemes().filter(version=int(based_on)).first()
            if source is None:
                raise InvalidInput.field("based_on", _("要复制的版本不存在"))
            header = evaluation.header_of(source) | {"name": source.name}
            scheme = evaluation.do_create_scheme(actor=request.user, header=header, based_on=source.version)
        else:
            scheme = evaluation.do_create_scheme(
                actor=request.user,
                header=evaluation.DEFAULT_HEADER | {"effective_year": evaluation.this_year()},
                lines=evaluation.default_lines(),
            )
    except InvalidInput as exc:
        return _schemes_page(request, errors=_errors(exc), status=400)
    messages.success(request, _("已创建草稿版本 v%(v)s。") % {"v": scheme.version})
    return redirect("insight:scheme", version=scheme.version)


def _form_lines(post) -> list[dict]:
    """The lines of the edit form (parallel lists; a line ticked `remove`, or the empty new line,
    left out)."""
    keys = ("code", "name", "dimension", "measure", "weight", "rule", "floor", "target")
    columns = {k: post.getlist("line_name" if k == "name" else k) for k in keys}
    removed = set(post.getlist("remove"))
    count = max((len(v) for v in columns.values()), default=0)
    out = []
    for i in range(min(count, evaluation.MAX_LINES + 1)):
        row = {k: (columns[k][i] if i < len(columns[k]) else "") for k in keys}
        if str(i) in removed or not any(row[k].strip() for k in ("code", "name", "weight")):
            continue
        source, _sep, measure = row.pop("measure").partition(":")
        out.append(row | {"source": source, "measure": measure, "order": str((len(out) + 1) * 10)})
    return out


def _scheme_page(request, scheme, *, errors=None, values=None, status=200):
    user = request.user
    lines = list(scheme.lines.all())
    if values:
        form_header = values["header"]
        form_lines = [ln | {"measure": f"{ln['source']}:{ln['measure']}"} for ln in values["lines"]]
    else:
        form_header = evaluation.header_of(scheme)
        form_lines = [
            {
                "code": ln.code,
                "name": ln.name,
                "dimension": ln.dimension,
                "measure": f"{ln.source}:{ln.measure}",
                "weight": f"{ln.weight.normalize():f}",
                "rule": ln.rule,
                "floor": f"{ln.floor.normalize():f}",
                "target": f"{ln.target.normalize():f}",
            }
            for ln in lines
        ]
    for i, ln in enumerate(form_lines):
        prefix = f"lines.{i}."
        ln["errors"] = {k[len(prefix) :]: v for k, v in (errors or {}).items() if k.startswith(prefix)}
    return render(
        request,
        "insight/evaluation/scheme.html",
        {
            "scheme": scheme,
            "lines": lines,
            "weights": evaluation.dimension_weights(scheme),
            "total_weight": sum((ln.weight for ln in lines), 0),
            "dimensions": Dimension.choices,
            "rules": Rule.choices,
            "measures": evaluation.measure_choices(),
            "source_labels": dict(Source.choices),
            "errors": errors or {},
            "form_header": form_header,
            "form_lines": form_lines,
            "new_index": len(form_lines),
            "may_review": scheme.state == SchemeState.SUBMITTED and evaluation.may_review(user, scheme),
            "history": evaluation.history(scheme),
        },
        status=status,
    )


@admin_required
@once_per_form
def scheme(request, version: int):
    """A version; a draft is edited here (header and every line, one new line at a time)."""
    scheme = evaluation.access_scheme(request.user, version)
    if request.method == "POST":
        header = {k: request.POST.get(k, "") for k in evaluation.HEADER_FIELDS}
        lines = _form_lines(request.POST)
        try:
            evaluation.do_edit_scheme(actor=request.user, version=scheme.version, header=header, lines=lines)
        except InvalidInput as exc:
            return _scheme_page(
                request, scheme, errors=_errors(exc), values={"header": header, "lines": lines}, status=400
            )
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("insight:scheme", version=scheme.version)
        messages.success(request, _("草稿已保存。"))
        return redirect("insight:scheme", version=scheme.version)
    return _scheme_page(request, scheme)


SCHEME_ACTIONS = {
    "submit": (evaluation.do_submit_scheme, gettext_lazy("已提交审核，须由另一位平台管理员发布。")),
    "publish": (evaluation.do_publish_scheme, gettext_lazy("已发布。已发布的版本不可修改。")),
    "return": (evaluation.do_return_scheme, gettext_lazy("已退回修改。")),
}


@admin_required
@require_POST
@once_per_form
def scheme_action(request, version: int, action: str):
    if action not in SCHEME_ACTIONS:
        raise NotFound()
    scheme = evaluation.access_scheme(request.user, version)
    do, done = SCHEME_ACTIONS[action]
    kwargs = {"comment": request.POST.get("comment", "")} if action == "return" else {}
    try:
        do(actor=request.user, version=scheme.version, **kwargs)
    except InvalidInput as exc:
        return _scheme_page(request, scheme, errors=_errors(exc), status=400)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("insight:scheme", version=scheme.version)


@admin_required
@require_POST
@once_per_form
def run(request):
    """Run (or re-run) a year's evaluation under a published version."""
    values = {"year": request.POST.get("year", ""), "scheme_version": request.POST.get("scheme_version", "")}
    try:
        result = evaluation.do_run_evaluation(values["year"], values["scheme_version"], actor=request.user)
    except InvalidInput as exc:
        return _schemes_page(request, errors=_errors(exc), values=values, status=400)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("insight:schemes")
    messages.success(
        request,
        _("%(year)s年度评估已完成：%(n)s个地区，按指标体系 v%(v)s 计分。")
        % {"year": result.year, "n": result.regions, "v": result.scheme.version},
    )
    return redirect(f"{reverse('insight:evaluation')}?year={result.year}")
