"""The public and the rater's pages under /ratings/: 我的评价, the rating form (一事一评), a link's
form (SMS/QR), the hall screen (一次一评) and the public figures. Thin: parse, call one service
or query, render. Refusals are domain errors (404 for what is not the caller's, 409 for a state
that does not allow it), rendered by the project's middleware; bad input shows the form again
with the fields named (400), nothing written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.idempotency import once_per_form

from . import common, forms, hall, links, queries, services
from .enums import Node, Scope
from .rating import require_concluded, subject_of

SCREEN_COOKIE = "tb_rating_screen"


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def mine(request):
    """我的评价: what awaits the person's rating, and the ratings given (with rectification replies).
    Anyone else sees what 好差评 is and where the public figures are."""
    context: dict = {"is_person": common.is_person(request.user)}
    if context["is_person"]:
        rows = list(queries.ratings_of(request.user)[:100])
        for r in rows:
            r.changeable = queries.may_change(r)
            r.rect = getattr(r, "rectification", None)
        context |= {"pending": list(queries.pending_of(request.user)[:100]), "rows": rows, **forms.choices()}
    return _private(render(request, "ratings/mine.html", context))


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def rate(request, kind: str, ref: str):
    """The rating form of one subject (the 办结 node), or its one change."""
    subject = subject_of(request.user, kind, ref)
    require_concluded(subject)
    existing = queries.rating_of(kind, ref)
    if existing is not None and not queries.may_change(existing):
        messages.info(request, _("您已评价过该事项。"))
        return redirect("ratings:mine")
    values, errors, status = {"level": "", "reasons": [], "text": ""}, {}, 200
    if request.method == "POST":
        values = forms.posted(request.POST)
        try:
            if existing is None:
                services.do_rate(actor=request.user, kind=kind, ref=ref, node=Node.CONCLUDE, **values)
            else:
                services.do_change_rating(
                    actor=request.user, kind=kind, ref=ref, node=Node.CONCLUDE, **values
                )
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("ratings:mine")
    context = {
        "subject": subject,
        "existing": existing,
        "values": values,
        "errors": errors,
        **forms.choices(),
    }
    return _private(render(request, "ratings/rate.html", context, status=status))


@login_required
@require_POST
@once_per_form
def rate_fix(request, pk: int):
    """The rater rates the rectification after the unit's reply."""
    services.do_rate_fix(actor=request.user, rect_id=pk, level=request.POST.get("level", ""))
    messages.success(request, _("已评价整改结果，感谢您的监督。"))
    return redirect("ratings:mine")


@never_cache
@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """A link from an SMS or a QR code: rate without signing in, once."""
    found = links.find(token)
    subject = links.subject_of_link(found)
    values, errors, status = {"level": "", "reasons": [], "text": ""}, {}, 200
    if request.method == "POST":
        values = forms.posted(request.POST)
        try:
            services.do_rate_with_link(token=token, **values)
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            return render(request, "ratings/thanks.html", {})
    context = {"subject": subject, "link": found, "values": values, "errors": errors, **forms.choices()}
    return render(request, "ratings/link.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def hall_screen(request, code: str):
    """The window's screen (一次一评): the service just given, to rate at once. Paired screens only;
    staff of the hall see the button that pairs this browser."""
    window = hall.get_window(code)
    key = request.get_signed_cookie(SCREEN_COOKIE, default="", salt=f"ratings.screen.{window.code}")
    paired = hall.screen_paired(window, key)
    may_pair = common.is_unit_staff(request.user, window.department_id)
    number = hall.served_case(window) if paired else None
    values, errors, status = {"level": "", "reasons": [], "text": ""}, {}, 200
    if request.method == "POST":
        if not paired:
            raise Forbidden(_("该屏幕未绑定此窗口，请由窗口工作人员绑定后使用"))
        values = forms.posted(request.POST)
        try:
            services.do_rate_at_window(
                code=code, screen_key=key, case_number=request.POST.get("case", ""), **values
            )
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("ratings:hall", code=code)
    context = {
        "window": window,
        "paired": paired,
        "may_pair": may_pair,
        "number": number,
        "values": values,
        "errors": errors,
        **forms.choices(),
    }
    return render(request, "ratings/hall.html", context, status=status)


@login_required
@require_POST
def hall_pair(request, code: str):
    """Staff of the hall pair this browser as the window's screen (the cookie keeps the key)."""
    key = services.do_pair_screen(actor=request.user, code=code)
    response = redirect("ratings:hall", code=code)
    response.set_signed_cookie(
        SCREEN_COOKIE,
        key,
        salt=f"ratings.screen.{code}",
        max_age=365 * 24 * 3600,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
        path=f"/ratings/hall/{code}/",
    )
    return response


BY = {"dept": Scope.DEPARTMENT, "region": Scope.REGION, "item": Scope.ITEM}


def _period(value: str, field: str) -> str:
    value = (value or "").strip()
    if value and not (len(value) == 6 and value.isdigit() and 1 <= int(value[4:]) <= 12):
        raise InvalidInput.field(field, _("月份格式为YYYYMM，例如202610"))
    return value


@require_GET
def public(request):
    """The public figures (what the national platform shows): per department, region (cities of
    the province) or item, from the rollups."""
    by = request.GET.get("by", "dept")
    if by not in BY:
        raise InvalidInput.field("by", _("请选择按部门、地区或事项"))
    since = _period(request.GET.get("from", ""), "from")
    until = _period(request.GET.get("to", ""), "to")
    level = 2 if by == "region" else None
    lines = queries.ranking(BY[by], level=level, since=since, until=until)
    province = queries.totals(Scope.REGION, "420000", since=since, until=until)
    context = {"by": by, "lines": lines[:200], "province": province, "since": since, "until": until}
    return render(request, "ratings/public.html", context)
