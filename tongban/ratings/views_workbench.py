"""The 好差评 workbench (/ratings/workbench/): bad ratings and their rectification (核实 by the
platform, 整改 and 答复, 回访, 申诉 and its four-eyes decision), service windows (take a window,
show the QR code), and the detailed indicators. Staff only; objects outside one's reach are 404."""

from __future__ import annotations

from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.idempotency import once_per_form

from . import common, queries, services
from .enums import Reason, RectState, Scope
from .views import BY, _errors, _period

PAGE = 30


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            return redirect_to_login(request.get_full_path())
        if not common.may_use_workbench(request.user):
            raise Forbidden(_("好差评工作台仅供部门工作人员和平台管理员使用"))
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _wb(request, template: str, context: dict, status: int = 200):
    context.setdefault("is_platform_admin", common.is_platform_admin(request.user))
    return render(request, template, context, status=status)


@staff_required
@require_GET
def index(request):
    state = request.GET.get("state", "open")
    if state not in ("open", "", *RectState.values):
        raise InvalidInput.field("state", _("状态不正确"))
    rows = queries.rectifications_for(request.user, state=state)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    department = common.department_of(request.user)
    figures = (
        queries.totals(Scope.DEPARTMENT, department)
        if department and not common.is_platform_admin(request.user)
        else queries.totals(Scope.REGION, "420000")
    )
    context = {"page": page, "state": state, "states": RectState.choices, "figures": figures}
    return _wb(request, "ratings/wb/index.html", context)


def _rect_context(request, rect, **extra) -> dict:
    user = request.user
    unit = common.is_unit_staff(user, rect.department_id)
    admin = common.is_platform_admin(user)
    pending = queries.pending_appeal(rect)
    return {
        "rect": rect,
        "rating": rect.rating,
        "appeals": list(queries.appeals_of(rect).select_related("requested_by", "decided_by")),
        "pending": pending,
        "may_verify": admin and rect.state == RectState.VERIFYING,
        "may_reply": unit and rect.state == RectState.RECTIFYING,
        "may_callback": (unit or admin) and rect.state == RectState.REPLIED,
        "may_appeal": unit and rect.state in (RectState.VERIFYING, RectState.RECTIFYING),
        "may_decide": admin
        and pending is not None
        and user.pk not in (pending.requested_by_id, rect.verified_by_id),
        "errors": {},
        "values": {},
        "reasons": dict(Reason.choices),
    } | extra


@staff_required
@require_GET
def rect(request, pk: int):
    found = queries.rectification_for(request.user, pk)
    return _wb(request, "ratings/wb/rect.html", _rect_context(request, found))


ACTIONS = ("verify", "reply", "callback", "appeal", "approve", "refuse")


@staff_required
@require_POST
@once_per_form
def rect_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404()
    found = queries.rectification_for(request.user, pk)
    user, post = request.user, request.POST
    try:
        if action == "verify":
            services.do_verify(actor=user, rect_id=found.pk, note=post.get("note", ""))
            done = _("已核实，办理单位须在期限内整改。")
        elif action == "reply":
            services.do_reply(
                actor=user, rect_id=found.pk, measures=post.get("measures", ""), reply=post.get("reply", "")
            )
            done = _("已整改答复评价人。")
        elif action == "callback":
            services.do_callback(actor=user, rect_id=found.pk, note=post.get("note", ""))
            done = _("已记录回访情况。")
        elif action == "appeal":
            services.do_appeal(
                actor=user, rect_id=found.pk, reason=post.get("reason", ""), evidence=post.get("evidence", "")
            )
            done = _("申诉已提交，待平台审核。")
        else:
            appeal = queries.pending_appeal(found)
            if appeal is None:
                raise InvalidInput.field("appeal", _("没有待审核的申诉"))
            services.do_decide_appeal(
                actor=user, appeal_id=appeal.pk, approve=action == "approve", note=post.get("note", "")
            )
            done = _("申诉通过，该评价已撤销。") if action == "approve" else _("申诉不通过，继续整改。")
    except InvalidInput as exc:
        found = queries.rectification_for(user, pk)
        context = _rect_context(request, found, errors=_errors(exc), values=post.dict(), failed=action)
        return _wb(request, "ratings/wb/rect.html", context, status=400)
    messages.success(request, done)
    return redirect("ratings:wb_rect", pk=pk)


@staff_required
@require_GET
def rankings(request):
    by = request.GET.get("by", "dept")
    if by not in BY:
        raise InvalidInput.field("by", _("请选择按部门、地区或事项"))
    level = request.GET.get("level", "2")
    if by == "region" and level not in ("1", "2", "3"):
        raise InvalidInput.field("level", _("地区层级为1（省）、2（市）或3（县）"))
    since = _period(request.GET.get("from", ""), "from")
    until = _period(request.GET.get("to", ""), "to")
    lines = queries.ranking(BY[by], level=int(level) if by == "region" else None, since=since, until=until)
    context = {"by": by, "level": level, "lines": lines[:500], "since": since, "until": until}
    return _wb(request, "ratings/wb/rankings.html", context)


@staff_required
@require_GET
def windows(request):
    context = {
        "windows": list(queries.windows_for(request.user)),
        "departments": core_queries.departments().order_by("region_id", "name")
        if common.is_platform_admin(request.user)
        else None,
        "errors": {},
        "values": {},
    }
    return _wb(request, "ratings/wb/windows.html", context)


@staff_required
@require_POST
@once_per_form
def window_new(request):
    post = request.POST
    department = post.get("department", "") or common.department_of(request.user)
    try:
        services.do_create_window(
            actor=request.user, code=post.get("code", ""), name=post.get("name", ""), department_id=department
        )
    except InvalidInput as exc:
        context = {
            "windows": list(queries.windows_for(request.user)),
            "departments": core_queries.departments().order_by("region_id", "name")
            if common.is_platform_admin(request.user)
            else None,
            "errors": _errors(exc),
            "values": post.dict(),
        }
        return _wb(request, "ratings/wb/windows.html", context, status=400)
    messages.success(request, _("服务窗口已设置。"))
    return redirect("ratings:wb_windows")


@staff_required
@require_POST
@once_per_form
def window_take(request, code: str):
    services.do_take_window(actor=request.user, code=code)
    messages.success(request, _("您已在该窗口服务，评价屏将显示您受理的办件。"))
    return redirect("ratings:wb_windows")


@staff_required
@require_POST
def window_qr(request, code: str):
    """The QR code of a single-use link to rate the last service at the clerk's window (shown
    on the clerk's screen for the applicant's phone; valid for half an hour)."""
    number, token = services.do_show_qr(actor=request.user, code=code)
    url = request.build_absolute_uri(f"/ratings/t/{token}/")
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("扫码评价"))
    context = {"number": number, "code": code, "qr": mark_safe(svg)}
    return _wb(request, "ratings/wb/qr.html", context)
