"""The staff workbench for cases (/workbench/cases/): queues, search, batch actions, the case
page and its actions by state and role, window intake (前台综合受理) and statistics. Thin, as the
applicant pages in views.py: every write is one service call that decides who may do what."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.catalog import queries as catalog_queries
from tongban.catalog.queries import SearchFilters
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form
from tongban.core.identifiers import is_mobile, mask_phone

from . import clock, facts, forms, formschema, notices, progress, queries, services
from .enums import CaseState, Channel, StepState
from .views import (
    PAGE_SIZE,
    apply_error,
    field_problems,
    item_materials,
    max_mb,
    staff_required,
)
from .window_desk import WINDOW_SESSION_KEY

# --- Workbench: queues, search, batch ----------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator told the count (the queue counts already hold it): no second COUNT."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@never_cache
@staff_required
@require_GET
def workbench(request):
    user = request.user
    on = clock.today()
    kind = request.GET.get("queue") or "precheck"
    if kind not in queries.QUEUES:
        raise InvalidInput.field("queue", _("没有这个队列"))
    text = (request.GET.get("q") or "").strip()[:60]
    found = list(queries.find_cases(user, text)) if text else None
    counts = queries.queue_counts(user, on=on)
    queue = CountedPaginator(queries.queue(user, kind, on=on), PAGE_SIZE, count=counts[kind])
    page = queue.get_page(request.GET.get("page"))
    return render(
        request,
        "cases/workbench/queues.html",
        {
            "queues": [(k, _(label)) for k, label in queries.QUEUES.items()],
            "counts": counts,
            "kind": kind,
            "kind_label": _(queries.QUEUES[kind]),
            "page": page,
            "q": text,
            "found": found,
            "batch": {"precheck": "accept", "mine": "complete", "team": "complete"}.get(kind, ""),
            "is_clerk": account_queries.has_role(user, StaffRole.WINDOW_CLERK),
            # a superuser's queues span every department (queries.queue): name each case's
            "all_departments": user.is_superuser,
            "extensions": list(queries.extensions_awaiting(user)[:50]),
        },
    )


@staff_required
@require_POST
@once_per_form
def batch(request):
    """Accept (预审通过) or sign off the active step (同意) of several cases at once; each case is
    its own transaction, so one refusal does not undo the others."""
    action = request.POST.get("action")
    kind = request.POST.get("queue") or "precheck"
    numbers = [n.strip() for n in request.POST.getlist("numbers") if n.strip()][:100]
    back = reverse("workbench_cases:home") + f"?queue={kind if kind in queries.QUEUES else 'precheck'}"
    if action not in ("accept", "complete"):
        messages.error(request, _("请选择批量操作"))
        return redirect(back)
    if not numbers:
        messages.error(request, _("请先勾选办件"))
        return redirect(back)
    done, failed = [], []
    for number in numbers:
        try:
            case = services.access_case(request.user, number)
            if action == "accept":
                services.do_accept(actor=request.user, number=case.number)
            else:
                step = queries.active_step(case)
                if step is None:
                    raise Conflict(_("没有办理中的环节"))
                services.do_complete_step(
                    actor=request.user,
                    number=case.number,
                    step_index=step.index,
                    outcome="pass",
                    comment="同意",
                )
            done.append(number)
        except DomainError as exc:
            failed.append(_("%(number)s：%(message)s") % {"number": number, "message": exc.message})
    if done:
        n = len(done)
        if action == "accept":
            done_text = ngettext("已受理 %(n)d 件。", "已受理 %(n)d 件。", n)
        else:
            done_text = ngettext("已办理 %(n)d 件。", "已办理 %(n)d 件。", n)
        messages.success(request, done_text % {"n": n})
    for line in failed:
        messages.error(request, line)
    return redirect(back)


# --- Workbench: the case page and its actions ----------------------------------------------------


def _staff_actions(user, case, step, pending=None) -> set[str]:
    """Which action forms to show (the services decide again on every POST)."""
    is_staff = services.is_department_staff
    officer = is_staff(user, case, StaffRole.APPROVING_OFFICER)
    admin = is_staff(user, case, StaffRole.DEPARTMENT_ADMIN)
    any_officer = officer or admin or is_staff(user, case, StaffRole.WINDOW_CLERK)
    out: set[str] = set()
    if case.state == CaseState.SUBMITTED and any_officer:
        out |= {"accept", "refuse", "return", "supplement"}
    if case.state == CaseState.ACCEPTED:
        if officer:
            out |= {"pause", "extend"}
        if admin and step is not None:
            out.add("assign")
        if (
            step is not None
            and is_staff(user, case, step.role)
            and (step.assignee_id is None or step.assignee_id == user.pk)
            and services.step_done_by(case, user) is None  # separation of duties
        ):
            out.add("step")
    if case.state == CaseState.PAUSED and officer:
        out |= {"resume", "extend"}
    if pending is not None:  # one request at a time; only its named approver decides it
        out.discard("extend")
        if admin and pending.approver_id == user.pk and case.state in (CaseState.ACCEPTED, CaseState.PAUSED):
            out.add("decide_extension")
    if case.state == CaseState.DECIDED and any_officer:
        out.add("conclude")
    if case.state == CaseState.CONCLUDED and any_officer:
        out.add("deliver")
    return out


def _receipt(case) -> dict | None:
    """A window case's receipt (受理回执): its query code, the 受理通知书 to print at once, and
    whether the contact phone took an SMS (a mobile) or the printed receipt is all (a landline)."""
    if case.channel != Channel.WINDOW:
        return None
    acceptance = next((n for n in notices.notices_of(case) if n.kind == notices.NoticeKind.ACCEPTANCE), None)
    phone = progress.contact_phone(services.form_schema(case.item), services.form_data(case))
    return {
        "query_code": progress.query_code(case),
        "pdf": notices.pdf_path(acceptance) if acceptance else "",
        "phone": mask_phone(phone) if phone else "",
        "sms": is_mobile(phone),
    }


def _form_rows(case) -> list[tuple[str, object]]:
    """The application form as label/value rows, labelled by the schema of the case's version;
    phone numbers masked (personal data)."""
    data = services.form_data(case)
    rows, seen = [], set()
    for section in services.form_schema(case.item)["sections"]:
        for field in section["fields"]:
            if field["name"] in data:
                value = data[field["name"]]
                if field["type"] == "mobile" and isinstance(value, str):
                    value = mask_phone(value)
                if field.get("type") == "select":  # the choice's label, never its stored value
                    labels = {
                        str(c["value"]): c.get("label", c["value"])
                        for c in field.get("choices", [])
                        if isinstance(c, dict)
                    }
                    value = labels.get(str(value), value)
                rows.append(
                    (field["label"], _("是") if value is True else _("否") if value is False else value)
                )
                seen.add(field["name"])
    rows += [(name, value) for name, value in data.items() if name not in seen]
    return rows


def _wb_case_page(request, case, *, status: int = 200, bound: dict | None = None):
    bound = bound or {}
    steps = queries.case_steps(case)
    step = next((s for s in steps if s.state == StepState.ACTIVE), None)
    pending = queries.pending_extension(case)
    actions = _staff_actions(request.user, case, step, pending)
    approvers, officers = (
        _approvers_and_officers(case, request.user) if actions & {"assign", "extend"} else ([], [])
    )
    index = {"step_index": step.index} if step else {}
    # only said to someone who holds the step's role (otherwise the role is the reason)
    sod_done = (
        services.step_done_by(case, request.user)
        if step is not None and services.is_department_staff(request.user, case, step.role)
        else None
    )
    context = {
        "case": case,
        # Separation of duties: the step this user already took, and who else may take this one.
        "sod_done": sod_done,
        "sod_others": _who_else_may_take(case, step, request.user) if sod_done else [],
        "delivery_address": services.delivery_address(case),
        "steps": steps,
        "step": step,
        "events": queries.timeline(case),
        "clock_lines": queries.clock_lines(case),
        "materials": queries.case_materials(case),
        "licences": queries.case_licences(case),
        "facts": facts.shown(case),
        "notices": notices.listed(case),
        "pause": queries.open_pause(case),
        "pending_extension": pending,
        "form_rows": _form_rows(case),
        "receipt": _receipt(case),
        "actions": actions,
        "f": {
            "refuse": bound.get("refuse") or forms.ReasonForm(prefix="refuse"),
            "return": bound.get("return") or forms.ReasonForm(prefix="return"),
            "supplement": bound.get("supplement") or forms.SupplementForm(prefix="supplement"),
            "pause": bound.get("pause") or forms.PauseForm(prefix="pause"),
            "extend": bound.get("extend") or forms.ExtendForm(prefix="extend", approvers=approvers),
            "assign": bound.get("assign")
            or forms.AssignForm(prefix="assign", officers=officers, initial=index),
            "step": bound.get("step") or forms.StepForm(prefix="step", initial=index),
            "conclude": bound.get("conclude")
            or forms.ConcludeForm(
                prefix="conclude", draft=services.licence_draft(case) if "conclude" in actions else None
            ),
            "deliver": bound.get("deliver") or forms.DeliverForm(prefix="deliver"),
            "decide_extension": bound.get("decide_extension")
            or forms.ExtensionDecisionForm(
                prefix="decide_extension", initial={"request_id": pending.pk} if pending else {}
            ),
        },
        "error": bound.get("error", ""),
    }
    return render(request, "cases/workbench/case.html", context, status=status)


@never_cache
@staff_required
@require_GET
def wb_case(request, number: str):
    return _wb_case_page(request, services.access_case(request.user, number))


def _who_else_may_take(case, step, user) -> list:
    """The department's staff holding the active step's role who have taken no step of the case
    (separation of duties), but `user`: the people to hand the step to."""
    signed = {s.completed_by_id for s in queries.case_steps(case) if s.completed_by_id}
    return [
        u
        for u in account_queries.staff_of_department(case.department_id)
        if u.pk != user.pk and u.pk not in signed and step.role in {g.name for g in u.groups.all()}
    ]


def _approvers_and_officers(case, user):
    """Who may approve an extension (the department's administrators but the requester) and
    who may take the active step."""
    staff = list(account_queries.staff_of_department(case.department_id))
    step = queries.active_step(case)
    approvers = [
        u for u in staff if u.pk != user.pk and StaffRole.DEPARTMENT_ADMIN in account_queries.role_names(u)
    ]
    signed = {s.completed_by_id for s in queries.case_steps(case)} if case.separation_of_duties else set()
    officers = [
        u
        for u in staff
        if step is not None and step.role in account_queries.role_names(u) and u.pk not in signed
    ]
    return approvers, officers


def _run(action: str, request, case):
    """Parse the action's form and call its one service. Returns (form, message)."""
    actor, number, post = request.user, case.number, request.POST
    if action == "accept":
        services.do_accept(actor=actor, number=number)
        return None, _("已受理。")
    if action == "resume":
        services.do_resume(actor=actor, number=number)
        return None, _("已恢复计时。")
    approvers, officers = _approvers_and_officers(case, actor) if action in ("extend", "assign") else ([], [])
    form = {
        "refuse": lambda: forms.ReasonForm(post, prefix="refuse"),
        "return": lambda: forms.ReasonForm(post, prefix="return"),
        "supplement": lambda: forms.SupplementForm(post, prefix="supplement"),
        "pause": lambda: forms.PauseForm(post, prefix="pause"),
        "extend": lambda: forms.ExtendForm(post, prefix="extend", approvers=approvers),
        "assign": lambda: forms.AssignForm(post, prefix="assign", officers=officers),
        "step": lambda: forms.StepForm(post, prefix="step"),
        "conclude": lambda: forms.ConcludeForm(post, prefix="conclude", draft=services.licence_draft(case)),
        "deliver": lambda: forms.DeliverForm(post, prefix="deliver"),
        "decide_extension": lambda: forms.ExtensionDecisionForm(post, prefix="decide_extension"),
    }[action]()
    if not form.is_valid():
        raise _FormInvalid(form)
    d = form.cleaned_data
    try:
        if action == "refuse":
            services.do_refuse(actor=actor, number=number, reason=d["reason"])
            message = _("已作出不予受理决定。")
        elif action == "return":
            services.do_return(actor=actor, number=number, reason=d["reason"])
            message = _("已退回申请。")
        elif action == "supplement":
            services.do_request_supplement(actor=actor, number=number, items=form.item_list(), note=d["note"])
            message = _("已一次性告知需补正的材料。")
        elif action == "pause":
            services.do_pause(
                actor=actor,
                number=number,
                kind=d["kind"],
                reason=d["reason"],
                items=form.item_list(),
                procedure=d["procedure"],
            )
            message = _("已暂停计时。")
        elif action == "extend":
            services.do_extend(
                actor=actor, number=number, days=d["days"], approver_id=d["approver"], reason=d["reason"]
            )
            message = _("延期申请已提交，待批准人批准后生效。")
        elif action == "decide_extension":
            approve = d["decision"] == "approve"
            services.do_decide_extension(
                actor=actor, number=number, request_id=d["request_id"], approve=approve, note=d["note"]
            )
            message = _("已批准延期。") if approve else _("已不批准延期。")
        elif action == "assign":
            services.do_assign_step(
                actor=actor, number=number, step_index=d["step_index"], assignee_id=d["assignee"]
            )
            message = _("已指派。")
        elif action == "step":
            services.do_complete_step(
                actor=actor,
                number=number,
                step_index=d["step_index"],
                outcome=d["outcome"],
                comment=d["comment"],
            )
            message = _("本环节已办理。")
        elif action == "conclude":
            concluded = services.do_conclude(
                actor=actor, number=number, result_code=d["result_code"], licence_face=form.licence_face()
            )
            message = _("已办结。")
            if concluded.result_licence:
                message = _("已办结，电子证照已签发：%(identifier)s") % {
                    "identifier": concluded.result_licence
                }
        else:
            services.do_deliver(actor=actor, number=number, tracking_number=d["tracking_number"])
            message = _("已送达。")
    except DomainError as exc:
        fields = {
            "items": "items",
            "approver": "approver",
            "assignee": "assignee",
            "tracking_number": "tracking_number",
        }
        exc.problems = [
            type(p)(
                fields.get(p.field, p.field.replace("licence_face.", forms.ConcludeForm.PREFIX)), p.message
            )
            for p in exc.problems
        ]
        if exc.status == 400:
            apply_error(form, exc)
            raise _FormInvalid(form, status=400) from exc
        raise
    return form, message


class _FormInvalid(Exception):
    def __init__(self, form, status: int = 400):
        super().__init__("invalid form")
        self.form, self.status = form, status


WB_ACTIONS = (
    "accept",
    "refuse",
    "return",
    "supplement",
    "pause",
    "resume",
    "extend",
    "decide_extension",
    "assign",
    "step",
    "conclude",
    "deliver",
)


@staff_required
@require_POST
@once_per_form
def wb_act(request, number: str, action: str):
    if action not in WB_ACTIONS:
        raise NotFound(_("没有这个操作"))
    case = services.access_case(request.user, number)
    try:
        _form, message = _run(action, request, case)
    except _FormInvalid as invalid:
        return _wb_case_page(request, case, status=invalid.status, bound={action: invalid.form})
    except (Conflict, Forbidden) as exc:
        case = services.access_case(request.user, number)
        return _wb_case_page(request, case, status=exc.status, bound={"error": exc.message})
    messages.success(request, message)
    return redirect("workbench_cases:case", number=case.number)


# --- Workbench: window intake (前台综合受理) -------------------------------------------------------


def clerk_required(view):
    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not account_queries.has_role(request.user, StaffRole.WINDOW_CLERK):
            raise Forbidden(_("窗口受理仅限窗口人员使用"))
        return view(request, *args, **kwargs)

    return wrapper


def _window_context(request, **extra) -> dict:
    user = request.user
    applicant = None
    pk = request.session.get(WINDOW_SESSION_KEY)
    if pk:
        applicant = account_queries.get_person(pk)
    hall_region = user.department.region_id if user.department_id else ""
    context = {
        "applicant": applicant,
        "find_form": extra.pop("find_form", None) or forms.FindApplicantForm(),
        "search_form": forms.ItemSearchForm(request.GET or None),
        "results": [],
        "item": None,
        "hall_region": hall_region,
        "max_mb": max_mb(),
        "accept": forms.ACCEPT,
        "problems": {},
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
    }
    search = context["search_form"]
    if applicant and hall_region and "q" in request.GET and search.is_valid():
        _total, context["results"] = catalog_queries.search_items(
            SearchFilters(q=search.cleaned_data["q"], region=hall_region, scope="within")
        )
    context.update(extra)
    return context


def _intake_item(request, code: str):
    item = catalog_queries.get_guide(code)
    hall = core_queries.get_region(request.user.department.region_id) if request.user.department_id else None
    if hall is None or not item.region_id.startswith(hall.prefix):
        raise Forbidden(_("只能受理本服务大厅所在地区的事项"))
    return item


def _window_phones(sections: list[dict]) -> list[dict]:
    """At the window a phone field takes a landline too: say so, and offer the phone keypad."""
    for section in sections:
        for field in section["fields"]:
            if field["type"] == "mobile":
                field["help"] = _("手机号码，或带区号的固定电话（如027-87654321）")
                field["input_type"] = "tel"
    return sections


def _intake_form_context(item, values, problems, post=None) -> dict:
    post = post or {}
    materials = item_materials(item)
    return {
        "item": item,
        "sections": _window_phones(forms.bound_sections(services.form_schema(item), values, problems)),
        "materials": [
            {
                "m": m,
                "may_defer": services.may_defer(m),
                "missing": post.get(f"missing_{m.pk}") == "on",
                "due": post.get(f"due_{m.pk}", ""),
            }
            for m in materials
        ],
        "commitment": post.get("commitment") == "on",
        "problems": problems,
    }


@never_cache
@clerk_required
@require_GET
def window(request):
    extra = {}
    code = (request.GET.get("item") or "").strip()
    if code and request.session.get(WINDOW_SESSION_KEY):
        item = _intake_item(request, code)
        applicant = account_queries.get_person(request.session[WINDOW_SESSION_KEY])
        values = {}
        if applicant is not None:
            values = {
                f["name"]: applicant.display_name
                for s in services.form_schema(item)["sections"]
                for f in s["fields"]
                if f.get("prefill") in ("name", "person_name")
            }
        extra = _intake_form_context(item, values, {})
    return render(request, "cases/workbench/window.html", _window_context(request, **extra))


@clerk_required
@require_POST
def window_find(request):
    form = forms.FindApplicantForm(request.POST)
    person = None
    try:
        if not form.is_valid():
            raise InvalidInput(_("请检查身份证号码"))
        person = account_services.access_person_by_id_number(
            actor=request.user, id_number=form.cleaned_data["id_number"]
        )
    except DomainError as exc:
        if not form.errors:
            exc.problems = [type(p)("id_number", p.message) for p in exc.problems] or exc.problems
            apply_error(form, exc)
        request.session.pop(WINDOW_SESSION_KEY, None)
        context = _window_context(request, find_form=forms.FindApplicantForm())
        context["find_form"] = form
        return render(request, "cases/workbench/window.html", context, status=exc.status)
    if person is None:
        request.session.pop(WINDOW_SESSION_KEY, None)
        context = _window_context(request, not_found=True)
        return render(request, "cases/workbench/window.html", context)
    request.session[WINDOW_SESSION_KEY] = person.pk
    return redirect("workbench_cases:window")


@clerk_required
@require_POST
def window_clear(request):
    request.session.pop(WINDOW_SESSION_KEY, None)
    return redirect("workbench_cases:window")


@clerk_required
@require_POST
@once_per_form
def window_intake(request):
    applicant_pk = request.session.get(WINDOW_SESSION_KEY)
    if not applicant_pk:
        raise InvalidInput.field("applicant", _("请先按身份证号码查找申请人"))
    item = _intake_item(request, request.POST.get("item_code", ""))
    schema = services.form_schema(item)
    values = forms.schema_values(schema, request.POST)
    materials = item_materials(item)
    problems: dict[str, str] = {}
    uploads: list[services.Upload] = []
    try:
        uploads = forms.material_uploads(request.FILES, materials)
    except InvalidInput as exc:
        problems.update(field_problems(exc))
    try:
        formschema.clean_form(schema, values, landline=True)
    except InvalidInput as exc:
        problems.update(field_problems(exc))
    status = 400
    if not problems:
        try:
            case = services.do_window_intake(
                actor=request.user,
                applicant_id=applicant_pk,
                item_code=item.code,
                data=values,
                uploads=uploads,
                missing=forms.intake_missing(request.POST, materials),
                commitment=request.POST.get("commitment") == "on",
                idempotency_key=request.POST.get("idempotency_key", "")[:80],
            )
        except DomainError as exc:
            problems.update(field_problems(exc) or {"__all__": exc.message})
            status = exc.status
        else:
            request.session.pop(WINDOW_SESSION_KEY, None)
            messages.success(request, _("已受理，办件编号 %(number)s。") % {"number": case.number})
            return redirect("workbench_cases:case", number=case.number)
    extra = _intake_form_context(item, values, problems, request.POST)
    extra["error"] = _("未受理：请按提示修改（扫描件需要重新选择）")
    return render(request, "cases/workbench/window.html", _window_context(request, **extra), status=status)


# --- Statistics -------------------------------------------------------------------------------------


def _date(value: str, field: str, default: dt.date) -> dt.date:
    value = (value or "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, _("请输入日期，如 2026-01-01")) from None


@never_cache
@staff_required
@require_GET
def stats(request):
    user = request.user
    on = clock.today()
    default_region = user.department.region_id if user.department_id else ""
    code = (request.GET.get("region") or default_region).strip()[:12]
    context = {
        "problems": {},
        "region_value": code,
        "since_value": (request.GET.get("since") or on.replace(month=1, day=1).isoformat())[:10],
        "until_value": (request.GET.get("until") or on.isoformat())[:10],
    }
    try:
        region = core_queries.get_region(code, field="region") if code else None
        if region is None:
            province = core_queries.provinces().order_by("code").first()
            if province is None:
                raise NotFound(_("尚未加载行政区划"))
            region = province
        queries.check_statistics_scope(user, region)
        since = _date(request.GET.get("since"), "since", on.replace(month=1, day=1))
        until = _date(request.GET.get("until"), "until", on)
        if since > until:
            raise InvalidInput.field("until", _("结束日期不能早于开始日期"))
        if (until - since).days > 366 * 3:
            raise InvalidInput.field("since", _("统计区间不能超过三年"))
    except InvalidInput as exc:
        context.update(problems=field_problems(exc), error=exc.message)
        return render(request, "cases/workbench/stats.html", context, status=400)
    rows, total = queries.statistics(region_prefix=region.prefix, since=since, until=until, on=on)
    context.update(region=region, since=since, until=until, rows=rows, total=total)
    return render(request, "cases/workbench/stats.html", context)
