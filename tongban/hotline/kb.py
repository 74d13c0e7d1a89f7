"""Knowledge base (知识库): writing, reviewing and searching the articles operators answer from.

Writes (`do_*`) take `actor=`, authorise the article (`permissions_kb.access_article`: anyone
outside the owner department gets a 404, the refusal audited), lock its row, bump `lock_version`,
append an `ArticleReview` step and record an audit event in the same transaction. Bad input raises
`InvalidInput` naming the field and changes nothing.

The working text (question, answer, keywords) may differ from the live one (published_*): editing
a live article makes a draft of its next version; operators keep answering from the approved text
until the new version is approved (`do_approve_article`, four eyes), which copies it into an
`ArticleVersion`, the live fields and the search index.

Search goes through the platform's Chinese search (`core.search`): every query word must match
first; when that finds too few (a caller's whole sentence rarely matches every word), the articles
matching any of the sentence's words are ranked by how much of it they cover.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tongban.catalog import queries as catalog_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tongban.core.search import index_text, query_tokens
from tongban.openness import queries as openness_queries

from . import permissions_kb as permissions
from .enums_kb import EDITABLE_STATES, ArticleLinkKind, ArticleState, ArticleStep
from .models_kb import Article, ArticleLink, ArticleReview, ArticleVersion

LIMITS = {"question": 300, "answer": 5000, "keywords": 200, "category": 40, "comment": 500}
ARTICLE_VALUES = ("question", "answer", "keywords", "category", "valid_from", "valid_until", "review_due")
LABELS = {
    "question": "问题",
    "answer": "答案",
    "keywords": "关键词",
    "category": "诉求分类",
    "valid_from": "生效日期",
    "valid_until": "失效日期",
    "review_due": "复核日期",
    "owner": "维护部门",
    "comment": "意见",
    "items": "关联事项",
    "policies": "关联政策",
}
MAX_LINKS = 20
ITEM_CODE = re.compile(r"[0-9A-Z_-]{1,60}")
SEARCH_LIMIT = 10
ANY_WORD_TOKENS = 12  # a sentence's longest words searched one by one
ANY_WORD_CANDIDATES = 200


# --- Validation ----------------------------------------------------------------------------------


def _text(values: dict, key: str, problems: list, *, required: bool) -> str:
    raw = values.get(key, "")
    raw = "" if raw is None else raw
    label = LABELS[key]
    if not isinstance(raw, str):
        problems.append(FieldProblem(key, f"{label}应为文字"))
        return ""
    value = raw.strip()
    if "\x00" in value:
        problems.append(FieldProblem(key, f"{label}含有不可见的控制字符"))
        return ""
    if required and not value:
        problems.append(FieldProblem(key, f"请填写{label}"))
    if len(value) > LIMITS[key]:
        problems.append(FieldProblem(key, f"{label}不能超过{LIMITS[key]}字"))
    return value


def _date(values: dict, key: str, problems: list) -> dt.date | None:
    raw = values.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        value = dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        problems.append(FieldProblem(key, f"{LABELS[key]}应为日期，如 2026-03-01"))
        return None
    if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
        problems.append(FieldProblem(key, f"{LABELS[key]}超出合理范围"))
        return None
    return value


def check_article(values: dict) -> dict:
    """Every value of an article checked at once; all problems in one InvalidInput."""
    if not isinstance(values, dict):
        raise InvalidInput("文章内容格式有误")
    unknown = sorted(set(values) - set(ARTICLE_VALUES))
    if unknown:
        raise InvalidInput.field(unknown[0], "不是知识库文章的字段")
    problems: list[FieldProblem] = []
    clean = {
        "question": _text(values, "question", problems, required=True),
        "answer": _text(values, "answer", problems, required=True),
        "keywords": _text(values, "keywords", problems, required=False),
        "category": _text(values, "category", problems, required=False),
        "valid_from": _date(values, "valid_from", problems),
        "valid_until": _date(values, "valid_until", problems),
        "review_due": _date(values, "review_due", problems),
    }
    if clean["question"] and "\n" in clean["question"]:
        problems.append(FieldProblem("question", "问题应为一行文字"))
    if clean["valid_from"] and clean["valid_until"] and clean["valid_until"] < clean["valid_from"]:
        problems.append(FieldProblem("valid_until", "失效日期不能早于生效日期"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return clean


def _comment(comment, *, required: bool) -> str:
    return _checked({"comment": comment}, "comment", required=required)


def _checked(values: dict, key: str, *, required: bool) -> str:
    problems: list[FieldProblem] = []
    value = _text(values, key, problems, required=required)
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return value


# --- Helpers -------------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None and hasattr(actor, "is_staff") else None


def _snapshot(article: Article) -> dict:
    return {
        "state": article.state,
        "version": article.version,
        "live": article.live,
        "lock_version": article.lock_version,
    }


def _trail(article: Article, actor, step: str, comment: str = "") -> None:
    ArticleReview.objects.create(article=article, step=step, actor=_user(actor), comment=comment)


def _locked(actor, pk, *, action: str) -> Article:
    """Authorise (outside the transaction, so a refusal's audit event stays), then lock."""
    article = permissions.access_article(actor, pk, action=action)
    return Article.objects.select_for_update().get(pk=article.pk)


def _check_version(article: Article, lock_version) -> None:
    if lock_version in (None, ""):
        return
    try:
        expected = int(lock_version)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field("lock_version", "版本号有误，请刷新后重试") from exc
    if expected != article.lock_version:
        raise Conflict("该文章已被他人修改，请刷新后重试")


def _save(article: Article, fields: list[str]) -> None:
    article.lock_version += 1
    article.save(update_fields=[*fields, "lock_version", "updated_at"])


def _owner(owner_id):
    if owner_id in (None, ""):
        raise InvalidInput.field("owner", "请选择维护部门")
    try:
        return core_queries.get_department(permissions.as_pk(owner_id))
    except (TypeError, ValueError, NotFound) as exc:
        raise InvalidInput.field("owner", "没有找到该维护部门") from exc


# --- Writes --------------------------------------------------------------------------------------


def do_create_article(*, actor, owner_id, values: dict) -> Article:
    """A new article of `owner_id`, a draft (起草)."""
    problems: list[FieldProblem] = []
    owner = None
    try:
        owner = _owner(owner_id)
    except InvalidInput as exc:
        problems += exc.problems
    try:
        clean = check_article(values)
    except InvalidInput as exc:
        problems += exc.problems
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    if not permissions.may_write(actor, owner.pk):
        raise permissions.refuse(
            actor, action="hotline.article.create_refused", object_id=owner.pk, reason="not_department"
        )
    with transaction.atomic():
        article = Article.objects.create(
            owner=owner, created_by=_user(actor), edited_by=_user(actor), **clean
        )
        _trail(article, actor, ArticleStep.CREATE)
        audit.record(actor=actor, action="hotline.article.created", obj=article, data=_snapshot(article))
    return article


def do_update_article(*, actor, pk, values: dict, lock_version=None) -> Article:
    """Change the working text of a draft, or start the next version of a live article (it stays
    live with its approved text until the new version is approved)."""
    article = permissions.access_article(actor, pk, action="hotline.article.edit_refused")
    if not isinstance(values, dict):
        raise InvalidInput("文章内容格式有误")
    merged = {k: getattr(article, k) for k in ARTICLE_VALUES} | values
    clean = check_article(merged)
    with transaction.atomic():
        article = _locked(actor, article.pk, action="hotline.article.edit_refused")
        _check_version(article, lock_version)
        if article.state not in EDITABLE_STATES:
            raise Conflict("待审核或已下架的文章不能修改，请先退回或重新起草")
        changed = sorted(k for k, v in clean.items() if getattr(article, k) != v)
        if not changed:
            return article
        for k, v in clean.items():
            setattr(article, k, v)
        article.state = ArticleState.DRAFT
        article.edited_by = _user(actor)
        # Validity and review dates apply at once; the live text and its index change on approval.
        _save(article, [*clean, "state", "edited_by"])
        _trail(article, actor, ArticleStep.EDIT, "、".join(LABELS[k] for k in changed))
        audit.record(
            actor=actor,
            action="hotline.article.edited",
            obj=article,
            data={**_snapshot(article), "changed": changed},
        )
    return article


def do_submit_article(*, actor, pk, lock_version=None) -> Article:
    """起草 → 待审核."""
    with transaction.atomic():
        article = _locked(actor, pk, action="hotline.article.submit_refused")
        _check_version(article, lock_version)
        if article.state != ArticleState.DRAFT:
            raise Conflict("只有起草中的文章可以提交审核")
        article.state = ArticleState.REVIEW
        _save(article, ["state"])
        _trail(article, actor, ArticleStep.SUBMIT)
        audit.record(actor=actor, action="hotline.article.submitted", obj=article, data=_snapshot(article))
    return article


def _reviewable(actor, pk, *, action: str) -> Article:
    article = permissions.access_article(actor, pk, action=action)
    if not permissions.may_review(actor, article.owner_id):
        raise permissions.refuse(actor, action=action, object_id=article.pk, reason="not_reviewer")
    return article


def _index(article: Article) -> str:
    return index_text(article.published_question, article.keywords, article.published_answer)


def do_approve_article(*, actor, pk, comment: str = "", lock_version=None) -> ArticleVersion:
    """待审核 → 已发布: the working text becomes the next version, live and searchable. Four eyes:
    the last editor may not approve it."""
    _reviewable(actor, pk, action="hotline.article.approve_refused")
    comment = _comment(comment, required=False)
    with transaction.atomic():
        article = _locked(actor, pk, action="hotline.article.approve_refused")
        _check_version(article, lock_version)
        if article.state != ArticleState.REVIEW:
            raise Conflict("只有待审核的文章可以审核通过")
        if permissions.is_last_editor(actor, article):
            raise Conflict("不能审核自己修改的文章（四眼原则）")
        article.version += 1
        article.state = ArticleState.PUBLISHED
        article.live = True
        article.published_question = article.question
        article.published_answer = article.answer
        article.search_text = _index(article)
        _save(article, ["version", "state", "live", "published_question", "published_answer", "search_text"])
        version = ArticleVersion.objects.create(
            article=article,
            number=article.version,
            question=article.question,
            answer=article.answer,
            keywords=article.keywords,
            edited_by_id=article.edited_by_id,
            approved_by=_user(actor),
            approved_at=timezone.now(),
        )
        _trail(article, actor, ArticleStep.APPROVE, comment)
        audit.record(actor=actor, action="hotline.article.approved", obj=article, data=_snapshot(article))
    return version


def do_return_article(*, actor, pk, comment: str, lock_version=None) -> Article:
    """待审核 → 起草, with the reviewer's reason."""
    _reviewable(actor, pk, action="hotline.article.return_refused")
    comment = _comment(comment, required=True)
    with transaction.atomic():
        article = _locked(actor, pk, action="hotline.article.return_refused")
        _check_version(article, lock_version)
        if article.state != ArticleState.REVIEW:
            raise Conflict("只有待审核的文章可以退回")
        article.state = ArticleState.DRAFT
        _save(article, ["state"])
        _trail(article, actor, ArticleStep.RETURN, comment)
        audit.record(actor=actor, action="hotline.article.returned", obj=article, data=_snapshot(article))
    return article


def do_retire_article(*, actor, pk, comment: str, lock_version=None) -> Article:
    """下架: the article leaves search and the operators' assist; its versions stay."""
    _reviewable(actor, pk, action="hotline.article.retire_refused")
    comment = _comment(comment, required=True)
    with transaction.atomic():
        article = _locked(actor, pk, action="hotline.article.retire_refused")
        _check_version(article, lock_version)
        if article.state == ArticleState.RETIRED:
            raise Conflict("该文章已下架")
        article.state = ArticleState.RETIRED
        article.live = False
        _save(article, ["state", "live"])
        _trail(article, actor, ArticleStep.RETIRE, comment)
        audit.record(actor=actor, action="hotline.article.retired", obj=article, data=_snapshot(article))
    return article


def _split_codes(raw) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",")
    if not isinstance(raw, list | tuple):
        return []
    out: dict[str, None] = {}
    for value in raw:
        value = str(value).strip()
        if value:
            out.setdefault(value, None)
    return list(out)


def do_set_links(*, actor, pk, items=(), policies=(), lock_version=None) -> list[ArticleLink]:
    """Replace the article's links: implementation items by code (current published items only)
    and policy documents by id (published ones only)."""
    article = permissions.access_article(actor, pk, action="hotline.article.links_refused")
    item_codes = [c.upper() for c in _split_codes(items)]
    policy_ids = _split_codes(policies)
    problems: list[FieldProblem] = []
    bad = [c for c in item_codes if not ITEM_CODE.fullmatch(c)]
    if bad:
        raise InvalidInput.field("items", f"事项编码应为字母和数字：{bad[0][:20]!r}")
    if len(item_codes) > MAX_LINKS:
        problems.append(FieldProblem("items", f"关联事项不能超过{MAX_LINKS}项"))
    if len(policy_ids) > MAX_LINKS:
        problems.append(FieldProblem("policies", f"关联政策不能超过{MAX_LINKS}件"))
    names = catalog_queries.item_names(item_codes[:MAX_LINKS]) if item_codes else {}
    missing = [c for c in item_codes[:MAX_LINKS] if c not in names]
    if missing:
        problems.append(FieldProblem("items", f"没有找到已发布的事项：{'、'.join(missing[:5])}"))
    titles: dict[str, str] = {}
    for raw in policy_ids[:MAX_LINKS]:
        try:
            titles[str(int(raw))] = openness_queries.get_public_policy(permissions.as_pk(raw)).title
        except (NotFound, ValueError):
            problems.append(FieldProblem("policies", f"没有找到已发布的政策文件：{raw[:20]}"))
            break
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    with transaction.atomic():
        article = _locked(actor, article.pk, action="hotline.article.links_refused")
        _check_version(article, lock_version)
        ArticleLink.objects.filter(article=article).delete()
        links = [
            ArticleLink(article=article, kind=ArticleLinkKind.ITEM, code=c, label=names[c])
            for c in item_codes
        ]
        links += [
            ArticleLink(article=article, kind=ArticleLinkKind.POLICY, code=p, label=t)
            for p, t in titles.items()
        ]
        ArticleLink.objects.bulk_create(links)
        _save(article, [])
        audit.record(
            actor=actor,
            action="hotline.article.linked",
            obj=article,
            data={"items": item_codes, "policies": list(titles)},
        )
    return list(article.links.all())


def do_count_use(*, actor, article_id) -> ArticleVersion:
    """An operator answered a caller with this live article (直接答复): its use count goes up and
    the version used is returned (the ticket keeps its number). Called by the ticket service."""
    pk = permissions.as_pk(article_id, "没有找到该知识库文章")
    with transaction.atomic():
        article = live_articles().select_for_update().filter(pk=pk).first()
        if article is None:
            raise NotFound("没有找到该知识库文章，或它已下架、已失效")
        Article.objects.filter(pk=pk).update(use_count=F("use_count") + 1)
        version = article.versions.get(number=article.version)
        audit.record(
            actor=actor, action="hotline.article.used", obj=article, data={"version": article.version}
        )
    return version


# --- Reads ---------------------------------------------------------------------------------------


def live_articles(today: dt.date | None = None) -> QuerySet[Article]:
    """Approved, not retired, and valid today (有效期)."""
    today = today or timezone.localdate()
    return Article.objects.filter(live=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
    )


def live_article(article_id) -> Article:
    """A live article by id (404 for anything else), with its links."""
    pk = permissions.as_pk(article_id, "没有找到该知识库文章")
    article = live_articles().select_related("owner").prefetch_related("links").filter(pk=pk).first()
    if article is None:
        raise NotFound("没有找到该知识库文章，或它已下架、已失效")
    return article


@dataclass(frozen=True)
class Hit:
    article: Article
    matched: tuple[str, ...]  # the query words the article holds
    every_word: bool  # it matched every word of the query


def search_articles(q: str, *, category: str = "", limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Live articles for a query or a caller's sentence: those holding every word first (most
    used first), then those holding some of its words, ranked by the length of the words they
    hold (a long word says more than a short one), then by use."""
    words = query_tokens(q)
    if not words:
        return []
    limit = max(1, min(limit, 50))
    base = live_articles().select_related("owner")
    if category:
        base = base.filter(category=category)
    exact = list(base.filter(search_text__matches=q).order_by("-use_count", "id")[:limit])
    hits = [Hit(a, tuple(words), True) for a in exact]
    if len(hits) >= limit or len(words) == 1:
        return hits
    chosen = sorted(words, key=lambda w: (-len(w), words.index(w)))[:ANY_WORD_TOKENS]
    any_word = Q()
    for word in chosen:
        any_word |= Q(search_text__matches=word)
    seen = {a.pk for a in exact}
    ranked = []
    for article in (
        base.filter(any_word).exclude(pk__in=seen).order_by("-use_count", "id")[:ANY_WORD_CANDIDATES]
    ):
        held = set(article.search_text.split())
        matched = tuple(w for w in chosen if w in held)
        if matched:
            ranked.append((-sum(len(w) for w in matched), -article.use_count, article.pk, article, matched))
    ranked.sort(key=lambda r: r[:3])
    hits += [Hit(r[3], r[4], False) for r in ranked[: limit - len(hits)]]
    return hits


def workbench_articles(*, department_id: int | None, state: str = "", q: str = "") -> QuerySet[Article]:
    """The articles a department maintains (all departments' for None: platform administrators),
    filtered by state and by words of the working question."""
    qs = Article.objects.select_related("owner").defer("search_text")
    if department_id is not None:
        qs = qs.filter(owner_id=department_id)
    if state:
        qs = qs.filter(state=state)
    q = (q or "").replace("\x00", "")
    if q:
        qs = qs.filter(Q(question__icontains=q) | Q(published_question__icontains=q))
    return qs.order_by("-updated_at", "-id")


def state_counts(*, department_id: int | None) -> dict[str, int]:
    from django.db.models import Count

    qs = Article.objects.all()
    if department_id is not None:
        qs = qs.filter(owner_id=department_id)
    return dict(qs.values_list("state").annotate(n=Count("id")).values_list("state", "n"))


def review_due(*, department_id: int | None, today: dt.date | None = None) -> QuerySet[Article]:
    """Live articles whose review date (复核日期) has come."""
    today = today or timezone.localdate()
    qs = Article.objects.filter(live=True, review_due__isnull=False, review_due__lte=today)
    if department_id is not None:
        qs = qs.filter(owner_id=department_id)
    return qs.order_by("review_due", "id")
