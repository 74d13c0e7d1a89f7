"""The citizen's 12345 pages under /hotline/: the 留言 form (signed in, or anonymous with a
mobile and its SMS code), 我的诉求, a ticket's page (with the 好差评 prompt) and the anonymous
follow-up by number and SMS code. Thin: `portal_intake` and `queries` decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.accounts import queries as account_queries
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import deadlines, portal_intake, queries
from .enums import Category, TicketKind, TicketState

FIELDS = ("kind", "category", "text", "address", "region_code", "contact_name", "contact_phone")


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def has_template(name: str) -> bool:
    """Another part's include (the rating prompt, the knowledge-base assist) may not be merged yet."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _form_context(request, values: dict, errors: dict, **extra) -> dict:
    return {
        "values": values,
        "errors": errors,
        "kinds": TicketKind.choices,
        "categories": Category.choices,
        "signed_in_person": account_queries.is_person(request.user),
    } | extra


@never_cache
@require_http_methods(["GET", "POST"])
@once_per_form
def home(request):
    """/hotline/: the 留言 form; a signed-in person's tickets are a click away (我的诉求)."""
    values: dict = {"kind": TicketKind.CONSULT}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in FIELDS}
        try:
            ticket = portal_intake.do_leave_message(
                actor=request.user,
                ip=_ip(request),
                code=request.POST.get("code", ""),
                anonymous_to_unit=request.POST.get("anonymous_to_unit") == "1",
                channel="mobile" if request.POST.get("channel") == "mobile" else "web",
                **values,
            )
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(
                request,
                _("您的诉求已受理，工单编号 %(n)s。请记下编号，凭编号和手机号可查询办理进度。")
                % {"n": ticket.number},
            )
            if account_queries.is_person(request.user):
                return redirect("hotline:ticket", number=ticket.number)
            return redirect("hotline:follow")
    context = _form_context(request, values, errors)
    return _private(render(request, "hotline/portal/home.html", context, status=status))


@never_cache
@require_POST
def send_code(request):
    """Send the SMS code for an anonymous 留言 or follow-up; the page comes back with the number
    kept in its field (never in the address)."""
    mobile = request.POST.get("contact_phone", "")
    target = request.POST.get("next") == "follow"
    errors: dict = {}
    status = 200
    try:
        portal_intake.send_code(mobile=mobile, ip=_ip(request))
    except InvalidInput as exc:
        errors, status = _errors(exc), 400
    else:
        messages.info(request, _("验证码已发送，5分钟内有效。"))
    values = {k: request.POST.get(k, "") for k in FIELDS}
    if target:
        context = {"values": values, "errors": errors, "result": None}
        return _private(render(request, "hotline/portal/follow.html", context, status=status))
    return _private(
        render(request, "hotline/portal/home.html", _form_context(request, values, errors), status=status)
    )


@require_GET
@login_required
def mine(request):
    """我的诉求: the signed-in person's tickets, newest first (keyset pages)."""
    after = request.GET.get("after", "")
    page = queries.tickets_page(
        citizen_id=request.user.pk, after=int(after) if after.isdigit() else None, limit=20
    )
    return _private(render(request, "hotline/portal/mine.html", {"page": page}))


@require_GET
@login_required
def ticket_page(request, number: str):
    ticket = queries.ticket_by_number(number)
    if ticket is None or ticket.citizen_id != request.user.pk:
        raise Http404()
    context = {
        "ticket": ticket,
        "public": queries.public_ticket(ticket.number),
        "events": queries.events_of(ticket, public_only=True),
        "clock": deadlines.clock_of(ticket),
        "concluded": ticket.state in (TicketState.CLOSED, TicketState.VISITED, TicketState.RATED),
        "has_rating_prompt": has_template("ratings/_prompt.html"),
    }
    return _private(render(request, "hotline/portal/ticket.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request):
    """Anonymous follow-up: number + mobile + SMS code (a read: nothing is written but the code's
    use, so the form is exempt from the one-time token)."""
    values = {k: request.POST.get(k, "") for k in ("number", "contact_phone")}
    errors: dict = {}
    result = None
    status = 200
    if request.method == "POST":
        try:
            result = portal_intake.follow_up(
                number=values["number"],
                mobile=values["contact_phone"],
                code=request.POST.get("code", ""),
                ip=_ip(request),
            )
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        except NotFound as exc:
            errors, status = {"number": exc.message}, 404
    context = {"values": values, "errors": errors, "result": result}
    return _private(render(request, "hotline/portal/follow.html", context, status=status))
