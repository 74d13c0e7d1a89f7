"""Workbench pages of the knowledge base (/hotline/workbench/kb/...): a department's articles, a new
article, an article with its workflow actions, its edit form and links; the operators' search and
article pages; and the assist fragment (htmx) with matching articles and the dispatch suggestion
for the text being keyed in.

Thin: parse, call one service or query, render. The services decide who may act (others get 404).
"""

from __future__ import annotations

import re
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
from tongban.core.idempotency import not_done, once_per_form

from . import kb
from . import permissions_kb as permissions
from .enums_kb import ArticleLinkKind, ArticleState

PAGE_SIZE = 20
MAX_Q = 50
MAX_ASSIST_TEXT = 2000
FORM_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")


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


def _values_from_post(post) -> dict:
    return {k: post.get(k, "").strip() for k in kb.ARTICLE_VALUES}


# --- A department's articles -------------------------------------------------------------------


@require_GET
@staff_required
def article_list(request):
    user = request.user
    platform = permissions.is_platform_admin(user)
    department_id = _int(request.GET.get("department", "")) if platform else user.department_id
    if department_id is None and not platform:
        raise NotFound(_("您不属于任何部门，没有可维护的知识库文章"))
    state = request.GET.get("state", "")
    state = state if state in ArticleState.values else ""
    q = request.GET.get("q", "").strip()[:MAX_Q]
    qs = kb.workbench_articles(department_id=department_id, state=state, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(_int(request.GET.get("page", "")) or 1)
    context = {
        "page": page,
        "states": ArticleState.choices,
        "chosen": {"state": state, "q": q, "department": department_id},
        "platform": platform,
        "department": core_queries.get_department(department_id) if department_id else None,
        "departments": core_queries.departments() if platform else [],
        "counts": kb.state_counts(department_id=department_id),
        "due": kb.review_due(department_id=department_id)[:10],
    }
    return render(request, "hotline/kb/list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def article_new(request):
    user = request.user
    platform = permissions.is_platform_admin(user)
    if user.department_id is None and not platform:
        raise NotFound(_("没有找到要访问的内容"))
    values = dict.fromkeys(kb.ARTICLE_VALUES, "")
    owner = user.department_id
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        owner = _int(request.POST.get("owner", "")) if platform else user.department_id
        try:
            article = kb.do_create_article(actor=user, owner_id=owner, values=values)
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        else:
            messages.success(request, _("已保存草稿"))
            return redirect("hotline:kb_article", pk=article.pk)
    context = {
        "values": values,
        "owner": owner,
        "platform": platform,
        "departments": core_queries.departments() if platform else [],
        "problems": problems,
        "new": True,
    }
    return render(request, "hotline/kb/form.html", context, status=status)


# --- An article (its maintainers) ----------------------------------------------------------------


def _article_context(request, article) -> dict:
    user = request.user
    reviewer = permissions.may_review(user, article.owner_id)
    return {
        "article": article,
        "editable": article.state in (ArticleState.DRAFT, ArticleState.PUBLISHED),
        "may_review": reviewer and not permissions.is_last_editor(user, article),
        "may_retire": reviewer and article.state != ArticleState.RETIRED,
    }


@require_GET
@staff_required
def article_page(request, pk: int):
    article = permissions.access_article(request.user, pk)
    context = _article_context(request, article) | {
        "links": list(article.links.all()),
        "versions": list(article.versions.select_related("approved_by")[:20]),
        "trail": list(article.reviews.select_related("actor")),
    }
    return render(request, "hotline/kb/detail.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def article_edit(request, pk: int):
    article = permissions.access_article(request.user, pk, action="hotline.article.edit_refused")
    values = {k: getattr(article, k) for k in kb.ARTICLE_VALUES}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            kb.do_update_article(
                actor=request.user,
                pk=article.pk,
                values=values,
                lock_version=request.POST.get("lock_version", ""),
            )
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("hotline:kb_article", pk=article.pk))
        else:
            messages.success(request, _("已保存"))
            return redirect("hotline:kb_article", pk=article.pk)
    context = {"article": article, "values": values, "problems": problems, "new": False}
    return render(request, "hotline/kb/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@once_per_form
def article_links(request, pk: int):
    article = permissions.access_article(request.user, pk, action="hotline.article.links_refused")
    links = list(article.links.all())
    form = {
        "items": " ".join(x.code for x in links if x.kind == ArticleLinkKind.ITEM),
        "policies": " ".join(x.code for x in links if x.kind == ArticleLinkKind.POLICY),
    }
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {
            "items": request.POST.get("items", "")[:2000],
            "policies": request.POST.get("policies", "")[:2000],
        }
        try:
            kb.do_set_links(
                actor=request.user,
                pk=article.pk,
                items=form["items"],
                policies=form["policies"],
                lock_version=request.POST.get("lock_version", ""),
            )
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
        except Conflict as exc:
            messages.error(request, exc.message)
            return not_done(redirect("hotline:kb_article", pk=article.pk))
        else:
            messages.success(request, _("已保存关联"))
            return redirect("hotline:kb_article", pk=article.pk)
    context = {"article": article, "links": links, "form": form, "problems": problems}
    return render(request, "hotline/kb/links.html", context, status=status)


ACTIONS = {
    "submit": (kb.do_submit_article, False, gettext_lazy("已提交审核")),
    "approve": (kb.do_approve_article, None, gettext_lazy("已审核通过，新版本已生效")),
    "return": (kb.do_return_article, True, gettext_lazy("已退回修改")),
    "retire": (kb.do_retire_article, True, gettext_lazy("已下架")),
}


@require_POST
@staff_required
@once_per_form
def article_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise NotFound(_("没有找到要访问的内容"))
    service, comment, done = ACTIONS[action]
    kwargs = {"actor": request.user, "pk": pk, "lock_version": request.POST.get("lock_version", "")}
    if comment is not False:
        kwargs["comment"] = request.POST.get("comment", "")
    try:
        service(**kwargs)
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return not_done(redirect("hotline:kb_article", pk=pk))
    messages.success(request, done)
    return redirect("hotline:kb_article", pk=pk)


# --- Operators: search, a live article, the assist fragment --------------------------------------


@require_GET
@staff_required
def search(request):
    q = request.GET.get("q", "").strip()[:MAX_Q]
    hits = kb.search_articles(q) if q else []
    return render(request, "hotline/kb/search.html", {"q": q, "hits": hits})


@require_GET
@staff_required
def live(request, pk: int):
    article = kb.live_article(pk)
    links = list(article.links.all())
    return render(request, "hotline/kb/live.html", {"article": article, "links": links})


@require_GET
@staff_required
def assist(request):
    """The htmx fragment beside the intake form: articles for the text keyed in so far, and the
    dispatch suggestion. Reads only; choosing is the operator's."""
    from .templatetags.hotline_kb import assist_context

    context = assist_context(
        request.GET.get("text", "")[:MAX_ASSIST_TEXT],
        request.GET.get("region_code", "")[:12],
        request.GET.get("address", "")[:200],
    )
    form_id = request.GET.get("form_id", "")
    context["form_id"] = form_id if FORM_ID_RE.fullmatch(form_id) else ""
    return render(request, "hotline/kb/_assist_results.html", context)
