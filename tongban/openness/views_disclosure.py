"""Pages of disclosure on request (依申请公开) and public concerns (回应关切). Thin: every write is
one call to `disclosure` or `concerns`, which decide who may do what.

- The applicant's: `/openness/requests/new/` (the form), `/openness/requests/` (my requests),
  `/openness/requests/<pk>/` (the clock with its calculation, 补正, the notice), the notice PDF.
- The public's: `/openness/requests/register/` (anonymised), `/openness/concerns/` and its articles.
- The workbench: `/openness/workbench/requests/` (the body's queue with clock levels),
  `…/<pk>/` (accept, 补正, extension and its approval, answer), `/openness/workbench/concerns/`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.idempotency import once_per_form

from . import concerns, disclosure, disclosure_notice
from . import disclosure_clock as clock
from .enums_disclosure import (
    MAX_EXTENSION_DAYS,
    NEEDS_GROUND,
    AnswerKind,
    ClockLevel,
    ConcernState,
    Delivery,
    ExtensionState,
    InfoForm,
    RequestState,
    WithholdGround,
)

PAGE_SIZE = 20


def _errors(exc: InvalidInput) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _departments():
    return core_queries.departments().order_by("region_id", "name")


# --- The applicant's pages ----------------------------------------------------------------------


@login_required
@once_per_form
def request_new(request):
    """The request form (申请表). Signed in as a person; a legal person's request is made while
    acting for it (the header's acting switch)."""
    who = disclosure.applicant_for(request.user)  # staff, or acting for another person: 403
    errors: dict[str, str] = {}
    status = 200
    values = {"form": InfoForm.ELECTRONIC, "delivery": Delivery.ONLINE}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "") for k in ("department", "description", "purpose", "form", "delivery")
        }
        data = disclosure.RequestInput(
            department_id=values["department"],
            description=values["description"],
            purpose=values["purpose"],
            form=values["form"],
            delivery=values["delivery"],
        )
        try:
            req = disclosure.do_submit_request(actor=request.user, data=data)
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("申请已提交。这是您的申请回执，请记下申请编号。"))
            return redirect("openness:request", pk=req.pk)
    context = {
        "who": who,
        "values": values,
        "errors": errors,
        "departments": _departments(),
        "forms": InfoForm.choices,
        "deliveries": Delivery.choices,
        "chosen_department": str(values.get("department", "") or request.GET.get("department", "")),
    }
    return _private(render(request, "openness/disclosure/request_new.html", context, status=status))


@require_GET
@login_required
def my_requests(request):
    if not disclosure.applicant_side(request.user):
        raise Forbidden(_("工作人员请使用政府信息公开工作台"))
    page = Paginator(disclosure.my_requests(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    on = clock.today()
    rows = list(page.object_list)
    cal = clock.calendar_for(rows, on) if rows else None
    for r in rows:
        r.clock = clock.clock_of(r, on=on, calendar=cal)
    return _private(render(request, "openness/disclosure/my_requests.html", {"page": page, "rows": rows}))


def _applicant_context(request, req, **extra) -> dict:
    return {
        "req": req,
        "clock": clock.clock_of(req),
        "clarifications": list(req.clarifications.order_by("started_on", "id")),
        "open_clarification": disclosure.open_clarification(req),
        "answer": getattr(req, "answer", None),
        "errors": {},
        "values": {},
    } | extra


@require_GET
@login_required
def request_page(request, pk: int):
    req = disclosure.access_as_applicant(request.user, pk)
    return _private(render(request, "openness/disclosure/request.html", _applicant_context(request, req)))


@require_POST
@login_required
@once_per_form
def request_clarify(request, pk: int):
    """The applicant answers the body's 补正 request (the clock runs again)."""
    text = request.POST.get("answer", "")
    try:
        disclosure.do_answer_clarification(actor=request.user, pk=pk, answer=text)
    except InvalidInput as exc:
        req = disclosure.access_as_applicant(request.user, pk)
        context = _applicant_context(request, req, errors=_errors(exc), values={"answer": text})
        return _private(render(request, "openness/disclosure/request.html", context, status=400))
    messages.success(request, _("补正内容已提交，答复期限恢复计算。"))
    return redirect("openness:request", pk=pk)


@require_GET
@login_required
def notice_pdf(request, pk: int):
    """The answer notice (告知书): the applicant and the body's staff only."""
    req = disclosure.access_notice(request.user, pk)
    response = HttpResponse(disclosure_notice.render_pdf(req.answer), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{req.answer.notice_number}.pdf"'
    return _private(response)


# --- The public register ------------------------------------------------------------------------


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@require_GET
def register(request):
    department_id = _int(request.GET.get("department"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in AnswerKind.values else ""
    year = _int(request.GET.get("year"))
    year = year if year and 2000 <= year <= 2199 else None
    rows, counts = disclosure.register(department_id=department_id, kind=kind, year=year)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    table, columns = disclosure.register_table(counts)
    labels = dict(AnswerKind.choices) | {"open": _("办理中")}
    context = {
        "page": page,
        "table": table,
        "columns": [labels[c] for c in columns],
        "kinds": AnswerKind.choices,
        "states": dict(RequestState.choices),
        "kind_labels": dict(AnswerKind.choices),
        "departments": _departments(),
        "chosen": {"department": department_id, "kind": kind, "year": year or ""},
        "total": sum(r["total"] for r in table),
    }
    return render(request, "openness/disclosure/register.html", context)


# --- The workbench ------------------------------------------------------------------------------


def _wb(request, template: str, context: dict, status: int = 200):
    context.setdefault("is_platform_admin", disclosure.is_platform_admin(request.user))
    return render(request, template, context, status=status)


@staff_required
@require_GET
def wb_queue(request):
    user = request.user
    state = request.GET.get("state", "")
    level = request.GET.get("level", "")
    department_id = _int(request.GET.get("department")) if disclosure.is_platform_admin(user) else None
    rows = disclosure.queue(user, department_id=department_id, state=state, level=level)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.shown_applicant = disclosure.masked_applicant(r)
    context = {
        "page": page,
        "states": RequestState.choices,
        "levels": ClockLevel.choices,
        "chosen": {"state": state, "level": level, "department": department_id},
        "departments": _departments() if disclosure.is_platform_admin(user) else None,
        "may_use": disclosure.may_use_workbench(user),
    }
    return _wb(request, "openness/disclosure/wb_queue.html", context)


def _wb_context(request, req, **extra) -> dict:
    user = request.user
    open_state = req.state in (RequestState.RECEIVED, RequestState.PROCESSING)
    pending = disclosure.pending_extensions(req)
    return {
        "req": req,
        "clock": clock.clock_of(req),
        "clarifications": list(req.clarifications.order_by("started_on", "id")),
        "extensions": list(
            req.extensions.order_by("requested_at", "id").select_related("requested_by", "decided_by")
        ),
        "pending": pending,
        "may_decide": disclosure.may_approve_extensions(user, req.department_id),
        "may_accept": req.state == RequestState.RECEIVED,
        "may_clarify": open_state,
        "may_extend": open_state and not req.extension_days and not pending,
        "may_answer": req.state != RequestState.ANSWERED,
        "answer": getattr(req, "answer", None),
        "history": disclosure.history(req),
        "kinds": AnswerKind.choices,
        "grounds": WithholdGround.choices,
        "needs_ground": [k.value for k in NEEDS_GROUND],
        "max_days": MAX_EXTENSION_DAYS,
        "errors": {},
        "values": {},
        "shown_applicant": disclosure.masked_applicant(req),
        "extension_states": dict(ExtensionState.choices),
    } | extra


@staff_required
@require_GET
def wb_request(request, pk: int):
    req = disclosure.access_as_staff(request.user, pk)
    return _wb(request, "openness/disclosure/wb_request.html", _wb_context(request, req))


ACTIONS = ("accept", "clarify", "extend", "approve", "reject", "answer")


@staff_required
@require_POST
@once_per_form
def wb_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404()
    user, post = request.user, request.POST
    try:
        if action == "accept":
            disclosure.do_accept(actor=user, pk=pk)
            done = _("已受理，您是本申请的承办人。")
        elif action == "clarify":
            disclosure.do_ask_clarification(actor=user, pk=pk, question=post.get("question", ""))
            done = _("已要求申请人补正，答复期限暂停计算。")
        elif action == "extend":
            disclosure.do_ask_extension(
                actor=user, pk=pk, days=post.get("days", ""), reason=post.get("reason", "")
            )
            done = _("延期申请已提交，待本机关负责人批准。")
        elif action in ("approve", "reject"):
            extension_id = _int(post.get("extension"))
            if extension_id is None:
                raise InvalidInput.field("extension", _("请选择要审批的延期申请"))
            disclosure.do_decide_extension(
                actor=user,
                pk=pk,
                extension_id=extension_id,
                approve=action == "approve",
                note=post.get("note", ""),
            )
            done = _("已批准延期。") if action == "approve" else _("已不批准延期。")
        else:
            disclosure.do_answer(
                actor=user,
                pk=pk,
                data=disclosure.AnswerInput(
                    kind=post.get("kind", ""),
                    text=post.get("text", ""),
                    withheld=post.get("withheld", ""),
                    ground=post.get("ground", ""),
                    holder_body=post.get("holder_body", ""),
                    publishable=post.get("publishable") == "1",
                ),
            )
            done = _("已答复，告知书已生成。")
    except InvalidInput as exc:
        req = disclosure.access_as_staff(user, pk)
        context = _wb_context(request, req, errors=_errors(exc), values=post.dict(), failed=action)
        return _wb(request, "openness/disclosure/wb_request.html", context, status=400)
    messages.success(request, done)
    return redirect("openness:wb_request", pk=pk)


# --- Public concerns (回应关切) -------------------------------------------------------------------


@require_GET
def concerns_list(request):
    topic = request.GET.get("topic", "").strip()[:40]
    department_id = _int(request.GET.get("department"))
    page = Paginator(concerns.public_articles(topic=topic, department_id=department_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "topics": concerns.topic_counts()[:30], "chosen": {"topic": topic}}
    return render(request, "openness/disclosure/concerns.html", context)


@require_GET
def concern_page(request, pk: int):
    return render(request, "openness/disclosure/concern.html", {"article": concerns.public_article(pk)})


@staff_required
@require_GET
def wb_concerns(request):
    articles = Paginator(concerns.workbench_articles(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": articles, "may_write": concerns.may_write(request.user)}
    return _wb(request, "openness/disclosure/wb_concerns.html", context)


def _article_form(request, pk: int | None):
    user = request.user
    article = concerns.access_article(user, pk) if pk is not None else None
    if article is None and not concerns.may_write(user):
        raise Http404()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "summary", "body", "topics", "department")}
        data = concerns.ArticleInput(
            title=values["title"],
            summary=values["summary"],
            body=values["body"],
            topics=values["topics"],
            department_id=values["department"],
        )
        try:
            saved = concerns.do_save_article(actor=user, data=data, pk=pk)
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("已保存。"))
            return redirect("openness:wb_concern", pk=saved.pk)
    elif article is not None:
        values = {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "topics": " ".join(article.topics),
            "department": str(article.department_id),
        }
    else:
        values = {}
    context = {
        "article": article,
        "values": values,
        "errors": errors,
        "departments": _departments() if disclosure.is_platform_admin(user) else None,
        "states": dict(ConcernState.choices),
    }
    return _wb(request, "openness/disclosure/wb_concern.html", context, status=status)


@staff_required
@once_per_form
def wb_concern_new(request):
    return _article_form(request, None)


@staff_required
@once_per_form
def wb_concern(request, pk: int):
    return _article_form(request, pk)


@staff_required
@require_POST
@once_per_form
def wb_concern_action(request, pk: int, action: str):
    if action == "publish":
        concerns.do_publish_article(actor=request.user, pk=pk)
        messages.success(request, _("已发布。"))
    elif action == "withdraw":
        concerns.do_withdraw_article(actor=request.user, pk=pk)
        messages.success(request, _("已撤回。"))
    else:
        raise Http404()
    return redirect("openness:wb_concern", pk=pk)
