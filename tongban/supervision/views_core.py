"""Pages of supervision's core part. Thin: each write is one service call.

- Workbench (supervision staff): `/supervision/entities/` (the registry), `…/<pk>/` (licences,
  the credit score explained, 经营异常 listings, alerts; actions: sync licences, recompute,
  list, remove a listing), `/supervision/rules/` (rules, templates, a new rule),
  `…/<pk>/` (edit, back-test, activate, retire), `/supervision/alerts/` and `…/<pk>/` (triage).
- Public: `/supervision/abnormal/` (经营异常名录 and 严重违法失信名单).
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import not_done, once_per_form

from . import abnormal, credit, permissions, queries, registry, risk, rules
from .models import AbnormalGround, AlertState, RuleState

PAGE_SIZE = 30


def supervisor_required(view):
    """Signed-in supervision staff; anybody else: sign in, or 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_supervisor(request.user):
            raise NotFound(_("没有找到要访问的内容"))
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput.field(field, _("日期格式应为 YYYY-MM-DD")) from None


def _refused(request, exc) -> None:
    if isinstance(exc, InvalidInput) and exc.problems:
        for p in exc.problems:
            messages.error(request, f"{p.field}：{p.message}")
    else:
        messages.error(request, exc.message)


# --- Entities ----------------------------------------------------------------------------------------


@require_GET
@supervisor_required
def entities(request):
    filters = {
        "text": request.GET.get("q", "")[:50],
        "region": request.GET.get("region", "")[:6],
        "industry": request.GET.get("industry", "")[:10],
        "credit_class": request.GET.get("class", "")[:1],
    }
    page = Paginator(queries.entities(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/core/entities.html", {"page": page, "filters": filters})


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def entity(request, pk: int):
    row = queries.entity(pk)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "sync":
                report = registry.do_sync_licences(actor=user, entity_id=row.pk)
                credit.do_recompute_entity(actor=user, entity_id=row.pk)
                messages.success(request, _("已同步证照 %(n)s 张") % {"n": report["licences"]})
            elif action == "recompute":
                credit.do_recompute_entity(actor=user, entity_id=row.pk)
                messages.success(request, _("已重新计算信用分"))
            elif action == "list":
                ground = request.POST.get("ground", "")
                year = _int(request.POST.get("report_year", ""))
                abnormal.do_list(
                    actor=user,
                    entity_id=row.pk,
                    ground=ground,
                    listed_on=_date(request.POST.get("listed_on", ""), "listed_on"),
                    detail=request.POST.get("detail", ""),
                    report_year=year,
                )
                credit.do_recompute_entity(actor=user, entity_id=row.pk)
                messages.success(request, _("已列入经营异常名录"))
            elif action == "remove":
                abnormal.do_remove(
                    actor=user,
                    listing_id=_int(request.POST.get("listing", "")) or 0,
                    cure=request.POST.get("cure", ""),
                    removed_on=_date(request.POST.get("removed_on", ""), "removed_on"),
                )
                credit.do_recompute_entity(actor=user, entity_id=row.pk)
                messages.success(request, _("已移出经营异常名录"))
            else:
                raise InvalidInput.field("action", _("未知的操作"))
        except (InvalidInput, Conflict, Forbidden) as exc:
            _refused(request, exc)
            return not_done(redirect("supervision:entity", pk=row.pk))
        return redirect("supervision:entity", pk=row.pk)
    context = {
        "entity": row,
        "explain": credit.explain(row),
        "licences": queries.licences_of(row),
        "listings": queries.listings_of(row),
        "alerts": queries.alerts_of(row)[:20],
        "grounds": AbnormalGround.choices,
        "today": timezone.localdate(),
    }
    return render(request, "supervision/core/entity.html", context)


# --- Public listings -----------------------------------------------------------------------------------


@require_GET
def public_abnormal(request):
    return render(request, "supervision/core/abnormal.html", queries.public_listings())


# --- Rules -------------------------------------------------------------------------------------------------


def _rule_help() -> dict:
    return {
        "attributes": [(name, rules.TYPE_NAMES[kind], doc) for name, (kind, doc) in rules.ATTRIBUTES.items()],
        "functions": [(name, doc) for name, (_p, _r, doc) in rules.FUNCTIONS.items()],
        "categories": risk.CATEGORIES,
        "templates": risk.TEMPLATES,
    }


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def rule_list(request):
    user = request.user
    values = {"name": "", "expression": "", "description": "", "model_tag": ""}
    template = request.GET.get("template", "")
    if template in risk.TEMPLATES:
        values |= {**risk.TEMPLATES[template], "model_tag": template}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            rule = risk.do_save_rule(actor=user, **values)
        except InvalidInput as exc:
            problems = {p.field: p.message for p in exc.problems}
            status = 400
        else:
            messages.success(request, _("规则已保存为草稿，请回测后提交启用"))
            return redirect("supervision:rule", pk=rule.pk)
    context = {
        "rules": queries.rules_for(user)[:100],
        "values": values,
        "problems": problems,
        "may_write": permissions.department_of(user) is not None,
        **_rule_help(),
    }
    return render(request, "supervision/core/rules.html", context, status=status)


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def rule_detail(request, pk: int):
    user = request.user
    rule = risk.access_rule(user, pk)
    problems: dict[str, str] = {}
    status = 200
    values = {
        "name": rule.name,
        "expression": rule.expression,
        "description": rule.description,
        "model_tag": rule.model_tag,
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                values = {k: request.POST.get(k, "") for k in values}
                risk.do_save_rule(actor=user, rule_id=rule.pk, **values)
                messages.success(request, _("规则已保存"))
            elif action == "backtest":
                risk.do_backtest_rule(actor=user, rule_id=rule.pk)
                messages.success(request, _("已完成历史回测"))
            elif action == "activate":
                risk.do_activate_rule(actor=user, rule_id=rule.pk)
                messages.success(request, _("规则已启用"))
            elif action == "retire":
                risk.do_retire_rule(actor=user, rule_id=rule.pk)
                messages.success(request, _("规则已停用"))
            else:
                raise InvalidInput.field("action", _("未知的操作"))
        except InvalidInput as exc:
            if action != "save":
                _refused(request, exc)
                return not_done(redirect("supervision:rule", pk=rule.pk))
            problems = {p.field: p.message for p in exc.problems}
            status = 400
        except (Conflict, Forbidden) as exc:
            _refused(request, exc)
            return not_done(redirect("supervision:rule", pk=rule.pk))
        else:
            return redirect("supervision:rule", pk=rule.pk)
    context = {
        "rule": rule,
        "values": values,
        "problems": problems,
        "editable": rule.state == RuleState.DRAFT,
        "may_activate": permissions.is_department_admin(user, rule.department_id),
        **_rule_help(),
    }
    return render(request, "supervision/core/rule.html", context, status=status)


# --- Alerts --------------------------------------------------------------------------------------------------


@require_GET
@supervisor_required
def alert_list(request):
    state = request.GET.get("state", "")
    state = state if state in AlertState.values else ""
    page = Paginator(queries.alerts_for(request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "supervision/core/alerts.html", {"page": page, "state": state, "states": AlertState.choices}
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def alert_detail(request, pk: int):
    user = request.user
    alert = risk.access_alert(user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        try:
            if action == "dismiss":
                risk.do_dismiss_alert(actor=user, alert_id=alert.pk, reason=reason)
                messages.success(request, _("预警已排除"))
            elif action == "watch":
                risk.do_watch_alert(actor=user, alert_id=alert.pk, reason=reason)
                messages.success(request, _("已标记为持续关注"))
            elif action == "task":
                partners = [p for p in (_int(x) for x in request.POST.getlist("partners")) if p]
                alert = risk.do_task_from_alert(
                    actor=user, alert_id=alert.pk, partner_department_ids=partners, reason=reason
                )
                messages.success(request, _("已发起联合监管任务"))
                return redirect("supervision:task", pk=alert.task_id)
            else:
                raise InvalidInput.field("action", _("未知的操作"))
        except (InvalidInput, Conflict, Forbidden) as exc:
            _refused(request, exc)
            return not_done(redirect("supervision:alert", pk=alert.pk))
        return redirect("supervision:alert", pk=alert.pk)
    departments = core_queries.departments().exclude(pk=alert.rule.department_id).order_by("name")[:200]
    return render(request, "supervision/core/alert.html", {"alert": alert, "departments": departments})
