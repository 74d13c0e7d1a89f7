"""The themes workbench (/bundles/workbench/themes/...): the list, a new theme, a theme's page
(versions, what blocks publishing, review, withdraw, new version), the structured editor of a
draft, import (xlsx or JSON) and export. Thin: parse, call one service, render. The services
decide who may act; a theme the staff member may not maintain is 404."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import not_done, once_per_form

from . import permissions, queries, services, themes_form, xlsx_themes
from . import spec as specs
from .enums_themes import ThemeAudience, ThemeStatus

IMPORT_MAX_BYTES = xlsx_themes.MAX_BYTES
FIELD_TYPES = specs.FIELD_TYPES
POLICIES = [
    ("cancel", gettext_lazy("一并撤销")),
    ("pause", gettext_lazy("暂停待补正")),
    ("continue", gettext_lazy("继续办理")),
]


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.may_use_workbench(request.user):
            raise NotFound(_("没有找到要访问的内容"))
        return view(request, *args, **kwargs)

    return wrapper


# --- List ---------------------------------------------------------------------------------


@require_GET
@staff_required
def wb_list(request):
    context = {
        "themes": queries.workbench_themes(request.user),
        "awaiting": queries.awaiting_review(request.user),
        "may_create": permissions.is_platform_admin(request.user)
        or permissions.is_region_admin(request.user, getattr(request.user.department, "region_id", "") or ""),
    }
    return render(request, "bundles/themes/wb_list.html", context)


# --- The editor ---------------------------------------------------------------------------


def _editor_context(*, values: dict, rows: dict, error=None, json_text: str = "") -> dict:
    problems = list(error.problems) if error else []
    by_row = themes_form.row_problems(problems)
    # A spec path counts non-blank rows; attach each problem to the form row it came from.
    for part, part_rows in rows.items():
        filled = [n for n, r in enumerate(part_rows) if not themes_form.is_blank(r, part)]
        for row in part_rows:
            row["problems"] = []
        for index, messages_ in by_row.get(part, {}).items():
            if index < len(filled):
                part_rows[filled[index]]["problems"] = messages_
    return {
        "values": values,
        "rows": rows,
        "error": error,
        "problems": problems,
        "field_problems": {p.field: p.message for p in problems},
        "json_text": json_text,
        "audiences": ThemeAudience.choices,
        "field_types": FIELD_TYPES,
        "policies": POLICIES,
    }


def _spec_from_post(post) -> tuple[dict, dict, str]:
    """The spec document a POST describes: the JSON text when its button was pressed, else the
    structured rows. Returns (doc, rows, json_text)."""
    rows = themes_form.rows_from_post(post)
    json_text = (post.get("spec_json") or "").strip()
    if post.get("mode") == "json":
        try:
            doc = json.loads(json_text)
        except ValueError:
            raise InvalidInput.field("spec_json", "不是有效的 JSON") from None
        return doc, themes_form.rows_from_doc(doc), json_text
    return themes_form.doc_from_rows(rows, promised_days=post.get("promised_days", "")), rows, json_text


def _header_values(post) -> dict:
    return {
        k: (post.get(k) or "").strip()
        for k in ("code", "region", "name", "scenario", "audience", "promised_days")
    }


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def wb_new(request):
    user = request.user
    region = getattr(getattr(user, "department", None), "region_id", "") or ""
    values = {
        "code": "",
        "region": region,
        "name": "",
        "scenario": "",
        "audience": "person",
        "promised_days": "1",
    }
    rows = themes_form.rows_from_doc({})
    error, status = None, 200
    json_text = ""
    if request.method == "POST":
        values = _header_values(request.POST)
        try:
            doc, rows, json_text = _spec_from_post(request.POST)
            version = services.do_create_theme(
                actor=user,
                code=values["code"],
                region_code=values["region"],
                name=values["name"],
                scenario=values["scenario"],
                audience=values["audience"],
                spec=doc,
            )
        except InvalidInput as exc:
            error, status = exc, 400
        except (Forbidden, Conflict) as exc:
            error, status = InvalidInput(exc.message, problems=[]), 400
        else:
            messages.success(request, _("已保存草稿"))
            return redirect("bundles:wb_theme", code=version.theme.code)
    context = _editor_context(values=values, rows=rows, error=error, json_text=json_text) | {"new": True}
    return render(request, "bundles/themes/wb_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def wb_edit(request, pk: int):
    version = services.access_version(request.user, pk)
    if not permissions.may_edit(request.user, version.theme.region_id):
        raise NotFound(services.NOT_FOUND)
    if version.status != ThemeStatus.DRAFT:
        messages.info(request, _("只有草稿可以编辑；请先创建新版本"))
        return redirect("bundles:wb_theme", code=version.theme.code)
    values = {
        "code": version.theme.code,
        "region": version.theme.region_id,
        "name": version.name,
        "scenario": version.scenario,
        "audience": version.audience,
        "promised_days": str(version.spec.get("promised_days", "")),
    }
    rows = themes_form.rows_from_doc(version.spec)
    json_text = json.dumps(version.spec, ensure_ascii=False, indent=2)
    error, status = None, 200
    if request.method == "POST":
        values |= {k: v for k, v in _header_values(request.POST).items() if k not in ("code", "region")}
        try:
            doc, rows, json_text = _spec_from_post(request.POST)
            services.do_update_draft(
                actor=request.user,
                version=version,
                name=values["name"],
                scenario=values["scenario"],
                audience=values["audience"],
                spec=doc,
            )
        except InvalidInput as exc:
            error, status = exc, 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("bundles:wb_theme", code=version.theme.code))
        else:
            messages.success(request, _("已保存"))
            return redirect("bundles:wb_theme", code=version.theme.code)
    context = _editor_context(values=values, rows=rows, error=error, json_text=json_text) | {
        "new": False,
        "version": version,
    }
    return render(request, "bundles/themes/wb_edit.html", context, status=status)


# --- A theme ------------------------------------------------------------------------------


@require_GET
@staff_required
def wb_theme(request, code: str):
    user = request.user
    theme = services.access_theme(user, code)
    versions = list(queries.theme_versions(theme))
    latest = versions[0] if versions else None
    problems, blocking, members = [], [], []
    if latest is not None:
        try:
            parsed = services.check_spec(latest.spec)
        except DomainError as exc:
            problems = exc.problems or [exc.message]
        else:
            blocking = services.publish_problems(parsed)
            members = queries.member_infos(parsed)
    context = {
        "theme": theme,
        "versions": versions,
        "latest": latest,
        "problems": problems,
        "blocking": blocking,
        "members": members,
        "reviews": list(queries.version_reviews(latest)) if latest else [],
        "may_edit": permissions.may_edit(user, theme.region_id),
        "may_review": latest is not None
        and latest.status == ThemeStatus.IN_REVIEW
        and permissions.may_review(user, latest),
        "may_withdraw": permissions.may_review_region(user, theme.region_id),
        "has_open": any(v.status in (ThemeStatus.DRAFT, ThemeStatus.IN_REVIEW) for v in versions),
        "spec_json": json.dumps(latest.spec, ensure_ascii=False, indent=2) if latest else "",
    }
    return render(request, "bundles/themes/wb_theme.html", context)


def _act(request, version, fn, ok: str):
    try:
        fn()
    except (InvalidInput, Conflict, Forbidden) as exc:
        messages.error(request, exc.message)
        return not_done(redirect("bundles:wb_theme", code=version.theme.code))
    messages.success(request, ok)
    return redirect("bundles:wb_theme", code=version.theme.code)


@require_POST
@staff_required
@once_per_form
def wb_submit(request, pk: int):
    version = services.access_version(request.user, pk)
    return _act(
        request, version, lambda: services.do_submit(actor=request.user, version=version), _("已提交审核")
    )


@require_POST
@staff_required
@once_per_form
def wb_review(request, pk: int):
    version = services.access_version(request.user, pk)
    comment = request.POST.get("comment", "")
    if request.POST.get("decision") == "approve":
        return _act(
            request,
            version,
            lambda: services.do_approve(actor=request.user, version=version, comment=comment),
            _("已审核通过并发布"),
        )
    return _act(
        request,
        version,
        lambda: services.do_reject(actor=request.user, version=version, comment=comment),
        _("已退回修改"),
    )


@require_POST
@staff_required
@once_per_form
def wb_withdraw(request, pk: int):
    version = services.access_version(request.user, pk)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        version,
        lambda: services.do_withdraw(actor=request.user, version=version, reason=reason),
        _("已撤回"),
    )


@require_POST
@staff_required
@once_per_form
def wb_new_version(request, code: str):
    theme = services.access_theme(request.user, code)
    try:
        draft = services.do_new_version(actor=request.user, theme=theme)
    except (Conflict, Forbidden) as exc:
        messages.error(request, exc.message)
        return not_done(redirect("bundles:wb_theme", code=theme.code))
    messages.success(request, _("已创建新版本草稿"))
    return redirect("bundles:wb_version_edit", pk=draft.pk)


# --- Import and export --------------------------------------------------------------------


def _latest(theme):
    return queries.theme_versions(theme).first()


@require_GET
@staff_required
def wb_export_json(request, code: str):
    theme = services.access_theme(request.user, code)
    body = json.dumps({"themes": [queries.export_doc(_latest(theme))]}, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{theme.code}.json"'
    return response


@require_GET
@staff_required
def wb_export_xlsx(request, code: str):
    theme = services.access_theme(request.user, code)
    body = xlsx_themes.export_workbook([queries.export_doc(_latest(theme))])
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{theme.code}.xlsx"'
    return response


def _import(user, upload) -> dict:
    if upload is None:
        raise InvalidInput.field("file", "请选择要导入的文件（.xlsx 或 .json）")
    if upload.size > IMPORT_MAX_BYTES:
        raise InvalidInput.field("file", "文件超过 5 MB 的上限")
    name = (upload.name or "").lower()
    if name.endswith(".json"):
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput.field("file", "不是有效的 JSON 文件（UTF-8）") from None
        docs = data.get("themes") if isinstance(data, dict) else data
        return services.do_import_themes(actor=user, docs=docs)
    if name.endswith(".xlsx"):
        return xlsx_themes.do_import_themes_xlsx(actor=user, source=upload.file)
    raise InvalidInput.field("file", "只支持 .xlsx 或 .json 文件")


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def wb_import(request):
    error, status = None, 200
    if request.method == "POST":
        try:
            counts = _import(request.user, request.FILES.get("file"))
        except (InvalidInput, Forbidden, Conflict) as exc:
            error, status = exc, 400
        else:
            messages.success(
                request,
                _("已导入：新建 %(created)d 个主题，%(new_versions)d 个新版本草稿（待审核后发布）") % counts,
            )
            return redirect("bundles:wb_themes")
    return render(request, "bundles/themes/wb_import.html", {"error": error}, status=status)
