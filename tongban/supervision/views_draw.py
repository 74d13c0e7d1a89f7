"""Pages of 双随机一公开. Public (no sign-in, 一公开): the drawn plans (`/supervision/public/`),
a plan with its draw's published facts and its results, and the published draw JSON. Workbench
(staff): the department's plans with the approval and commit–reveal steps, an inspector's drawn
tasks and the result form. Thin: parse, call one query or service, render; the services decide
who may act (others get 404)."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.idempotency import not_done, once_per_form

from . import draws, queries_draw
from . import services_draw as services
from .enums_draw import RESULT_MEANINGS, DrawState, PlanState, ResultCode
from .permissions_draw import as_pk, may_review, of_department


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise NotFound(_("没有找到要访问的内容"))
        return view(request, *args, **kwargs)

    return wrapper


def _problems(exc) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


# --- Public ---------------------------------------------------------------------------------------


@require_GET
def public_index(request):
    return render(
        request,
        "supervision/draw/public_index.html",
        {
            "page": queries_draw.public_plans(request.GET.get("page", 1)),
            "recent": queries_draw.recent_results(10),
        },
    )


@require_GET
def public_plan(request, pk: int):
    plan = queries_draw.public_plan(pk)
    if plan is None:
        raise NotFound(_("没有找到该抽查计划"))
    result = request.GET.get("result", "")
    if result not in ("", "pending", *ResultCode.values):
        result = ""
    draw = plan.draw
    return render(
        request,
        "supervision/draw/public_plan.html",
        {
            "plan": plan,
            "draw": draw,
            "ratios": [(c, plan.ratios_bp.get(c, 0) / 100) for c in draws.CLASSES],
            "strata": list(draw.strata.defer("ids")),
            "counts": [(ResultCode(c).label, n) for c, n in queries_draw.result_counts(draw).items()],
            "page": queries_draw.public_targets(draw, request.GET.get("page", 1), result=result),
            "result": result,
            "results": ResultCode.choices,
            "meanings": [(ResultCode(c).label, m) for c, m in RESULT_MEANINGS.items()],
        },
    )


@require_GET
def public_draw_json(request, pk: int):
    draw = queries_draw.draw_of(pk)
    if draw is None or draw.state != DrawState.DRAWN:
        raise NotFound(_("没有找到该抽取结果"))
    body = json.dumps(queries_draw.publication(draw), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


# --- Workbench: plans -----------------------------------------------------------------------------


@staff_required
@require_GET
def plans(request):
    return render(
        request,
        "supervision/draw/plans.html",
        {"page": queries_draw.department_plans(request.user, request.GET.get("page", 1))},
    )


@staff_required
@require_http_methods(["GET", "POST"])
@once_per_form
def plan_new(request):
    values, problems = {}, {}
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", ""),
            "matter": request.POST.get("matter", ""),
            "region_prefix": request.POST.get("region_prefix", ""),
            "industries": request.POST.get("industries", ""),
            "period_start": request.POST.get("period_start", ""),
            "period_end": request.POST.get("period_end", ""),
            "ratios_bp": {c: request.POST.get(f"ratio_{c}", "0") for c in draws.CLASSES},
        }
        try:
            plan = services.do_create_plan(actor=request.user, values=values)
        except InvalidInput as exc:
            problems = _problems(exc)
        else:
            messages.success(request, _("抽查计划已起草"))
            return redirect("supervision:draw_plan", pk=plan.pk)
    department = getattr(request.user, "department_id", None)
    return render(
        request,
        "supervision/draw/plan_new.html",
        {
            "values": values,
            "problems": problems,
            "matters": queries_draw.matters(department_id=department) if department else [],
            "classes": draws.CLASSES,
        },
        status=400 if problems else 200,
    )


@staff_required
@require_GET
def plan(request, pk: int):
    item = services.access_plan(request.user, pk)
    draw = queries_draw.draw_for_plan(item)
    user = request.user
    return render(
        request,
        "supervision/draw/plan.html",
        {
            "plan": item,
            "draw": draw,
            "ratios": [(c, item.ratios_bp.get(c, 0) / 100) for c in draws.CLASSES],
            "may_submit": item.state in (PlanState.DRAFT, PlanState.REJECTED)
            and of_department(user, item.department_id),
            "may_decide": item.state == PlanState.SUBMITTED
            and may_review(user, item.department_id)
            and item.created_by_id != user.pk,
            "may_commit": draw is not None
            and draw.state == DrawState.COMMITTING
            and draw.official_1_id != user.pk,
            "may_reveal": draw is not None
            and draw.state == DrawState.SNAPSHOTTED
            and (
                (draw.official_1_id == user.pk and not draw.reveal_1)
                or (draw.official_2_id == user.pk and not draw.reveal_2)
            ),
        },
    )


def _plan_action(request, pk: int, work, done: str):
    try:
        work()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return not_done(redirect("supervision:draw_plan", pk=pk))
    messages.success(request, done)
    return redirect("supervision:draw_plan", pk=pk)


@staff_required
@require_POST
@once_per_form
def plan_submit(request, pk: int):
    return _plan_action(
        request, pk, lambda: services.do_submit_plan(actor=request.user, plan_id=pk), _("已提交审批")
    )


@staff_required
@require_POST
@once_per_form
def plan_decide(request, pk: int):
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "")
    return _plan_action(
        request,
        pk,
        lambda: services.do_decide_plan(actor=request.user, plan_id=pk, approve=approve, note=note),
        _("已批准，可以开始抽取") if approve else _("已退回"),
    )


@staff_required
@require_POST
@once_per_form
def plan_commit(request, pk: int):
    value = request.POST.get("commitment", "")
    return _plan_action(
        request,
        pk,
        lambda: services.do_commit(actor=request.user, plan_id=pk, commitment=value),
        _("承诺值已提交"),
    )


@staff_required
@require_POST
@once_per_form
def plan_reveal(request, pk: int):
    value = request.POST.get("secret", "")
    return _plan_action(
        request,
        pk,
        lambda: services.do_reveal(actor=request.user, plan_id=pk, secret=value),
        _("秘密值已揭示"),
    )


# --- Workbench: an inspector's tasks and results ---------------------------------------------------


@staff_required
@require_GET
def tasks(request):
    return render(
        request,
        "supervision/draw/tasks.html",
        {
            "targets": queries_draw.tasks_of(request.user)[:200],
            "inspector": queries_draw.inspector_of(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
@once_per_form
def task(request, pk: int):
    target, _inspector = services.access_target(request.user, as_pk(pk, _("没有找到该检查任务")))
    rule = target.draw.plan.rule
    values, problems = {}, {}
    if request.method == "POST":
        values = {
            "result": request.POST.get("result", ""),
            "inspected_on": request.POST.get("inspected_on", ""),
            "summary": request.POST.get("summary", ""),
            "record": {item: request.POST.get(f"record_{n}", "") for n, item in enumerate(rule.record_items)},
        }
        try:
            services.do_record_result(actor=request.user, target_id=target.pk, **values)
        except InvalidInput as exc:
            problems = _problems(exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("supervision:draw_task", pk=target.pk))
        else:
            messages.success(request, _("检查结果已录入并公示"))
            return redirect("supervision:draw_tasks")
    record = values.get("record", {})
    return render(
        request,
        "supervision/draw/task.html",
        {
            "target": target,
            "rule": rule,
            "items": [(n, item, record.get(item, "")) for n, item in enumerate(rule.record_items)],
            "results": [(c, ResultCode(c).label) for c in rule.result_codes],
            "values": values,
            "problems": problems,
            "today": timezone.localdate().isoformat(),
            "recorded": queries_draw.result_of(target),
        },
        status=400 if problems else 200,
    )
