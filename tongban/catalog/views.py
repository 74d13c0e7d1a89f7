"""Staff workbench for the catalogue (/workbench/catalog/): queues, edit drafts, review, publish.

Views are thin: parse the form, call one service, render; permissions live in services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem, Forbidden, InvalidInput, TooLarge
from tongban.core.idempotency import not_done, once_per_form

from . import forms, permissions, queries, services
from .enums import Status


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_staff:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _visible_item(request, pk: int):
    item = queries.get_item_version(pk)
    if not permissions.may_view_draft(request.user, item):
        raise Forbidden(_("您无权查看该事项的草稿"))
    return item


@staff_required
def workbench(request):
    user = request.user
    dept_id = None if (user.is_superuser or permissions.can_review.test(user)) else user.department_id
    code = request.GET.get("code", "").strip().upper()[:36]
    context = {
        "drafts": queries.work_queue(
            department_id=dept_id if not user.is_superuser else None, statuses=[Status.DRAFT]
        )[:50],
        "in_review": queries.work_queue(department_id=dept_id, statuses=[Status.IN_REVIEW])[:50],
        "may_review": permissions.can_review.test(user),
        "code": code,
        "found": list(queries.item_versions(code).select_related("department")[:20]) if code else [],
        "department": core_queries.get_department(user.department_id) if user.department_id else None,
    }
    # 待复核: items flagged by a policy change (openness); `?flags=all` includes cleared ones.
    show_all = request.GET.get("flags") == "all"
    context["flags"] = None
    flag_dept = None if (user.is_superuser or permissions.can_review.test(user)) else user.department_id
    if flag_dept is not None or user.is_superuser or permissions.can_review.test(user):
        flags = queries.review_flags(department_id=flag_dept, open_only=not show_all)[:50]
        context["flags"] = list(flags)
    context["flags_all"] = show_all
    if user.department_id:
        published = queries.department_items(user.department_id).select_related("region")
        context["published"] = Paginator(published, 25).get_page(request.GET.get("page"))
    return render(request, "catalog/workbench.html", context)


@staff_required
def item_detail(request, pk: int):
    item = queries.mark_exempt_materials(_visible_item(request, pk))
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "versions": queries.item_versions(item.code),
            "history": core_queries.audit_events_for("catalog.implementationitem", item.pk),
            "may_edit": permissions.may_edit(request.user, item.department_id),
            "may_review": item.status == Status.IN_REVIEW and permissions.may_review(request.user, item),
            "comment_form": forms.CommentForm(),
            "flags": queries.flags_for_code(item.code)[:20],
        },
    )


def _apply_problems(form, formset, problems) -> None:
    for p in problems:
        field = p.field.split(".")[-1]
        if p.field.startswith("materials[") and formset is not None:
            index = int(p.field[len("materials[") : p.field.index("]")]) - 1
            kept = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            if 0 <= index < len(kept) and field in kept[index].fields:
                kept[index].add_error(field, p.message)
                continue
        if field in form.fields:
            form.add_error(field, p.message)
        else:
            form.add_error(None, str(p))


@staff_required
@once_per_form
def item_edit(request, pk: int):
    item = services.access_draft(request.user, pk)
    if not item.is_editable:
        messages.error(request, _("只有草稿可以修改；已发布的版本请先创建新版本。"))
        return redirect("catalog:item", pk=item.pk)
    if request.method == "POST":
        form = forms.ItemForm(request.POST)
        formset = forms.MaterialFormSet(request.POST, prefix="m")
        if form.is_valid() and formset.is_valid():
            try:
                services.do_update_draft(
                    actor=request.user,
                    item=item,
                    data=form.cleaned_data,
                    materials=forms.cleaned_materials(formset),
                )
            except InvalidInput as exc:
                _apply_problems(form, formset, exc.problems)
            else:
                messages.success(request, _("草稿已保存。"))
                return redirect("catalog:item", pk=item.pk)
    else:
        form = forms.ItemForm.for_item(item)
        formset = forms.MaterialFormSet(initial=forms.material_initial(item), prefix="m")
    return render(
        request,
        "catalog/item_edit.html",
        {"item": item, "form": form, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )


ACTIONS = {
    "submit": (services.do_submit_for_review, _("已提交审核。")),
    "approve": (services.do_approve, _("已审核通过并发布。")),
    "reject": (services.do_reject, _("已退回修改。")),
    "new-version": (services.do_new_version, _("已创建新版本草稿。")),
}


@staff_required
@once_per_form
def item_action(request, pk: int, action: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in ACTIONS:
        raise InvalidInput.field("action", _("未知操作"))
    item = _visible_item(request, pk)
    service, done = ACTIONS[action]
    kwargs = {}
    if action in ("approve", "reject"):
        form = forms.CommentForm(request.POST)
        kwargs["comment"] = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        result = service(actor=request.user, item=item, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        for p in exc.problems[:10]:
            messages.error(request, str(p))
        return not_done(redirect("catalog:item", pk=item.pk))
    messages.success(request, done)
    return redirect("catalog:item", pk=result.pk)


@staff_required
@once_per_form
def flag_clear(request, pk: int):
    """Clear a review flag (待复核) once the item was reviewed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    flag = services.access_flag(request.user, pk)
    try:
        services.do_clear_review_flag(actor=request.user, flag_id=flag.pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return not_done(redirect("catalog:workbench"))
    messages.success(request, _("已处理待复核标记。"))
    item = queries.current_items().filter(code=flag.code).only("pk").first()
    return redirect("catalog:item", pk=item.pk) if item else redirect("catalog:workbench")


@staff_required
def four_sames(request):
    rows = queries.four_sames_report(queries.SearchFilters(region=request.GET.get("region", "")))
    return render(request, "catalog/four_sames.html", {"rows": rows[:500], "total": len(rows)})


@staff_required
@once_per_form
def import_items(request):
    """Upload a department's list in the xlsx template; rows become drafts awaiting review."""
    from django.conf import settings

    from .xlsx import describe, do_import_items_xlsx

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "problems": [],
        "max_size": filesizeformat(settings.CATALOG_IMPORT_MAX_BYTES),
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > settings.CATALOG_IMPORT_MAX_BYTES:
                raise TooLarge(
                    _("文件超过 %(size)s 的上限") % {"size": context["max_size"]},
                    problems=[FieldProblem("file", _("文件过大"))],
                )
            counts = do_import_items_xlsx(actor=request.user, source=upload.file, publish=False)
        except DomainError as exc:
            status = exc.status
            context["error"] = exc.message
            context["problems"] = [describe(p) for p in exc.problems[:500]]
            context["more"] = max(0, len(exc.problems) - 500)
        else:  # post/redirect/get: a reload or a second click imports nothing more
            messages.success(
                request,
                _("已导入 %(n)s 个事项：新增 %(c)s 个，新版本 %(v)s 个，均为草稿，待审核。")
                % {"n": counts["items"], "c": counts["created"], "v": counts["new_versions"]},
            )
            return redirect("catalog:import")
    elif request.method == "POST":
        status = 400
    return render(request, "catalog/import.html", context, status=status)


@staff_required
def export_items(request):
    """Download current items (the user's department, or a region for reviewers) as xlsx."""
    from django.http import HttpResponse

    from .xlsx import export_items_xlsx

    user = request.user
    department = (
        str(user.department_id)
        if user.department_id and not permissions.can_review.test(user)
        else request.GET.get("department", "")
    )
    region = request.GET.get("region", "")
    if not (department or region):
        raise InvalidInput.field("region", _("请指定行政区划或部门"))
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    export_items_xlsx(response, region=region, department=department)
    return response
