"""Workbench pages for share requests and grants (/exchange/workbench/...): outgoing requests and
the new-request form from a catalogue entry, incoming requests to decide (working days left,
overdue marked), grants with suspend/resume/revoke and renew, the platform administrators'
escalated list. Thin: every write is one call to `grants`, which decides who may do what."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import grants
from .enums import Purpose, RequestState, Sensitivity

PAGE_SIZE = 25


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _page(request, template: str, context: dict, status: int = 200):
    if "is_platform_admin" not in context:
        context["is_platform_admin"] = grants.is_platform_admin(request.user)
    if context["is_platform_admin"] and "escalated_count" not in context:
        context["escalated_count"] = grants.escalated_requests(request.user).count()
    return render(request, template, context, status=status)


def _annotate(reqs, *, on=None):
    """Working days left (negative when overdue) for the requests still waiting."""
    rows = list(reqs)
    for r in rows:
        r.days_left = grants.working_days_left(r, on=on) if r.state in grants.OPEN_STATES else None
        r.overdue_days = -r.days_left if r.days_left is not None and r.days_left < 0 else 0
    return rows


# --- Requests ----------------------------------------------------------------------------------


@staff_required
@require_GET
def requests_home(request):
    user = request.user
    outgoing = Paginator(grants.outgoing_requests(user), PAGE_SIZE).get_page(request.GET.get("page"))
    incoming = _annotate(grants.incoming_requests(user, open_only=True)[:200])
    text = request.GET.get("q", "").strip()[:40]
    may = grants.may_request(user)
    resources = (
        Paginator(grants.requestable_resources(user, text), PAGE_SIZE).get_page(request.GET.get("rpage"))
        if may
        else None
    )
    return _page(
        request,
        "exchange/grants/requests.html",
        {
            "outgoing": outgoing,
            "incoming": incoming,
            "may_request": may,
            "resources": resources,
            "q": text,
            "is_platform_admin": grants.is_platform_admin(user),
        },
    )


def _field_rows(resource, chosen) -> list[dict]:
    labels = dict(Sensitivity.choices)
    return [
        {
            "key": f["key"],
            "name": f.get("name", f["key"]),
            "type": f.get("type", ""),
            "sensitivity": f.get("sensitivity", ""),
            "sensitivity_label": labels.get(f.get("sensitivity", ""), f.get("sensitivity", "")),
            "checked": f["key"] in chosen,
        }
        for f in grants.requestable_fields(resource)
    ]


@staff_required
@once_per_form
def request_new(request, code: str):
    """The new-request form for a catalogue entry (`?renew=<grant id>` pre-fills a renewal)."""
    user = request.user
    grants.check_may_request(user, code)
    resource = grants.requestable_resource(code)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {
            "code": resource.code,
            "client_id": request.POST.get("client_id", ""),
            "fields": request.POST.getlist("fields"),
            "purpose": request.POST.get("purpose", ""),
            "purpose_codes": request.POST.getlist("purpose_codes"),
            "legal_basis": request.POST.get("legal_basis", ""),
            "serves": request.POST.get("serves", ""),
            "valid_until": request.POST.get("valid_until", ""),
            "expected_daily_calls": request.POST.get("expected_daily_calls", ""),
        }
        try:
            req = grants.do_submit_request(actor=user, data=grants.RequestInput(**values))
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            req.refresh_from_db()
            if req.state == RequestState.APPROVED:
                messages.success(request, _("无条件共享资源，申请已自动同意，授权已生效。"))
            else:
                messages.success(request, _("申请已提交，提供部门应在答复期限内审核。"))
            return redirect("exchange:request", pk=req.pk)
    else:
        values = {"fields": [], "purpose_codes": [], "serves": ""}
        renew = request.GET.get("renew", "")
        if renew.isdigit():
            values = grants.renewal_initial(user, int(renew))
            if values["code"] != resource.code:
                raise NotFound()
            values["serves"] = "\n".join(values["serves"])
    return _page(
        request,
        "exchange/grants/request_new.html",
        {
            "resource": resource,
            "values": values,
            "errors": errors,
            "field_rows": _field_rows(resource, values.get("fields") or []),
            "purposes": [
                (v, label, v in (values.get("purpose_codes") or [])) for v, label in Purpose.choices
            ],
            "systems": grants.calling_systems(user),
            "decision_days": grants.decision_days(),
        },
        status=status,
    )


@staff_required
@require_GET
def request_detail(request, pk: int):
    user = request.user
    req = grants.access_request(user, pk)
    _annotate([req])
    return _render_request(request, req)


def _render_request(request, req, *, errors=None, values=None, status=200):
    user = request.user
    open_ = req.state in grants.OPEN_STATES
    grant = getattr(req, "grant", None) if req.state == RequestState.APPROVED else None
    return _page(
        request,
        "exchange/grants/request.html",
        {
            "req": req,
            "grant": grant,
            "fields": _field_rows(req.resource, req.fields),
            "purposes": dict(Purpose.choices),
            "may_decide": open_ and grants.may_decide(user, req),
            "may_withdraw": open_ and grants.may_withdraw(user, req),
            "history": grants.history(req),
            "errors": errors or {},
            "values": values or {},
        },
        status=status,
    )


@staff_required
@require_POST
@once_per_form
def request_approve(request, pk: int):
    values = {
        "fields": request.POST.getlist("fields"),
        "purpose_codes": request.POST.getlist("purpose_codes"),
        "rate_limit": request.POST.get("rate_limit", ""),
        "expires_on": request.POST.get("expires_on", ""),
        "reason": request.POST.get("reason", ""),
    }
    try:
        grant = grants.do_approve_request(actor=request.user, pk=pk, **values)
    except InvalidInput as exc:
        req = grants.access_request(request.user, pk)
        _annotate([req])
        return _render_request(request, req, errors=_errors(exc), values=values, status=400)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("exchange:request", pk=pk)
    messages.success(request, _("已同意，授权已生效。"))
    return redirect("exchange:grant", pk=grant.pk)


@staff_required
@require_POST
@once_per_form
def request_refuse(request, pk: int):
    reason = request.POST.get("refuse_reason", "")
    try:
        grants.do_refuse_request(actor=request.user, pk=pk, reason=reason)
    except InvalidInput as exc:
        req = grants.access_request(request.user, pk)
        _annotate([req])
        errors = {"refuse_reason": _errors(exc).get("reason", exc.message)}
        return _render_request(request, req, errors=errors, values={"refuse_reason": reason}, status=400)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("exchange:request", pk=pk)
    messages.success(request, _("已拒绝该申请。"))
    return redirect("exchange:request", pk=pk)


@staff_required
@require_POST
@once_per_form
def request_withdraw(request, pk: int):
    try:
        grants.do_withdraw_request(actor=request.user, pk=pk)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("exchange:request", pk=pk)


@staff_required
@require_GET
def escalated(request):
    if not grants.is_platform_admin(request.user):
        raise NotFound()
    rows = _annotate(grants.escalated_requests(request.user)[:500])
    return _page(request, "exchange/grants/escalated.html", {"rows": rows, "escalated_count": len(rows)})


# --- Grants ------------------------------------------------------------------------------------


@staff_required
@require_GET
def grants_home(request):
    user = request.user
    sides = ["held", "given"] + (["all"] if grants.is_platform_admin(user) else [])
    side = request.GET.get("side", "held")
    if side not in sides:
        side = "held"
    page = Paginator(grants.grants_of(user, side=side), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {"held": _("本部门获得的授权"), "given": _("本部门提供的授权"), "all": _("全部授权")}
    return _page(
        request,
        "exchange/grants/grants.html",
        {"page": page, "side": side, "sides": [(s, labels[s]) for s in sides]},
    )


def _render_grant(request, grant, *, errors=None, status=200):
    user = request.user
    live = grant.state in grants.LIVE_GRANT_STATES
    return _page(
        request,
        "exchange/grants/grant.html",
        {
            "grant": grant,
            "fields": _field_rows(grant.resource, grant.fields),
            "purposes": dict(Purpose.choices),
            "may_manage": live and grants.may_manage_grant(user, grant),
            "may_renew": grants.may_request(user) and user.department_id == grant.department_id,
            "history": grants.history(grant),
            "errors": errors or {},
        },
        status=status,
    )


@staff_required
@require_GET
def grant_detail(request, pk: int):
    return _render_grant(request, grants.access_grant(request.user, pk))


@staff_required
@require_POST
@once_per_form
def grant_action(request, pk: int, action: str):
    user = request.user
    reason = request.POST.get("reason", "")
    try:
        if action == "suspend":
            grants.do_suspend_grant(actor=user, pk=pk, reason=reason)
            messages.success(request, _("授权已暂停。"))
        elif action == "resume":
            grants.do_resume_grant(actor=user, pk=pk)
            messages.success(request, _("授权已恢复。"))
        elif action == "revoke":
            grants.do_revoke_grant(actor=user, pk=pk, reason=reason)
            messages.success(request, _("授权已撤销。"))
        else:
            raise NotFound()
    except InvalidInput as exc:
        grant = grants.access_grant(user, pk)
        return _render_grant(
            request, grant, errors={action: _errors(exc).get("reason", exc.message)}, status=400
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("exchange:grant", pk=pk)
