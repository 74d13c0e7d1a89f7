"""Case pages (办件), the applicant's side under /cases/ (the staff workbench is in
workbench_views.py). Thin: parse the input, call one service or query, render.

Every case is fetched through `services.access_case` (a case the person may not see is a 404,
its existence not revealed); every write is one service call with the signed-in person as
`actor`, and the service decides whether this actor may do it in this state (403 / 409). Bad
input re-renders the page with the message next to the field and changes nothing.
"""

from __future__ import annotations

import io
import re
import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.accounts import queries as account_queries
from tongban.catalog import queries as catalog_queries
from tongban.catalog.enums import MaterialRequirement
from tongban.core import files, ratelimit
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import clock, forms, formschema, notices, progress, queries, services, supplied
from .enums import CaseState, Channel, Delivery, PauseKind

PAGE_SIZE = 30


# --- Helpers ------------------------------------------------------------------------------------


def _login_first(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def person_required(view):
    """Applicants are natural persons (acting for themselves, an enterprise or a principal)."""

    @_login_first
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not account_queries.is_person(request.user):
            raise Forbidden(_("网上申报面向个人和企业用户；工作人员请使用办件工作台"))
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @_login_first
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Forbidden(_("办件工作台仅限工作人员使用"))
        return view(request, *args, **kwargs)

    return wrapper


def field_problems(exc: DomainError) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def apply_error(form, exc: DomainError) -> None:
    """A domain error next to the field it names, or above the form."""
    placed = False
    for problem in exc.problems:
        if problem.field in form.fields:
            form.add_error(problem.field, problem.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message if not exc.problems else exc.problems[0].message)


# Mobile browsers by their User-Agent: phones and tablets of every make sold here, the in-app
# browsers (微信, 支付宝, 鄂汇办 ship a WebView that says Mobile or Android) and HarmonyOS.
MOBILE_AGENT = re.compile(
    r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS|OpenHarmony|MicroMessenger|Windows Phone", re.I
)


def _channel(request) -> str:
    """The channel an online application came in by (the case number's digit: 2 电脑端, 3 移动端).

    1. What the page declared: the apply form's hidden `channel`, set by portal.js from the
       device (a mobile browser, a touch-first pointer, or the phone layout under 40em).
    2. Else the browser's own hint: `Sec-CH-UA-Mobile: ?1` (Chromium-based browsers).
    3. Else the User-Agent (MOBILE_AGENT). Else 电脑端."""
    declared = (request.POST.get("channel") or "").strip()
    if declared in (Channel.PC, Channel.MOBILE):
        return declared
    hint = request.META.get("HTTP_SEC_CH_UA_MOBILE", "").strip()
    if hint in ("?1", "?0"):
        return Channel.MOBILE if hint == "?1" else Channel.PC
    return Channel.MOBILE if MOBILE_AGENT.search(request.META.get("HTTP_USER_AGENT", "")) else Channel.PC


def max_mb() -> int:
    return services.MAX_FILE_BYTES // (1024 * 1024)


def item_materials(item) -> list:
    return list(item.materials.order_by("order", "id"))


# --- Applying -----------------------------------------------------------------------------------


def _apply_context(request, item, values: dict, problems: dict[str, str], **extra) -> dict:
    """The apply page: the form, and each material as this applicant provides it (`material_plan`:
    the same decision the submission makes), with the files already staged with the draft."""
    schema = services.form_schema(item)
    staged: dict[int, list] = {}
    for row in services.staged_files(request.user, item.code):
        staged.setdefault(row.material_id, []).append(row)
    signed = extra.pop("signed", set())
    applicant = services.prefill_values(request.user).get("name", "")
    materials = [
        {
            "m": plan.material,
            "plan": plan,
            "error": problems.get(f"m_{plan.pk}", ""),
            "commit_error": problems.get(f"c_{plan.pk}", ""),
            "staged": staged.get(plan.pk, []),
            "signed": plan.pk in signed,
            "commitment": supplied.commitment_text(item.name, applicant)
            if plan.how == supplied.SIGNED
            else "",
        }
        for plan in services.material_plan(request.user, item)
    ]
    return {
        "item": item,
        "sections": forms.bound_sections(schema, values, problems),
        "materials": materials,
        "problems": problems,
        "max_mb": max_mb(),
        "accept": forms.ACCEPT,
        "max_files": forms.MAX_FILES_PER_MATERIAL,
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "required": MaterialRequirement.REQUIRED,
        **extra,
    }


def _stage(request, item, uploads, problems: dict[str, str]) -> None:
    """Keep the good files chosen on a form that goes back to the applicant (staged with their
    draft of the item), so they are not asked for again; a refusal (too many files) is shown."""
    try:
        services.do_stage_uploads(actor=request.user, item_code=item.code, uploads=uploads)
    except DomainError as exc:
        for field, message in field_problems(exc).items():
            problems.setdefault(field, message)


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
@once_per_form
def apply(request, code: str):
    """The application form of the item's current published version, drawn from its schema."""
    item = catalog_queries.get_guide(code)
    if not item.is_online:
        raise Conflict(_("该事项暂不支持网上申报，请带齐材料到办理地点申请"))
    schema = services.form_schema(item)
    if request.method == "GET":
        draft = queries.draft_of(request.user, item.code)
        values = services.draft_data(draft) if draft else services.prefilled_form(request.user, item)
        return render(request, "cases/apply.html", _apply_context(request, item, values, {}, draft=draft))

    values = forms.schema_values(schema, request.POST)
    action = request.POST.get("action")
    materials = item_materials(item)
    signed = forms.signed_materials(request.POST, materials)
    problems: dict[str, str] = {}
    uploads, upload_problems = forms.checked_uploads(request.FILES, materials)
    problems.update(upload_problems)
    unstage = request.POST.get("unstage", "")
    if unstage:
        _stage(request, item, uploads, problems)
        if unstage.isdigit():
            try:
                services.do_unstage(actor=request.user, item_code=item.code, staged_id=int(unstage))
            except DomainError as exc:
                problems.setdefault("__all__", exc.message)
        context = _apply_context(request, item, values, problems, signed=signed)
        if problems:
            context["error"] = _("请按提示修改")
        else:
            context["notice"] = _("已移除该文件。")
        return render(request, "cases/apply.html", context, status=400 if problems else 200)
    if action == "draft":
        try:
            services.do_save_draft(actor=request.user, item_code=item.code, data=values)
        except DomainError as exc:
            problems.update(field_problems(exc))
            _stage(request, item, uploads, problems)
            context = _apply_context(request, item, values, problems, error=exc.message, signed=signed)
            return render(request, "cases/apply.html", context, status=exc.status)
        _stage(request, item, uploads, problems)
        if problems:  # the draft is saved; a file that could not be kept is named
            context = _apply_context(request, item, values, problems, error=_("请按提示修改"), signed=signed)
            return render(request, "cases/apply.html", context, status=400)
        messages.success(request, _("草稿已保存，已选择的文件随草稿暂存。换一台设备登录后也可以继续填写。"))
        return redirect("cases:apply", code=item.code)
    if action != "submit":
        raise InvalidInput.field("action", _("请选择保存草稿或提交申请"))
    status = 400
    try:
        formschema.clean_form(schema, values)
    except InvalidInput as exc:
        problems.update(field_problems(exc))
    if not problems:
        try:
            case = services.do_submit(
                actor=request.user,
                item_code=item.code,
                data=values,
                uploads=uploads,
                channel=_channel(request),
                idempotency_key=request.POST.get("idempotency_key", "")[:80],
                signed=signed,
                use_staged=True,
            )
        except DomainError as exc:
            problems.update(field_problems(exc) or {"__all__": exc.message})
            status = exc.status
        else:
            return redirect("cases:submitted", number=case.number)
    _stage(request, item, uploads, problems)
    context = _apply_context(
        request,
        item,
        values,
        problems,
        signed=signed,
        error=_("申请未提交：请按提示修改后重新提交（已选择的文件已随草稿暂存，无需重新选择）"),
    )
    return render(request, "cases/apply.html", context, status=status)


@never_cache
@_login_first
@require_GET
def submitted(request, number: str):
    case = services.access_case(request.user, number)
    return render(
        request,
        "cases/submitted.html",
        {
            "case": case,
            "precheck_due": clock.precheck_deadline(case.received_on),
            "query_code": progress.query_code(case),
        },
    )


# --- My cases and the case page ------------------------------------------------------------------


@never_cache
@person_required
@require_GET
def my_cases(request):
    page = Paginator(queries.cases_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for c in page.object_list:  # each card shows the 查询码 for 办件进度查询 without signing in
        c.query_code = progress.query_code(c)
    return render(
        request,
        "cases/my_cases.html",
        {
            "page": page,
            "drafts": list(queries.drafts_of(request.user)[:20]),
            "notifications": list(queries.notifications(request.user)[:10]),
            "unread": queries.notifications(request.user, unread_only=True).count(),
            "asked": (CaseState.SUPPLEMENT, CaseState.PAUSED),
        },
    )


@person_required
@require_POST
def mark_read(request):
    ids = [n.pk for n in queries.notifications(request.user, unread_only=True)[:200]]
    services.do_mark_read(actor=request.user, notification_ids=ids)
    return redirect("cases:mine")


def _asked(case, pause) -> list[str]:
    """What the applicant is asked to supply now."""
    if case.state == CaseState.SUPPLEMENT:
        return list(case.supplement_items)
    if case.state == CaseState.PAUSED and pause and pause.kind == PauseKind.SUPPLEMENT:
        return list(pause.items)
    return []


def _case_page(request, case, *, status: int = 200, **bound):
    pause = queries.open_pause(case)
    asked = _asked(case, pause)
    open_states = (CaseState.SUBMITTED, CaseState.SUPPLEMENT, CaseState.ACCEPTED, CaseState.PAUSED)
    offered = catalog_queries.get_item_version(case.item_id).delivery_methods
    context = {
        "case": case,
        "events": queries.timeline(case),
        "clock_lines": queries.clock_lines(case),
        "steps": queries.case_steps(case),
        "materials": queries.case_materials(case),
        "licences": queries.case_licences(case),
        "notices": notices.listed(case),
        "pause": pause,
        "asked": asked,
        "supply_due": case.supplement_due
        if case.state == CaseState.SUPPLEMENT
        else (pause.due_on if pause else None),
        "may_supply": bool(asked),
        "may_withdraw": case.state in open_states,
        "may_choose_delivery": case.state not in CaseState.final(),
        "supply_form": bound.get("supply_form") or forms.SupplyForm(),
        "withdraw_form": bound.get("withdraw_form") or forms.WithdrawForm(),
        "delivery_form": bound.get("delivery_form")
        or forms.DeliveryForm(
            offered=offered,
            initial={
                "method": case.delivery or (offered[0] if offered else Delivery.WINDOW),
                "address": services.delivery_address(case),
            },
        ),
        "files_error": bound.get("files_error", ""),
        "query_code": progress.query_code(case),
        "accept": forms.ACCEPT,
        "max_mb": max_mb(),
    }
    return render(request, "cases/case.html", context, status=status)


def _applicant_case(request, number: str):
    case = services.access_case(request.user, number)
    if request.user.is_staff:
        return case, redirect("workbench_cases:case", number=case.number)
    return case, None


@never_cache
@_login_first
@require_GET
def case_page(request, number: str):
    case, elsewhere = _applicant_case(request, number)
    return elsewhere or _case_page(request, case)


def _applicant_action(
    request, number: str, *, form_class, bound: str, refused: str, act, done: str, on_error
):
    """One applicant action on the case page: check the form, call one service, and on a refusal
    show the page again with the form bound and the message where `on_error` puts it."""
    case, elsewhere = _applicant_case(request, number)
    if elsewhere:
        raise Forbidden(refused)
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("请检查填写的内容"))
        act(case, form.cleaned_data)
    except DomainError as exc:
        extra = on_error(form, exc) if not form.errors else {}
        return _case_page(request, case, status=exc.status, **{bound: form}, **(extra or {}))
    messages.success(request, done)
    return redirect("cases:case", number=case.number)


@_login_first
@require_POST
@once_per_form
def supply(request, number: str):
    def act(case, data):
        uploads = forms.plain_uploads(request.FILES, "files")
        services.do_supply(actor=request.user, number=case.number, uploads=uploads, note=data["note"])

    def on_error(form, exc):
        problems = field_problems(exc)
        return {"files_error": problems.get("files") or problems.get("materials") or exc.message}

    return _applicant_action(
        request,
        number,
        form_class=forms.SupplyForm,
        bound="supply_form",
        refused=_("补正材料由申请人提交"),
        act=act,
        done=_("补正材料已提交。"),
        on_error=on_error,
    )


@_login_first
@require_POST
@once_per_form
def withdraw(request, number: str):
    def act(case, data):
        services.do_withdraw(actor=request.user, number=case.number, reason=data["reason"])

    return _applicant_action(
        request,
        number,
        form_class=forms.WithdrawForm,
        bound="withdraw_form",
        refused=_("只有申请人可以撤回申请"),
        act=act,
        done=_("申请已撤回。"),
        on_error=apply_error,
    )


@_login_first
@require_POST
@once_per_form
def choose_delivery(request, number: str):
    def act(case, data):
        services.do_choose_delivery(
            actor=request.user, number=case.number, method=data["method"], address=data["address"]
        )

    def on_error(form, exc):
        # The service names the field "delivery"; on this form it is "method".
        exc.problems = [p if p.field != "delivery" else type(p)("method", p.message) for p in exc.problems]
        apply_error(form, exc)

    return _applicant_action(
        request,
        number,
        form_class=forms.DeliveryForm,
        bound="delivery_form",
        refused=_("送达方式由申请人选择"),
        act=act,
        done=_("送达方式已保存。"),
        on_error=on_error,
    )


@never_cache
@_login_first
@require_GET
def material_file(request, number: str, pk: int):
    """A file of a case, for the applicant's side and the owning department (access_case)."""
    case = services.access_case(request.user, number)
    row = queries.case_material(case, pk)
    if row is None:
        raise NotFound(_("没有找到该材料"))
    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(row.content_type, "")
    name = row.name if row.name.lower().endswith(ext) else row.name + ext
    # Decrypted here, for a reader access_case allowed (files from before encryption read as they are).
    try:
        content = files.open_decrypted(row.file.name)
    except FileNotFoundError as exc:
        raise NotFound(_("该材料的文件已不存在")) from exc
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type=row.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- 办件进度查询 without signing in --------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def progress_lookup(request):
    """GET: the form. POST: look the case up by number and query code (or the contact phone's
    last four digits); state and dates only. A wrong code and an unknown number read the same."""
    form = forms.ProgressForm(request.POST if request.method == "POST" else None)
    context, status, retry = {"form": form, "found": None, "error": ""}, 200, 0
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            # The code is never echoed back: the form comes again with the number only.
            context["form"] = forms.ProgressForm(initial={"number": form.cleaned_data["number"].strip()})
            try:
                context["found"] = progress.look_up(
                    number=form.cleaned_data["number"],
                    code=form.cleaned_data["code"],
                    ip=request.META.get("REMOTE_ADDR", ""),
                )
            except ratelimit.TooManyRequests as exc:
                retry = max(exc.retry_after, 1)
                context["error"] = _("查询过于频繁，请%(n)d分钟后再试") % {"n": (retry + 59) // 60}
                status = 429
            except InvalidInput:
                context["error"], status = _("请检查填写的内容"), 400
            except NotFound:
                context["error"], status = (
                    _("没有找到该办件，请核对办件编号和查询码（或联系电话后四位）"),
                    404,
                )
    response = render(request, "cases/progress.html", context, status=status)
    if retry:
        response["Retry-After"] = str(retry)
    return response
