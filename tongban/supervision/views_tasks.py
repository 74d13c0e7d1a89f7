"""Pages of joint tasks (联合监管). Thin: each write is one call to `tasks`.

- `/supervision/tasks/`: the tasks of the staff member's department; a form to start one.
- `/supervision/tasks/<pk>/`: the task, its parties, steps and files; the forms of the step the
  viewer may take (认领, 实施 with uploads, 结果, 归档).
- `/supervision/tasks/<pk>/files/<fid>/`: a photo or record, for those who see the task.
- `/supervision/tasks/<pk>/verify/` (public): the chain (each step's action, department, time,
  hash and whether its hash, link and seal signature check), intact or the broken step named.
  It shows no payload, so nothing personal or confidential.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tongban.accounts import queries as account_queries
from tongban.core import files
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import not_done, once_per_form

from . import permissions, queries, tasks
from .models import PartyRole, Task, TaskState
from .views_core import PAGE_SIZE, _int, _refused, supervisor_required

MAX_UPLOAD = tasks.MAX_FILE_BYTES


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def task_list(request):
    user = request.user
    dept = permissions.department_of(user)
    values = {"title": "", "reason": "", "entity": "", "partners": []}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", ""),
            "reason": request.POST.get("reason", ""),
            "entity": request.POST.get("entity", "").strip(),
            "partners": [p for p in (_int(x) for x in request.POST.getlist("partners")) if p],
        }
        try:
            entity_id = None
            if values["entity"]:
                entity_id = queries.entity(credit_code=values["entity"]).pk
            task = tasks.do_open_task(
                actor=user,
                department_id=dept or 0,
                title=values["title"],
                reason=values["reason"],
                entity_id=entity_id,
                partner_department_ids=values["partners"],
            )
        except InvalidInput as exc:
            problems, status = {p.field: p.message for p in exc.problems}, 400
        except Forbidden as exc:
            problems, status = {"department_id": exc.message}, 400
        except NotFound:
            problems, status = {"entity": _("没有找到该监管对象")}, 400
        else:
            messages.success(request, _("已发起联合监管任务"))
            return redirect("supervision:task", pk=task.pk)
    page_obj = _page(queries.tasks_for(user), request.GET.get("page"))
    context = {
        "page": page_obj,
        "values": values,
        "problems": problems,
        "may_open": dept is not None,
        "departments": core_queries.departments().exclude(pk=dept).order_by("name")[:200] if dept else [],
    }
    return render(request, "supervision/core/tasks.html", context, status=status)


def _page(qs, number):
    return Paginator(qs, PAGE_SIZE).get_page(number)


def _uploads(request) -> list[tuple[str, bytes]]:
    out = []
    for f in request.FILES.getlist("files")[: tasks.MAX_FILES + 1]:
        if f.size > MAX_UPLOAD:
            raise InvalidInput.field("files", _("单个文件不能超过 10 MB"))
        out.append((f.name, f.read()))
    return out


@require_http_methods(["GET", "POST"])
@supervisor_required
@once_per_form
def task_detail(request, pk: int):
    user = request.user
    task = tasks.access_task(user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "claim":
                ids = [p for p in (_int(x) for x in request.POST.getlist("inspectors")) if p]
                tasks.do_claim_task(actor=user, task_id=task.pk, inspector_ids=ids)
                messages.success(request, _("已认领"))
            elif action == "record":
                tasks.do_record_task(
                    actor=user, task_id=task.pk, note=request.POST.get("note", ""), uploads=_uploads(request)
                )
                messages.success(request, _("已记录实施情况"))
            elif action == "result":
                tasks.do_result_task(
                    actor=user,
                    task_id=task.pk,
                    result_code=request.POST.get("result_code", ""),
                    result_text=request.POST.get("result_text", ""),
                )
                messages.success(request, _("已填写处理结果"))
            elif action == "archive":
                tasks.do_archive_task(actor=user, task_id=task.pk)
                messages.success(request, _("已归档"))
            else:
                raise InvalidInput.field("action", _("未知的操作"))
        except (InvalidInput, Conflict, Forbidden) as exc:
            _refused(request, exc)
            return not_done(redirect("supervision:task", pk=task.pk))
        return redirect("supervision:task", pk=task.pk)
    dept = permissions.department_of(user)
    parties = list(task.parties.select_related("department").prefetch_related("inspectors").order_by("pk"))
    mine = next((p for p in parties if p.department_id == dept), None)
    assigned = bool(mine and any(u.pk == user.pk for u in mine.inspectors.all()))
    context = {
        "task": task,
        "parties": parties,
        "steps": queries.steps_of(task),
        "files": task.files.order_by("pk"),
        "may_claim": bool(
            mine and mine.claimed_at is None and task.state in (TaskState.OPENED, TaskState.CLAIMED)
        ),
        "colleagues": account_queries.staff_of_department(dept).order_by("pk")[:100] if mine else [],
        "may_record": assigned and task.state in (TaskState.CLAIMED, TaskState.ACTING),
        "may_result": assigned and mine.role == PartyRole.LEAD and task.state == TaskState.ACTING,
        "may_archive": task.state == TaskState.RESULTED
        and (
            (assigned and mine.role == PartyRole.LEAD)
            or permissions.is_department_admin(user, task.department_id)
        ),
        "results": list(tasks.RESULTS.items()),
    }
    return render(request, "supervision/core/task.html", context)


@require_GET
@supervisor_required
def task_file(request, pk: int, fid: int):
    task = tasks.access_task(request.user, pk)
    row = task.files.filter(pk=fid).first()
    if row is None:
        raise Http404
    response = HttpResponse(files.open_decrypted(row.stored_name), content_type=row.content_type)
    response["Content-Disposition"] = f'attachment; filename="task-{task.pk}-file-{row.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def task_verify(request, pk: int):
    if not Task.objects.filter(pk=pk).exists():
        raise Http404
    report = tasks.verify_task(pk)
    names = {
        d.pk: d.name for d in core_queries.departments_by_id({s.department_id for s in report.steps}).values()
    }
    return render(request, "supervision/core/verify.html", {"report": report, "names": names, "task_id": pk})
