"""Workbench pages of policy documents (/openness/workbench/policies/...): the department's list,
a new policy, a policy's page with its workflow actions, its edit form, interpretations,
attachments, links, the secrecy review (保密审查) with its findings, repeal and the history.

Thin: parse, call one service, render. The services decide who may act (others get 404)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.idempotency import not_done, once_per_form

from . import permissions, policies, services
from .enums import (
    DocType,
    FindingStatus,
    InterpretationKind,
    LinkKind,
    PolicyState,
    Subject,
    Validity,
)

PAGE_SIZE = 20
QA_ROWS = 5


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise NotFound(_("没有找到要访问的内容"))
        return view(request, *args, **kwargs)

    return wrapper


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def _problems(exc) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


def _choices() -> dict:
    return {"subjects": Subject.choices, "doc_types": DocType.choices}


def _policy_context(request, policy) -> dict:
    user = request.user
    author = permissions.is_author(user, policy)
    reviewer = permissions.may_review(user, policy.issuer_id)
    return {
        "policy": policy,
        "editable": policy.state == PolicyState.DRAFT,
        "may_review": reviewer and not author and not policies.submitted_by(user, policy),
        "may_publish": reviewer,
        "cleared": services.is_cleared(policy),
    }


# --- List and new --------------------------------------------------------------------------------


@require_GET
@staff_required
def policy_list(request):
    user = request.user
    platform = permissions.is_platform_admin(user)
    department_id = user.department_id
    if platform:
        department_id = _int(request.GET.get("department", ""))
    if department_id is None and not platform:
        raise NotFound(_("您不属于任何部门，没有可维护的政策文件"))
    state = request.GET.get("state", "")
    state = state if state in PolicyState.values else ""
    q = request.GET.get("q", "").strip()[:50]
    qs = policies.workbench_policies(department_id=department_id, state=state, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(_int(request.GET.get("page", "")) or 1)
    context = {
        "page": page,
        "states": PolicyState.choices,
        "chosen": {"state": state, "q": q, "department": department_id},
        "platform": platform,
        "department": core_queries.get_department(department_id) if department_id else None,
        "departments": core_queries.departments() if platform else [],
        "counts": policies.state_counts(department_id=department_id),
        "may_create": platform or department_id is not None,
    }
    return render(request, "openness/policies/list.html", context)


def _values_from_post(post) -> dict:
    return {k: post.get(k, "").strip() for k in services.POLICY_VALUES}


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def policy_new(request):
    user = request.user
    platform = permissions.is_platform_admin(user)
    if user.department_id is None and not platform:
        raise NotFound(_("没有找到要访问的内容"))
    values: dict = dict.fromkeys(services.POLICY_VALUES, "") | {
        "subject": Subject.GENERAL,
        "doc_type": DocType.NOTICE,
    }
    issuer = user.department_id
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        issuer = _int(request.POST.get("issuer", "")) if platform else user.department_id
        try:
            policy = services.do_create_policy(actor=user, issuer_id=issuer, values=values)
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        else:
            messages.success(request, _("已保存草稿 %(number)s") % {"number": policy.number})
            return redirect("openness:wb_policy", pk=policy.pk)
    context = {
        "values": values,
        "issuer": issuer,
        "platform": platform,
        "departments": core_queries.departments() if platform else [],
        "problems": problems,
        "new": True,
        **_choices(),
    }
    return render(request, "openness/policies/form.html", context, status=status)


# --- A policy ------------------------------------------------------------------------------------


@require_GET
@staff_required
def policy_page(request, pk: int):
    policy = permissions.access_policy(request.user, pk)
    context = _policy_context(request, policy) | {
        "interpretations": list(policy.interpretations.all()),
        "attachments": list(policy.attachments.all()),
        "links": list(policy.links.all()),
        "trail": list(policy.reviews.select_related("actor")),
        "open_findings": services.open_findings(policy),
        "comment": "",
    }
    return render(request, "openness/policies/detail.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def policy_edit(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.edit_refused")
    values = {k: getattr(policy, k) for k in services.POLICY_VALUES}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            services.do_update_policy(
                actor=request.user,
                policy_id=policy.pk,
                values=values,
                lock_version=request.POST.get("lock_version", ""),
            )
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("openness:wb_policy", pk=policy.pk))
        else:
            messages.success(request, _("已保存"))
            return redirect("openness:wb_policy", pk=policy.pk)
    context = {"policy": policy, "values": values, "problems": problems, "new": False, **_choices()}
    return render(request, "openness/policies/form.html", context, status=status)


# --- Interpretations, attachments, links ---------------------------------------------------------


def _qa_from_post(post) -> list[dict]:
    rows = []
    for i in range(services.MAX_QA):
        if f"qa-{i}-q" not in post:
            break
        rows.append({"q": post.get(f"qa-{i}-q", ""), "a": post.get(f"qa-{i}-a", "")})
    return rows


def _add_part(request, policy, work, *, done: str, page: str):
    """The POST of a part's add form (an interpretation, attachment or link): runs `work()`.
    Returns (response, problems, status): a redirect to `page` once added, or to the policy's
    page on a conflict; no response, with the problems by field (400), on bad input."""
    try:
        work()
    except InvalidInput as exc:
        return None, _problems(exc), 400
    except Conflict as exc:
        messages.error(request, exc.message)
        return not_done(redirect("openness:wb_policy", pk=policy.pk)), {}, 409
    messages.success(request, done)
    return redirect(page, pk=policy.pk), {}, 200


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def interpretations(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.interpretation.refused")
    form: dict = {"kind": InterpretationKind.TEXT, "title": "", "text": "", "qa": []}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {
            "kind": request.POST.get("kind", ""),
            "title": request.POST.get("title", ""),
            "text": request.POST.get("text", ""),
            "qa": _qa_from_post(request.POST),
        }
        image = request.FILES.get("image")
        response, problems, status = _add_part(
            request, policy, lambda: services.do_add_interpretation(
                actor=request.user, policy_id=policy.pk, image=image, **form
            ), done=_("已添加解读"), page="openness:wb_interpretations",
        )  # fmt: skip
        if response:
            return response
    qa_rows = list(form["qa"]) + [{} for _ in range(max(0, QA_ROWS - len(form["qa"])))]
    context = _policy_context(request, policy) | {
        "interpretations": list(policy.interpretations.all()),
        "form": form,
        "qa_rows": qa_rows,
        "kinds": InterpretationKind.choices,
        "problems": problems,
    }
    return render(request, "openness/policies/interpretations.html", context, status=status)


@require_GET
@staff_required
def interpretation_image(request, pk: int, ipk: int):
    """A graphic interpretation's image (图解), for the department's staff before publication
    (the secrecy reviewer looks at it too: the scanner reads no image)."""
    policy = permissions.access_policy(request.user, pk)
    interp = policy.interpretations.filter(pk=permissions.as_pk(ipk, _("没有找到该解读"))).first()
    if interp is None or not interp.image:
        raise NotFound(_("没有找到该解读"))
    try:
        handle = interp.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(_("附件文件不存在")) from exc
    ext = interp.image.name.rsplit(".", 1)[-1].lower()
    return FileResponse(handle, content_type=services.IMAGE_TYPES.get(f".{ext}", "application/octet-stream"))


def _delete_part(
    request, pk: int, part_pk, *, parts: str, missing: str, refused: str, work, page: str, done: str
):
    """A delete of one part of a policy (an interpretation, attachment or link) from its page:
    `parts` names the policy's related set, `work(part_pk)` the service; back to `page`."""
    policy = permissions.access_policy(request.user, pk, action=refused)
    part_pk = permissions.as_pk(part_pk, missing)
    if not getattr(policy, parts).filter(pk=part_pk).exists():
        raise NotFound(missing)
    try:
        work(part_pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return not_done(redirect(page, pk=policy.pk))
    messages.success(request, done)
    return redirect(page, pk=policy.pk)


@require_POST
@staff_required
@once_per_form
def interpretation_delete(request, pk: int, ipk: int):
    return _delete_part(
        request, pk, ipk, parts="interpretations", missing=_("没有找到该解读"),
        refused="openness.interpretation.refused", page="openness:wb_interpretations", done=_("已删除解读"),
        work=lambda i: services.do_delete_interpretation(actor=request.user, interpretation_id=i),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def attachments(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.attachment.refused")
    problems: dict[str, str] = {}
    status = 200
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        upload = request.FILES.get("file")
        response, problems, status = _add_part(
            request, policy, lambda: services.do_add_attachment(
                actor=request.user, policy_id=policy.pk, upload=upload, name=name
            ), done=_("已上传附件"), page="openness:wb_attachments",
        )  # fmt: skip
        if response:
            return response
    context = _policy_context(request, policy) | {
        "attachments": list(policy.attachments.all()),
        "name": name,
        "problems": problems,
        "types": ", ".join(sorted(services.ATTACHMENT_TYPES)),
    }
    return render(request, "openness/policies/attachments.html", context, status=status)


@require_GET
@staff_required
def attachment_file(request, pk: int, apk: int):
    policy = permissions.access_policy(request.user, pk)
    att = policy.attachments.filter(pk=permissions.as_pk(apk, _("没有找到该附件"))).first()
    if att is None:
        raise NotFound(_("没有找到该附件"))
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(_("附件文件不存在")) from exc
    ext = att.file.name.rsplit(".", 1)[-1] if "." in att.file.name else ""
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{att.name}.{ext}" if ext else att.name,
        content_type=att.content_type,
    )


@require_POST
@staff_required
@once_per_form
def attachment_delete(request, pk: int, apk: int):
    return _delete_part(
        request, pk, apk, parts="attachments", missing=_("没有找到该附件"),
        refused="openness.attachment.refused", page="openness:wb_attachments", done=_("已删除附件"),
        work=lambda a: services.do_delete_attachment(actor=request.user, attachment_id=a),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def links(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.link.refused")
    form = {"kind": LinkKind.ITEM, "code": "", "label": ""}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "code", "label")}
        response, problems, status = _add_part(
            request, policy, lambda: services.do_add_link(actor=request.user, policy_id=policy.pk, **form),
            done=_("已关联"), page="openness:wb_links",
        )  # fmt: skip
        if response:
            return response
    context = _policy_context(request, policy) | {
        "links": list(policy.links.all()),
        "form": form,
        "kinds": LinkKind.choices,
        "problems": problems,
        "linkable": policy.state != PolicyState.REPEALED,
    }
    return render(request, "openness/policies/links.html", context, status=status)


@require_POST
@staff_required
@once_per_form
def link_delete(request, pk: int, lpk: int):
    return _delete_part(
        request, pk, lpk, parts="links", missing=_("没有找到该关联"),
        refused="openness.link.refused", page="openness:wb_links", done=_("已取消关联"),
        work=lambda lk: services.do_remove_link(actor=request.user, link_id=lk),
    )  # fmt: skip


# --- Workflow ------------------------------------------------------------------------------------


def _act(request, policy, work, done: str, *, back: str = "openness:wb_policy"):
    try:
        work()
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return not_done(redirect(back, pk=policy.pk))
    messages.success(request, done)
    return redirect("openness:wb_policy", pk=policy.pk)


@require_POST
@staff_required
@once_per_form
def policy_submit(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.submit_refused")
    lock = request.POST.get("lock_version", "")
    return _act(
        request,
        policy,
        lambda: services.do_submit_policy(actor=request.user, policy_id=policy.pk, lock_version=lock or None),
        _("已提交审核"),
    )


@require_POST
@staff_required
@once_per_form
def policy_review(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.review_refused")
    approve = request.POST.get("decision") == "approve"
    comment = request.POST.get("comment", "")
    return _act(
        request,
        policy,
        lambda: services.do_review_policy(
            actor=request.user, policy_id=policy.pk, approve=approve, comment=comment
        ),
        _("审核通过，已进入保密审查") if approve else _("已退回起草人修改"),
    )


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def policy_secrecy(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.secrecy_refused")
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        comment = request.POST.get("comment", "")
        return _act(
            request,
            policy,
            lambda: services.do_secrecy_review(
                actor=request.user, policy_id=policy.pk, approve=approve, comment=comment
            ),
            _("保密审查通过，待发布") if approve else _("已退回起草人修改"),
            back="openness:wb_secrecy",
        )
    findings = list(policy.findings.select_related("resolved_by"))
    context = _policy_context(request, policy) | {
        "findings": findings,
        "open_count": sum(1 for f in findings if f.status == FindingStatus.OPEN),
        "in_secrecy": policy.state == PolicyState.SECRECY,
    }
    return render(request, "openness/policies/secrecy.html", context)


@require_POST
@staff_required
@once_per_form
def finding_action(request, pk: int, fpk: int, action: str):
    policy = permissions.access_policy(request.user, pk, action="openness.finding.refused")
    fpk = permissions.as_pk(fpk, _("没有找到该审查发现"))
    if action not in ("confirm", "redact") or not policy.findings.filter(pk=fpk).exists():
        raise NotFound(_("没有找到该审查发现"))
    try:
        if action == "confirm":
            services.do_confirm_finding(
                actor=request.user, finding_id=fpk, reason=request.POST.get("reason", "")
            )
        else:
            services.do_redact_finding(actor=request.user, finding_id=fpk)
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return not_done(redirect("openness:wb_secrecy", pk=policy.pk))
    messages.success(request, _("已确认不属于个人信息") if action == "confirm" else _("已遮蔽"))
    return redirect("openness:wb_secrecy", pk=policy.pk)


@require_POST
@staff_required
@once_per_form
def policy_publish(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.publish_refused")
    return _act(
        request,
        policy,
        lambda: services.do_publish_policy(actor=request.user, policy_id=policy.pk),
        _("已发布（政策文件与解读同步发布）"),
    )


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def policy_repeal(request, pk: int):
    policy = permissions.access_policy(request.user, pk, action="openness.policy.repeal_refused")
    form = {"repealed_on": "", "validity": Validity.REPEALED, "reason": ""}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            services.do_repeal_policy(actor=request.user, policy_id=policy.pk, **form)
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("openness:wb_policy", pk=policy.pk))
        else:
            messages.success(request, _("已废止"))
            return redirect("openness:wb_policy", pk=policy.pk)
    context = _policy_context(request, policy) | {
        "form": form,
        "problems": problems,
        "validities": [(v, label) for v, label in Validity.choices if v in services.REPEAL_VALIDITIES],
    }
    return render(request, "openness/policies/repeal.html", context, status=status)


@require_GET
@staff_required
def policy_history(request, pk: int):
    policy = permissions.access_policy(request.user, pk)
    context = _policy_context(request, policy) | {
        "trail": list(policy.reviews.select_related("actor")),
        "events": core_queries.audit_events_for("openness.policy", policy.pk),
    }
    return render(request, "openness/policies/history.html", context)


P = "workbench/policies/<int:pk>/"
urlpatterns = [
    path("workbench/policies/", policy_list, name="wb_policies"),
    path("workbench/policies/new/", policy_new, name="wb_policy_new"),
    path(P, policy_page, name="wb_policy"),
    path(P + "edit/", policy_edit, name="wb_policy_edit"),
    path(P + "interpretations/", interpretations, name="wb_interpretations"),
    path(P + "interpretations/<int:ipk>/image/", interpretation_image, name="wb_interpretation_image"),
    path(P + "interpretations/<int:ipk>/delete/", interpretation_delete, name="wb_interpretation_delete"),
    path(P + "attachments/", attachments, name="wb_attachments"),
    path(P + "attachments/<int:apk>/", attachment_file, name="wb_attachment_file"),
    path(P + "attachments/<int:apk>/delete/", attachment_delete, name="wb_attachment_delete"),
    path(P + "links/", links, name="wb_links"),
    path(P + "links/<int:lpk>/delete/", link_delete, name="wb_link_delete"),
    path(P + "submit/", policy_submit, name="wb_policy_submit"),
    path(P + "review/", policy_review, name="wb_policy_review"),
    path(P + "secrecy/", policy_secrecy, name="wb_secrecy"),
    path(P + "findings/<int:fpk>/<slug:action>/", finding_action, name="wb_finding_action"),
    path(P + "publish/", policy_publish, name="wb_policy_publish"),
    path(P + "repeal/", policy_repeal, name="wb_policy_repeal"),
    path(P + "history/", policy_history, name="wb_policy_history"),
]
