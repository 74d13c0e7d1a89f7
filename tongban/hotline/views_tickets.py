"""The 12345 workbench under /hotline/desk/: the queue (keyset pages over the queue indexes),
phone intake (with the knowledge-base assist), a ticket's page with the actions its state and
the viewer's role allow, the dispatcher's arbitration and extension queues, the metrics.
Thin: every write is one service call, which decides who may do what."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import InvalidInput
from tongban.core.idempotency import once_per_form

from . import deadlines, merge, metrics, permissions, queries, services
from .enums import Category, TicketKind, TicketState, Urgency
from .views_portal import has_template

INTAKE_FIELDS = (
    "kind",
    "category",
    "text",
    "address",
    "region_code",
    "contact_name",
    "contact_phone",
    "urgency",
    "latitude",
    "longitude",
)


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def desk_required(view):
    """Staff of a unit, operators and platform administrators; others: sign in, or 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.may_use_workbench(request.user):
            raise Http404()
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def operator_required(view):
    """The platform's operators and administrators; other staff and people get 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_operator(request.user):
            raise Http404()
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _wb(request, template: str, context: dict, status: int = 200):
    context.setdefault("is_operator", permissions.is_operator(request.user))
    context.setdefault("is_platform_admin", permissions.is_platform_admin(request.user))
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@desk_required
def desk(request):
    user = request.user
    state = request.GET.get("state", "")
    if state and state not in TicketState.values:
        state = ""
    after = request.GET.get("after", "")
    unit = permissions.unit_of(user)
    operator = permissions.is_operator(user)
    if operator and not request.GET.get("unit"):
        page = queries.tickets_page(
            state=state or TicketState.RECEIVED, after=int(after) if after.isdigit() else None
        )
    else:
        page = queries.tickets_page(
            unit_id=unit,
            state=state or None,
            states=None if state else (TicketState.DISPATCHED, TicketState.ACCEPTED),
            after=int(after) if after.isdigit() else None,
        )
    context = {
        "page": page,
        "lines": queries.queue_lines(page.rows),
        "states": TicketState.choices,
        "chosen": state,
        "unit": unit,
        "is_operator": operator,
    }
    return _wb(request, "hotline/tickets/desk.html", context)


@require_http_methods(["GET", "POST"])
@operator_required
@once_per_form
def desk_intake(request):
    """Phone intake (电话受理): the operator keys the call in; the call record counts for 接通率."""
    values: dict = {"kind": TicketKind.CONSULT, "urgency": Urgency.NORMAL}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in INTAKE_FIELDS}
        try:
            ticket = services.do_intake(
                actor=request.user,
                channel="phone",
                anonymous_to_unit=request.POST.get("anonymous_to_unit") == "1",
                **values,
            )
            services.do_record_call(actor=request.user, answered=True, number=ticket.number)
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("已受理，工单编号 %(n)s。") % {"n": ticket.number})
            return redirect("hotline:desk_ticket", number=ticket.number)
    context = {
        "values": values,
        "errors": errors,
        "kinds": TicketKind.choices,
        "categories": Category.choices,
        "urgencies": Urgency.choices,
        "text": values.get("text", ""),
        "has_assist": has_template("hotline/kb/_assist.html"),
    }
    return _wb(request, "hotline/tickets/intake.html", context, status=status)


@require_POST
@operator_required
@once_per_form
def desk_call(request):
    """A missed call (未接通) counts against 接通率; an answered one is counted at intake."""
    services.do_record_call(actor=request.user, answered=request.POST.get("answered") == "1")
    messages.info(request, _("已登记话务记录。"))
    return redirect("hotline:desk_intake")


def _staff_ticket(user, number: str):
    ticket = queries.ticket_by_number(number)
    if ticket is None or not permissions.may_see_as_staff(user, ticket):
        raise Http404()
    return ticket


def _dispatch_targets(user, ticket):
    """The units the viewer may dispatch to: any (the platform), or those under the lead unit."""
    if permissions.is_operator(user) and ticket.state == TicketState.RECEIVED:
        return list(core_queries.departments().select_related("region").order_by("region_id", "name")[:500])
    if permissions.is_lead_staff(user, ticket) and ticket.state == TicketState.ACCEPTED and not ticket.bound:
        current = ticket.unit
        return list(
            core_queries.departments()
            .filter(region_id__startswith=current.region.prefix, region__level__gt=current.region.level)
            .order_by("region_id", "name")[:500]
        )
    return []


def _ticket_context(request, ticket, **extra) -> dict:
    user = request.user
    sees = permissions.sees_reporter(user, ticket)
    operator = permissions.is_operator(user)
    return {
        "ticket": ticket,
        "contact": queries.contact_of(ticket) if sees and operator else None,
        "sees_reporter": sees,
        "clock": deadlines.clock_of(ticket),
        "events": queries.events_of(ticket),
        "units": list(ticket.units.filter(active=True).select_related("department")),
        "is_lead": permissions.is_lead_staff(user, ticket),
        "is_assist": permissions.is_assist_staff(user, ticket),
        "targets": _dispatch_targets(user, ticket),
        "duplicates": merge.suggest_duplicates(ticket)
        if operator and ticket.state == TicketState.RECEIVED
        else [],
        "categories": Category.choices,
        "errors": {},
        "values": {},
        "has_assist": operator
        and ticket.state == TicketState.RECEIVED
        and has_template("hotline/kb/_assist.html"),
        "text": ticket.text,
        "form_id": "form-answer",  # the assist panel's article radios belong to the 直接答复 form
    } | extra


@require_GET
@desk_required
def desk_ticket(request, number: str):
    ticket = _staff_ticket(request.user, number)
    return _wb(request, "hotline/tickets/ticket.html", _ticket_context(request, ticket))


ACTIONS = {
    "dispatch",
    "accept",
    "return",
    "progress",
    "reply",
    "send_back",
    "close",
    "callback",
    "extend",
    "supervise",
    "merge",
    "answer",
    "arbitrate",
}


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@require_POST
@desk_required
@once_per_form
def desk_action(request, number: str, action: str):
    if action not in ACTIONS:
        raise Http404()
    user, post = request.user, request.POST
    ticket = _staff_ticket(user, number)
    try:
        if action == "dispatch":
            services.do_dispatch(
                actor=user,
                number=number,
                unit_id=post.get("unit_id", ""),
                assist_ids=_ids(post.getlist("assist_ids")),
                note=post.get("note", ""),
                category=post.get("category", ""),
            )
            done = _("已派单。")
        elif action == "accept":
            services.do_accept(actor=user, number=number)
            done = _("已签收。")
        elif action == "return":
            services.do_return(actor=user, number=number, reason=post.get("reason", ""))
            done = _("已退回。")
        elif action == "progress":
            services.do_add_progress(actor=user, number=number, note=post.get("note", ""))
            done = _("已记录办理情况。")
        elif action == "reply":
            services.do_reply(actor=user, number=number, reply=post.get("reply", ""))
            done = _("已回复。")
        elif action == "send_back":
            services.do_send_back(actor=user, number=number, reason=post.get("reason", ""))
            done = _("已退回承办单位重新办理。")
        elif action == "close":
            services.do_close(actor=user, number=number)
            done = _("已办结。")
        elif action == "callback":
            services.do_callback(
                actor=user, number=number, solved=post.get("solved") == "1", note=post.get("note", "")
            )
            done = _("已回访。")
        elif action == "extend":
            services.do_request_extension(
                actor=user, number=number, days=post.get("days", ""), reason=post.get("reason", "")
            )
            done = _("延期申请已提交，待派单员审批。")
        elif action == "supervise":
            services.do_supervise(actor=user, number=number, note=post.get("note", ""))
            done = _("已督办。")
        elif action == "merge":
            services.do_merge(actor=user, number=number, into=post.get("into", ""))
            done = _("已合并。")
        elif action == "answer":
            services.do_answer_directly(
                actor=user,
                number=number,
                answer=post.get("answer", ""),
                article_id=post.get("article_id", ""),
            )
            done = _("已直接答复并办结。")
        else:
            services.do_arbitrate(
                actor=user, number=number, unit_id=post.get("unit_id", ""), note=post.get("note", "")
            )
            done = _("已裁定承办单位。")
    except InvalidInput as exc:
        context = _ticket_context(request, ticket, errors=_errors(exc), values=post.dict(), failed=action)
        return _wb(request, "hotline/tickets/ticket.html", context, status=400)
    messages.success(request, done)
    ticket = queries.ticket_by_number(number)
    if not permissions.may_see_as_staff(user, ticket):
        return redirect("hotline:desk")
    return redirect("hotline:desk_ticket", number=number)


@require_GET
@operator_required
def desk_disputes(request):
    return _wb(request, "hotline/tickets/disputes.html", {"disputes": list(queries.open_disputes()[:200])})


@require_http_methods(["GET", "POST"])
@operator_required
@once_per_form
def desk_extensions(request):
    if request.method == "POST":
        ext = request.POST.get("extension", "")
        if not ext.isdigit():
            raise InvalidInput.field("extension", _("请选择要审批的延期申请"))
        services.do_decide_extension(
            actor=request.user, extension_id=int(ext), approve=request.POST.get("approve") == "1"
        )
        messages.success(request, _("已审批延期申请。"))
        return redirect("hotline:desk_extensions")
    return _wb(
        request, "hotline/tickets/extensions.html", {"extensions": list(queries.pending_extensions()[:200])}
    )


@require_GET
@desk_required
def desk_metrics(request):
    """指标 per unit (and summed per level) and per centre, from the rollups."""
    per_unit = metrics.per_unit()
    names = core_queries.departments_by_id(per_unit)
    rows, levels = [], {}
    for dept_id, totals in per_unit.items():
        dept = names.get(dept_id)
        if dept is None:
            continue
        rows.append(
            {
                "name": dept.name,
                "level": dept.region.get_level_display(),
                **metrics.unit_rates(totals),
                **totals,
            }
        )
        level = levels.setdefault(
            dept.region.level,
            {"label": dept.region.get_level_display(), **dict.fromkeys(metrics.UNIT_FIELDS, 0)},
        )
        for f in metrics.UNIT_FIELDS:
            level[f] += totals[f]
    level_rows = [{**v, **metrics.unit_rates(v)} for _, v in sorted(levels.items())]
    centre = metrics.centre_totals()
    context = {
        "rows": sorted(rows, key=lambda r: r["name"]),
        "levels": level_rows,
        "centre": centre,
        "centre_rates": metrics.centre_rates(centre),
    }
    return _wb(request, "hotline/tickets/metrics.html", context)
