"""Public concerns (回应关切): articles in which a body responds to what the public asks about,
linked to hotline topics. The 12345 hotline app does not exist yet: a topic is a free code
(`TOPIC_RE`, e.g. `GJJ-TQ` or 公积金提取) kept on the article, so that the hotline can link its
topics to the articles when it arrives.

The body's staff (and platform administrators) write drafts, publish and withdraw them; every
write is audited. The public sees published articles only (`public_articles`, `public_article`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound

from .disclosure import department_of, is_platform_admin
from .enums_disclosure import ConcernState
from .models_disclosure import ConcernArticle

TOPIC_RE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff_.\-]{1,40}$")
MAX_TOPICS = 10


def may_write(user) -> bool:
    return bool(department_of(user)) or is_platform_admin(user)


def _denied(actor, pk) -> NotFound:
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="openness.concern.access_refused",
            object_type="openness.concernarticle",
            object_id=pk,
            data={"outcome": "not_found"},
        )
    return NotFound("没有找到该文章")


def access_article(actor, pk: int) -> ConcernArticle:
    """An article for the workbench: its body's staff and platform administrators."""
    article = ConcernArticle.objects.select_related("department").filter(pk=pk).first()
    if article is None or not (is_platform_admin(actor) or department_of(actor) == article.department_id):
        raise _denied(actor, pk)
    return article


def parse_topics(text) -> list[str]:
    if isinstance(text, list | tuple):
        parts = [str(t) for t in text]
    else:
        parts = re.split(r"[\s,，、;；]+", str(text or ""))
    out: list[str] = []
    for p in (p.strip() for p in parts):
        if p and p not in out:
            out.append(p)
    return out


@dataclass
class ArticleInput:
    title: str = ""
    summary: str = ""
    body: str = ""
    topics: object = field(default_factory=list)
    department_id: object = None


def check_article(actor, data: ArticleInput) -> dict:
    problems: list[FieldProblem] = []
    title, summary, body = (data.title or "").strip(), (data.summary or "").strip(), (data.body or "").strip()
    if not title:
        problems.append(FieldProblem("title", "请填写标题"))
    elif len(title) > 200:
        problems.append(FieldProblem("title", "标题不能超过200个字"))
    if not summary:
        problems.append(FieldProblem("summary", "请填写摘要"))
    elif len(summary) > 500:
        problems.append(FieldProblem("summary", "摘要不能超过500个字"))
    if len(body) < 10:
        problems.append(FieldProblem("body", "请填写正文（至少10个字）"))
    elif len(body) > 20000:
        problems.append(FieldProblem("body", "正文不能超过20000个字"))
    topics = parse_topics(data.topics)
    if not topics:
        problems.append(FieldProblem("topics", "请填写至少一个关联的热线话题"))
    elif len(topics) > MAX_TOPICS:
        problems.append(FieldProblem("topics", f"关联话题不能超过{MAX_TOPICS}个"))
    elif bad := [t for t in topics if not TOPIC_RE.match(t)]:
        problems.append(
            FieldProblem(
                "topics", f"话题代码只能由字母、数字、汉字和 _ . - 组成，每个不超过40个字符：{bad[0][:40]}"
            )
        )
    department = None
    if is_platform_admin(actor):
        raw = str(data.department_id or "").strip()
        if raw.isdigit() and len(raw) < 19:
            department = core_queries.departments_by_id([int(raw)]).get(int(raw))
        if department is None and department_of(actor):
            department = core_queries.departments_by_id([department_of(actor)]).get(department_of(actor))
        if department is None:
            problems.append(FieldProblem("department", "请选择发布机关"))
    else:
        department = core_queries.departments_by_id([department_of(actor)]).get(department_of(actor))
    if problems:
        raise InvalidInput(problems=problems)
    return {
        "title": title,
        "summary": summary,
        "body": body,
        "topics": topics,
        "topic_index": "|" + "|".join(topics) + "|",
        "department": department,
    }


def do_save_article(*, actor, data: ArticleInput, pk: int | None = None) -> ConcernArticle:
    """Create a draft (pk None) or edit an article (a published one stays published)."""
    if not may_write(actor):
        raise NotFound()
    if pk is not None:
        access_article(actor, pk)
    values = check_article(actor, data)
    with transaction.atomic():
        if pk is None:
            article = ConcernArticle.objects.create(created_by=actor, **values)
            action = "openness.concern.create"
        else:
            article = ConcernArticle.objects.select_for_update().get(pk=pk)
            if not is_platform_admin(actor):
                values.pop("department")
            for k, v in values.items():
                setattr(article, k, v)
            article.save()
            action = "openness.concern.edit"
        audit.record(
            actor=actor, action=action, obj=article, data={"title": article.title, "topics": article.topics}
        )
    return article


def _set_state(actor, pk: int, wanted: str, allowed: tuple[str, ...], action: str) -> ConcernArticle:
    access_article(actor, pk)
    with transaction.atomic():
        article = ConcernArticle.objects.select_for_update().get(pk=pk)
        if article.state == wanted:
            return article  # the same again: nothing more
        if article.state not in allowed:
            raise Conflict(f"该文章{ConcernState(article.state).label}，不能执行此操作")
        article.state = wanted
        if wanted == ConcernState.PUBLISHED:
            article.published_at = timezone.now()
        article.save(update_fields=["state", "published_at", "updated_at"])
        audit.record(actor=actor, action=action, obj=article, data={"title": article.title})
    return article


def do_publish_article(*, actor, pk: int) -> ConcernArticle:
    return _set_state(
        actor,
        pk,
        ConcernState.PUBLISHED,
        (ConcernState.DRAFT, ConcernState.WITHDRAWN),
        "openness.concern.publish",
    )


def do_withdraw_article(*, actor, pk: int) -> ConcernArticle:
    return _set_state(
        actor, pk, ConcernState.WITHDRAWN, (ConcernState.PUBLISHED,), "openness.concern.withdraw"
    )


# --- Reads --------------------------------------------------------------------------------------


def workbench_articles(actor) -> QuerySet[ConcernArticle]:
    qs = ConcernArticle.objects.select_related("department").order_by("-updated_at", "-id")
    if is_platform_admin(actor):
        return qs
    dept = department_of(actor)
    return qs.filter(department_id=dept) if dept else qs.none()


def public_articles(*, topic: str = "", department_id: int | None = None) -> QuerySet[ConcernArticle]:
    qs = ConcernArticle.objects.filter(state=ConcernState.PUBLISHED).select_related("department")
    if topic and TOPIC_RE.match(topic):
        qs = qs.filter(topic_index__contains=f"|{topic}|")
    if department_id:
        qs = qs.filter(department_id=department_id)
    return qs.order_by("-published_at", "-id")


def public_article(pk: int) -> ConcernArticle:
    article = (
        ConcernArticle.objects.filter(pk=pk, state=ConcernState.PUBLISHED)
        .select_related("department")
        .first()
    )
    if article is None:
        raise NotFound("没有找到该文章")
    return article


def topic_counts() -> list[tuple[str, int]]:
    """Published articles per topic code, most first (the public list's topic filter)."""
    counts: dict[str, int] = {}
    for topics in ConcernArticle.objects.filter(state=ConcernState.PUBLISHED).values_list(
        "topics", flat=True
    ):
        for t in topics or []:
            counts[t] = counts.get(t, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
