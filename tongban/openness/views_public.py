"""Public pages of 政务公开 (no sign-in): the policy library and search (`/openness/`), a policy's
page and its print view, its attachments and graphics, the key-area lists (重点领域公开), and the
penalty workbench of department staff. Thin: parse, call one query or service, render. Bad
filters raise InvalidInput (400, the field named); a policy that is not public is 404."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.idempotency import once_per_form
from tongban.supervision import queries_draw as supervision_draws

from . import keyarea, queries
from .enums import LinkKind, PolicyState, Subject, Validity
from .models_keyarea import PartyKind, PenaltyKind

KEYAREA_PAGE = 20


FILTER_FIELDS = ("q", "issuer", "subject", "from", "to", "sort")


@require_GET
def library(request):
    """The library. Wrong filters show the page again with the fields named (400), nothing searched."""
    error, status = None, 200
    try:
        f = queries.check_filters(request.GET)
    except InvalidInput as exc:
        error, status, f = exc, 400, queries.PolicyFilters()
    result = None if error else queries.search_policies(f)
    context = {
        "f": f,
        "raw": {"q": request.GET.get("q", "")[:100]},
        "error": error,
        "problems": {p.field: p.message for p in error.problems} if error else {},
        "field_ids": FILTER_FIELDS,
        "result": result,
        "subjects": Subject.choices,
        "issuers": queries.issuers(),
        "years": queries.years(),
        "params": f.as_params(),
    }
    return render(request, "openness/public/library.html", context, status=status)


def _policy_context(pk: int) -> dict:
    policy = queries.get_public_policy(pk)
    links = list(policy.links.all())
    return {
        "policy": policy,
        "repealed": policy.state == PolicyState.REPEALED or policy.validity != Validity.VALID,
        "interpretations": list(policy.interpretations.all()),
        "attachments": list(policy.attachments.all()),
        "item_links": [link for link in links if link.kind == LinkKind.ITEM],
        "other_links": [link for link in links if link.kind != LinkKind.ITEM],
    }


@require_GET
def policy(request, pk: int):
    context = _policy_context(pk)
    context["related"] = queries.related_policies(context["policy"])
    return render(request, "openness/public/policy.html", context)


@require_GET
def policy_print(request, pk: int):
    return render(request, "openness/public/policy_print.html", _policy_context(pk))


def _file(field_file, *, name: str, content_type: str, attachment: bool):
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(_("该文件已不存在")) from exc
    response = FileResponse(handle, as_attachment=attachment, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def attachment(request, pk: int, att: int):
    policy = queries.get_public_policy(pk)
    row = next((a for a in policy.attachments.all() if a.pk == att), None)
    if row is None:
        raise NotFound(_("没有找到该附件"))
    return _file(
        row.file, name=row.name, content_type=row.content_type or "application/octet-stream", attachment=True
    )


@require_GET
def graphic(request, pk: int, interp: int):
    policy = queries.get_public_policy(pk)
    row = next((i for i in policy.interpretations.all() if i.pk == interp and i.image), None)
    if row is None:
        raise NotFound(_("没有找到该图解"))
    name = row.image.name.rsplit("/", 1)[-1]
    kind = "image/png" if name.lower().endswith(".png") else "image/jpeg"
    return _file(row.image, name=name, content_type=kind, attachment=False)


# --- Key-area disclosure (重点领域公开) --------------------------------------------------------------


@require_GET
def key_areas(request):
    return render(request, "openness/public/key_areas.html", {})


def _keyarea_page(request, qs):
    raw = request.GET.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 100000:
        raise InvalidInput.field("page", _("页码应为正整数"))
    return Paginator(qs, KEYAREA_PAGE).get_page(int(raw))


def _keyarea_context(request, f) -> dict:
    return {
        "f": f,
        "departments": core_queries.departments(),
    }


@require_GET
def licensing(request):
    f = keyarea.check_list_filters(request.GET)
    page = _keyarea_page(request, keyarea.licensing_results(f))
    departments = core_queries.departments_by_id({row["department_id"] for row in page.object_list})
    rows = [{**row, "department": departments.get(row["department_id"])} for row in page.object_list]
    context = {**_keyarea_context(request, f), "page": page, "rows": rows}
    return render(request, "openness/public/licensing.html", context)


@require_GET
def penalties(request):
    f = keyarea.check_list_filters(request.GET)
    page = _keyarea_page(request, keyarea.public_penalties(f))
    context = {**_keyarea_context(request, f), "page": page, "kind_choices": PenaltyKind.choices}
    return render(request, "openness/public/penalties.html", context)


@require_GET
def inspections(request):
    """双随机抽查结果公示: the 互联网+监管 draws' public plans and latest results (their own
    pages, with the re-checkable draw, are under /supervision/public/)."""
    return render(
        request,
        "openness/public/inspections.html",
        {
            "page": supervision_draws.public_plans(request.GET.get("page", 1)),
            "recent": supervision_draws.recent_results(10),
        },
    )


# --- The penalty workbench (department staff) -----------------------------------------------------


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise NotFound(_("没有找到要访问的内容"))
        return view(request, *args, **kwargs)

    return wrapper


def _penalty_input(post) -> keyarea.PenaltyInput:
    return keyarea.PenaltyInput(
        decision_number=post.get("decision_number", ""),
        party_kind=post.get("party_kind", ""),
        party_name=post.get("party_name", ""),
        party_credit_code=post.get("party_credit_code", ""),
        violation=post.get("violation", ""),
        basis=post.get("basis", ""),
        kinds=tuple(post.getlist("kinds")),
        content=post.get("content", ""),
        fine_yuan=post.get("fine_yuan", ""),
        decided_on=post.get("decided_on", ""),
        publish_until=post.get("publish_until", ""),
    )


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def penalty_workbench(request):
    department_id = request.user.department_id
    if department_id is None or not keyarea.may_enter_penalties(request.user, department_id):
        raise NotFound(_("您没有可维护的行政处罚公示"))
    problems, status, values = [], 200, {}
    if request.method == "POST":
        data = _penalty_input(request.POST)
        try:
            penalty = keyarea.do_publish_penalty(actor=request.user, department_id=department_id, data=data)
        except InvalidInput as exc:
            problems, status, values = exc.problems, 400, data
        else:
            messages.success(request, _("已公示：%(n)s") % {"n": penalty.decision_number})
            return redirect("openness:penalty_workbench")
    context = {
        "department": core_queries.get_department(department_id),
        "rows": keyarea.department_penalties(department_id)[:100],
        "party_kinds": PartyKind.choices,
        "penalty_kinds": PenaltyKind.choices,
        "problems": problems,
        "errors": {p.field: p.message for p in problems},
        "values": values,
    }
    return render(request, "openness/public/penalty_workbench.html", context, status=status)


@require_POST
@staff_required
@once_per_form
def penalty_withdraw(request, pk: int):
    penalty = keyarea.do_withdraw_penalty(actor=request.user, pk=pk, reason=request.POST.get("reason", ""))
    messages.success(request, _("已撤回：%(n)s") % {"n": penalty.decision_number})
    return redirect("openness:penalty_workbench")
