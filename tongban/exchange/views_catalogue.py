"""Catalogue pages. Public: the resource catalogue (`/exchange/catalogue/`, filtered by
department, register and share type, paged) and an entry's page. Workbench (staff): a
department's catalogue, a new entry, an entry with its history (what changed in each version),
its edit form, and its mount page. Thin: parse, call one service or query, render; the
services decide who may write (others get 404)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import catalogue, queries
from .enums import (
    BaseRegister,
    EntryState,
    FieldType,
    MountKind,
    OpenType,
    ResourceClass,
    ResourceFormat,
    Sensitivity,
    ShareType,
    UpdateFrequency,
)

PAGE_SIZE = 20
BLANK_FIELD_ROWS = 3


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise NotFound(_("没有找到要访问的内容"))
        return view(request, *args, **kwargs)

    return wrapper


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


# --- Public --------------------------------------------------------------------------------------


@require_GET
def public_list(request):
    department_id = _int(request.GET.get("department", ""))
    register = request.GET.get("register", "")
    register = register if register in BaseRegister.values else ""
    share = request.GET.get("share", "")
    share = share if share in ShareType.values else ""
    q = request.GET.get("q", "").strip()[:50]
    qs = queries.published_entries(department_id=department_id, register=register, share_type=share, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(_page_number(request))
    mounts = queries.mounts_of(r.code for r in page.object_list)
    context = {
        "page": page,
        "rows": [(r, mounts.get(r.code)) for r in page.object_list],
        "departments": queries.provider_departments(),
        "registers": BaseRegister.choices,
        "shares": ShareType.choices,
        "chosen": {"department": department_id, "register": register, "share": share, "q": q},
        "stats": queries.catalogue_stats().total,
    }
    return render(request, "exchange/catalogue/public_list.html", context)


@require_GET
def public_entry(request, code: str):
    entry = queries.public_entry(code.upper())
    if entry is None:
        raise NotFound(_("没有找到该信息资源"))
    context = {
        "entry": entry,
        "mount": queries.mounts_of([entry.code]).get(entry.code),
        # 有条件开放: the entry and its conditions are public, its data items are not.
        "show_fields": entry.open_type == OpenType.OPEN,
        "fields": queries.labelled_fields(entry.fields) if entry.open_type == OpenType.OPEN else [],
    }
    return render(request, "exchange/catalogue/public_entry.html", context)


# --- Workbench -----------------------------------------------------------------------------------


def _choices() -> dict:
    return {
        "classes": ResourceClass.choices,
        "registers": BaseRegister.choices,
        "formats": ResourceFormat.choices,
        "shares": ShareType.choices,
        "opens": OpenType.choices,
        "frequencies": UpdateFrequency.choices,
        "field_types": FieldType.choices,
        "sensitivities": Sensitivity.choices,
        "mount_kinds": MountKind.choices,
        "handlers": catalogue.SERVICE_HANDLERS,
    }


@require_GET
@staff_required
def workbench(request):
    user = request.user
    platform = catalogue.is_platform_admin(user)
    department_id = user.department_id
    if platform:
        department_id = _int(request.GET.get("department", ""))
    if department_id is None and not platform:
        raise NotFound(_("您不属于任何部门，没有可维护的信息资源目录"))
    qs = queries.workbench_entries(department_id=department_id)
    page = Paginator(qs, PAGE_SIZE).get_page(_page_number(request))
    mounts = queries.mounts_of(r.code for r in page.object_list)
    stats = queries.catalogue_stats(department_id)
    context = {
        "page": page,
        "rows": [(r, mounts.get(r.code)) for r in page.object_list],
        "platform": platform,
        "department": core_queries.get_department(department_id) if department_id else None,
        "departments": core_queries.departments() if platform else [],
        "may_create": department_id is not None and catalogue.may_edit(user, department_id),
        "stats": stats.total,
        "by_department": stats.departments if department_id is None else [],
    }
    return render(request, "exchange/catalogue/workbench.html", context)


def _fields_from_post(post) -> list[dict]:
    rows = []
    for i in range(catalogue.MAX_FIELDS + BLANK_FIELD_ROWS):
        prefix = f"fields-{i}-"
        if prefix + "key" not in post:
            break
        row = {
            p: post.get(prefix + p, "").strip()
            for p in ("key", "name", "type", "sensitivity", "length", "description")
        }
        if not any(row[p] for p in ("key", "name", "length", "description")):
            continue
        length = row.pop("length")
        row["length"] = int(length) if length.isdigit() and len(length) < 7 else (length or None)
        rows.append(row)
    return rows


def _values_from_post(post) -> dict:
    keys = ("name", "summary", "resource_class", "base_register", "subject", "format", "share_type")
    keys += (
        "share_condition",
        "share_basis",
        "open_type",
        "open_condition",
        "update_frequency",
        "change_note",
    )
    values = {k: post.get(k, "").strip() for k in keys}
    values["keywords"] = post.get("keywords", "")
    values["fields"] = _fields_from_post(post)
    return values


def _form_rows(fields: list[dict]) -> list[dict]:
    return list(fields) + [{} for _ in range(BLANK_FIELD_ROWS)]


def _problems(exc) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in exc.problems:
        out.setdefault(p.field, p.message)
    return out


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def entry_new(request):
    user = request.user
    if user.department_id is None or not catalogue.may_edit(user, user.department_id):
        raise NotFound(_("没有找到要访问的内容"))
    values: dict = {"resource_class": ResourceClass.DEPARTMENT, "fields": []}
    code = ""
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        code = request.POST.get("code", "").strip()
        try:
            entry = catalogue.do_create_entry(
                actor=user, provider_id=user.department_id, code=code, values=values
            )
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        else:
            messages.success(request, _("已保存草稿 %(code)s") % {"code": entry.code})
            return redirect("exchange:wb_entry", code=entry.code)
    context = {
        "values": values,
        "code": code,
        "rows": _form_rows(values.get("fields") or []),
        "problems": problems,
    }
    return render(
        request, "exchange/catalogue/entry_form.html", {**context, **_choices(), "new": True}, status=status
    )


@require_GET
@staff_required
def entry_page(request, code: str):
    latest = catalogue.access_entry_for_viewing(request.user, code.upper())
    context = {
        "entry": latest,
        "fields": queries.labelled_fields(latest.fields),
        "history": queries.history(latest.code),
        "mount": queries.mounts_of([latest.code]).get(latest.code),
        "may_edit": catalogue.may_edit(request.user, latest.provider_id),
        "is_draft": latest.state == EntryState.DRAFT,
        "retired": latest.state == EntryState.RETIRED,
        "published_before": latest.version > 1 or latest.is_current,
    }
    return render(request, "exchange/catalogue/entry.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def entry_edit(request, code: str):
    latest = catalogue.access_entry(request.user, code.upper(), action="exchange.entry.edit_refused")
    values = {k: getattr(latest, k) for k in catalogue.ENTRY_VALUES}
    values["keywords"] = "，".join(latest.keywords)
    values["change_note"] = latest.change_note if latest.state == EntryState.DRAFT else ""
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            catalogue.do_edit_entry(actor=request.user, code=latest.code, values=values)
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("exchange:wb_entry", code=latest.code)
        else:
            messages.success(request, _("已保存草稿，发布后生效"))
            return redirect("exchange:wb_entry", code=latest.code)
    context = {
        "entry": latest,
        "values": values,
        "code": latest.code,
        "rows": _form_rows(values.get("fields") or []),
    }
    context |= {"problems": problems, "new": False}
    return render(request, "exchange/catalogue/entry_form.html", {**context, **_choices()}, status=status)


ENTRY_ACTIONS = {
    "publish": lambda user, code, post: catalogue.do_publish_entry(actor=user, code=code),
    "discard": lambda user, code, post: catalogue.do_discard_draft(actor=user, code=code),
    "retire": lambda user, code, post: catalogue.do_retire_entry(
        actor=user, code=code, reason=post.get("reason", "")
    ),
}
DONE = {
    "publish": gettext_lazy("已发布"),
    "discard": gettext_lazy("已删除草稿"),
    "retire": gettext_lazy("已停用"),
}


@require_POST
@staff_required
@once_per_form
def entry_action(request, code: str, action: str):
    if action not in ENTRY_ACTIONS:
        raise NotFound(_("没有找到要访问的内容"))
    code = code.upper()
    try:
        ENTRY_ACTIONS[action](request.user, code, request.POST)
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[action])
        if action == "discard" and not queries.versions(code):
            return redirect("exchange:wb_catalogue")
    return redirect("exchange:wb_entry", code=code)


MOUNT_ACTIONS = ("mount", "suspend", "resume", "unmount", "update")


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def mount_page(request, code: str):
    latest = catalogue.access_entry(request.user, code.upper(), action="exchange.mount.refused")
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        user, c = request.user, latest.code
        try:
            if action == "mount":
                catalogue.do_mount(
                    actor=user,
                    code=c,
                    kind=request.POST.get("kind", ""),
                    target=request.POST.get("target", ""),
                )
            elif action == "suspend":
                catalogue.do_suspend_mount(actor=user, code=c, reason=request.POST.get("reason", "")[:300])
            elif action == "resume":
                catalogue.do_resume_mount(actor=user, code=c)
            elif action == "unmount":
                catalogue.do_unmount(actor=user, code=c, reason=request.POST.get("reason", "")[:300])
            elif action == "update":
                records = request.POST.get("records", "").strip()
                if records and not records.isdigit():
                    raise InvalidInput.field("records", "记录数应为非负整数")
                catalogue.do_record_update(actor=user, code=c, records=int(records) if records else None)
            else:
                raise InvalidInput.field("action", "未知的操作")
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("exchange:wb_mount", code=c)
        else:
            messages.success(request, _("已保存"))
            return redirect("exchange:wb_mount", code=c)
    mount = queries.mounts_of([latest.code]).get(latest.code)
    context = {
        "entry": latest,
        "mount": mount,
        "problems": problems,
        "kind": request.POST.get("kind", mount.kind if mount else ""),
        "target": request.POST.get("target", mount.target if mount else ""),
        "files": sorted(p.name for p in catalogue.file_store().glob("*") if p.is_file()),
        **_choices(),
    }
    return render(request, "exchange/catalogue/mount.html", context, status=status)
