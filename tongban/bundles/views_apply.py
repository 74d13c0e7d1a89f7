"""The applicant's pages of a bundle (thin: read the request, call one service, render):

- `/bundles/<code>/apply/`: the questionnaire (情形引导, a GET form), then the combined form (一表
  申请): the shared fields once, each applicable member's own fields, the materials de-duplicated
  (one upload per shared material; 免提交 for a licence held, or "由本次联办自动获取" for one a
  member of this bundle will issue). A POST submits the bundle once (one-time form token and an
  idempotency key) and redirects to its status page.
- `/bundles/applications/`: my bundles (linked from 我的办件); `/bundles/applications/<number>/`:
  the one status page (every member's state, department, deadline and result, the bundle's own
  promised date), with the withdrawal and the pickup choice (POST forms).
- `/bundles/applications/window/`: the 综合窗口 clerk's desk: the themes of the hall's region to
  apply for the person being served (identified on the cases' window desk), and 综合窗口出件:
  complete bundles of the hall's region, handed over in one pickup (the applicant's code) or
  posted in one parcel.
- `/bundles/<code>/window/`: the same questionnaire and combined form, filled by the clerk for
  that person (channel 窗口, the clerk recorded as submitter; the status page is theirs too).
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.accounts import queries as account_queries
from tongban.cases import services as case_services
from tongban.cases import window_desk
from tongban.cases.enums import Channel
from tongban.core.errors import DomainError, Forbidden, InvalidInput
from tongban.core.idempotency import once_per_form

from . import progress, queries_fanout, submission

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MOBILE_HINTS = ("Mobile", "Android", "iPhone", "iPad", "HarmonyOS", "MicroMessenger")


def _signed_in(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def person_required(view):
    @_signed_in
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not account_queries.is_person(request.user):
            raise Forbidden(_("网上申报面向个人和企业用户；工作人员请使用综合窗口"))
        return view(request, *args, **kwargs)

    return wrapper


def _channel(request) -> str:
    declared = request.POST.get("channel", "")
    if declared in (Channel.PC, Channel.MOBILE):
        return declared
    if request.headers.get("Sec-CH-UA-Mobile") == "?1":
        return Channel.MOBILE
    agent = request.headers.get("User-Agent", "")
    return Channel.MOBILE if any(h in agent for h in MOBILE_HINTS) else Channel.PC


def _answers(theme, source) -> dict:
    return {q.key: source.get(q.key, "") for q in theme.spec.questions if source.get(q.key, "")}


def _field_rows(fields, values: dict, problems: dict, prefix: str) -> list[dict]:
    rows = []
    for f in fields:
        name = f["name"] if isinstance(f, dict) else f.key
        kind = f.get("type", "text") if isinstance(f, dict) else f.type
        problem_key = name if prefix == "s_" else f"{prefix[:-2]}.{name}"
        rows.append(
            {
                "id": f"f-{prefix}{name}".replace(".", "-"),
                "name": f"{prefix}{name}",
                "label": f.get("label", name) if isinstance(f, dict) else f.label,
                "type": kind,
                "required": bool(f.get("required") if isinstance(f, dict) else f.required),
                "choices": [
                    c if isinstance(c, dict) else {"value": c, "label": c}
                    for c in (f.get("choices", []) if isinstance(f, dict) else [])
                ],
                "input_type": {"mobile": "tel", "email": "email", "date": "date", "number": "number"}.get(
                    kind, "text"
                ),
                "value": values.get(name, ""),
                "error": problems.get(problem_key, ""),
            }
        )
    return rows


def _context(
    request, theme, plan, *, shared: dict, own: dict, problems: dict, error: str = "", applicant=None
) -> dict:
    members = []
    for m in plan.members:
        values = own.get(m.key) or case_services.prefilled_form(applicant or request.user, m.item)
        materials = []
        for line in m.materials:
            materials.append(
                {
                    "name": line.material.name,
                    "how": line.how,
                    "key": line.key,
                    "required": line.required,
                    "produced_by": plan.member(line.produced_by).item.name if line.produced_by else "",
                    "error": problems.get(line.key, "") if line.how == submission.UPLOAD else "",
                }
            )
        members.append(
            {
                "key": m.key,
                "item": m.item,
                "fields": _field_rows(m.own_fields, values, problems, f"{m.key}__"),
                "materials": materials,
                "requires": [plan.member(r["member"]).item.name for r in m.requires],
            }
        )
    shared_materials = [
        {
            "key": s.key,
            "name": s.name,
            "how": s.how,
            "required": s.required,
            "members": [plan.member(k).item.name for k in s.members],
            "produced_by": plan.member(s.produced_by).item.name if s.produced_by else "",
            "error": problems.get(s.key, ""),
        }
        for s in plan.shared_materials
    ]
    shared_fields = [
        {"name": f.key, "label": f.label, "type": f.type, "required": f.required} for f in plan.shared_fields
    ]
    return {
        "theme": theme,
        "plan": plan,
        "answers": _answers(theme, request.GET if request.method == "GET" else request.POST),
        "shared_fields": _field_rows(shared_fields, shared, problems, "s_"),
        "members": members,
        "shared_materials": shared_materials,
        "problems": problems,
        "error": error,
        "accept": ACCEPT,
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "window_applicant": applicant,
    }


def _problems(exc: DomainError) -> dict:
    out = {p.field: p.message for p in exc.problems}
    return out or {"__all__": exc.message}


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
@once_per_form
def apply(request, code: str):
    return _apply(request, code)


def _apply(request, code: str, applicant=None):
    """The questionnaire, the combined form and its submission: online for the signed-in person,
    or (`applicant`) at a 综合窗口 by the clerk for the walk-in person."""
    theme = submission.theme_or_404(code)
    source = request.GET if request.method == "GET" else request.POST
    answers = _answers(theme, source)
    page = {"theme": theme, "answers": answers, "window_applicant": applicant}
    if request.method == "GET" and len(answers) < len(theme.spec.questions):
        return render(request, "bundles/apply/questions.html", page)
    who = submission.who_at_window(applicant) if applicant is not None else None
    try:
        plan = submission.plan_application(request.user, theme, answers, who=who)
    except InvalidInput as exc:
        context = {**page, "problems": _problems(exc), "error": exc.message}
        return render(request, "bundles/apply/questions.html", context, status=400)
    if request.method == "GET":
        context = _context(request, theme, plan, shared={}, own={}, problems={}, applicant=applicant)
        return render(request, "bundles/apply/form.html", context)
    shared = {f.key: request.POST.get(f"s_{f.key}", "").strip() for f in plan.shared_fields}
    own = {  # a field left empty takes the identity's value where the form prefills it
        m.key: {
            f["name"]: value
            for f in m.own_fields
            if (value := request.POST.get(f"{m.key}__{f['name']}", "").strip())
        }
        for m in plan.members
    }
    uploads = {}
    for key in plan.upload_keys:
        upload = request.FILES.get(f"f_{key}")
        if upload is not None:
            uploads[key] = submission.Upload(None, upload.name, upload.read(), upload.content_type)
    try:
        bundle = submission.do_submit_bundle(
            actor=request.user,
            theme_code=theme.code,
            answers=answers,
            shared=shared,
            own=own,
            uploads=uploads,
            channel=Channel.WINDOW if applicant is not None else _channel(request),
            applicant_id=applicant.pk if applicant is not None else None,
            idempotency_key=request.POST.get("idempotency_key", "")[:80],
            pickup=request.POST.get("pickup", "window"),
        )
    except DomainError as exc:
        context = _context(
            request,
            theme,
            plan,
            shared=shared,
            own=own,
            problems=_problems(exc),
            error=_("申请未提交：请按提示修改后重新提交"),
            applicant=applicant,
        )
        return render(request, "bundles/apply/form.html", context, status=exc.status)
    if applicant is not None:
        messages.success(request, _("已代为提交：申请人可凭联办件编号查询进度，结果在综合窗口一次领取。"))
    else:
        messages.success(request, _("已提交：各部门将分别办理，进度在本页查看。"))
    return redirect("bundles:application", number=bundle.number)


@never_cache
@_signed_in
@require_GET
def applications(request):
    return render(request, "bundles/apply/mine.html", {"bundles": queries_fanout.bundles_of(request.user)})


@never_cache
@_signed_in
@require_GET
def application(request, number: str):
    status = queries_fanout.bundle_status(number, request.user)
    return render(
        request,
        "bundles/apply/status.html",
        {"status": status, "address": progress.pickup_address(status.bundle) if status.applicant else ""},
    )


@_signed_in
@require_POST
@once_per_form
def withdraw(request, number: str):
    report = progress.do_withdraw_bundle(
        actor=request.user, number=number, reason=request.POST.get("reason", "")
    )
    text = _("已撤回：%(withdrawn)s。") % {"withdrawn": "、".join(report["withdrawn"]) or _("无")}
    if report["decided"]:
        text += _("已作出决定、不能撤回：%(decided)s。") % {"decided": "、".join(report["decided"])}
    messages.success(request, text)
    return redirect("bundles:application", number=number)


@_signed_in
@require_POST
@once_per_form
def pickup_choice(request, number: str):
    try:
        progress.do_choose_pickup(
            actor=request.user,
            number=number,
            method=request.POST.get("pickup", ""),
            address=request.POST.get("address", ""),
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
        response = redirect("bundles:application", number=number)
        response.idempotent_keep = False
        return response
    messages.success(request, _("出件方式已保存。"))
    return redirect("bundles:application", number=number)


def clerk_required(view):
    @_signed_in
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        progress.require_clerk(request.user)
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@clerk_required
@require_http_methods(["GET", "POST"])
@once_per_form
def window(request):
    """综合窗口出件: complete bundles of the hall's region, each handed over at once."""
    if request.method == "POST":
        number = request.POST.get("number", "")
        try:
            progress.do_pickup(
                actor=request.user,
                number=number,
                code=request.POST.get("code", ""),
                tracking_number=request.POST.get("tracking_number", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            response = redirect("bundles:window")
            response.idempotent_keep = False
            return response
        messages.success(request, _("已出件：%(number)s") % {"number": number})
        return redirect("bundles:window")
    return render(
        request,
        "bundles/apply/window.html",
        {
            "ready": queries_fanout.ready_for_pickup(request.user),
            "applicant": window_desk.applicant_of(request),
            "themes": queries_fanout.themes_at_hall(request.user),
        },
    )


@never_cache
@clerk_required
@require_http_methods(["GET", "POST"])
@once_per_form
def window_apply(request, code: str):
    """综合窗口收件: the clerk applies for the person being served at the window desk."""
    applicant = window_desk.applicant_of(request)
    if applicant is None:
        messages.error(request, _("请先在窗口受理页查找或登记申请人"))
        response = redirect("workbench_cases:window")
        response.idempotent_keep = False
        return response
    return _apply(request, code, applicant=applicant)
