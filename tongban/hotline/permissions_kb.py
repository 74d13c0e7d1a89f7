"""Who may do what with knowledge-base articles (知识库).

- Writers (起草, 修改, 关联): the staff of the article's owner department (维护部门), any role.
- Reviewers (审核, 下架): the owner department's administrators and approving officers. Four
  eyes: nobody approves a version they edited last.
- Platform administrators (and superusers, and internal callers `system:*`) may do both for every
  department.
- Every staff member may read the live (approved, valid) articles: operators answer from them.

An article a staff member may not maintain does not exist for them (404, the refusal audited);
people and anonymous visitors never see the knowledge base.
"""

from __future__ import annotations

from tongban.accounts import actors
from tongban.accounts.actors import REVIEWER_ROLES as REVIEWER_ROLES
from tongban.accounts.actors import is_internal as is_internal
from tongban.accounts.actors import is_platform_admin as is_platform_admin
from tongban.core.errors import NotFound

from .models_kb import Article

NOT_FOUND = "没有找到该知识库文章，或您无权维护它"


def is_staff(actor) -> bool:
    """Staff accounts and internal callers (every staff member reads the live articles)."""
    return is_internal(actor) or actors.is_staff(actor)


def may_write(actor, department_id: int | None) -> bool:
    return actors.in_department(actor, department_id)


def may_review(actor, department_id: int | None) -> bool:
    return actors.reviews_for(actor, department_id)


def is_last_editor(actor, article: Article) -> bool:
    pk = getattr(actor, "pk", None)
    return pk is not None and article.edited_by_id == pk


def as_pk(value, message: str = NOT_FOUND) -> int:
    return actors.as_pk(value, message)


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    return actors.refusal(
        actor,
        action=action,
        object_type="hotline.article",
        object_id=object_id,
        reason=reason,
        message=NOT_FOUND,
    )


def access_article(actor, pk, *, action: str = "hotline.article.view_refused") -> Article:
    """The article `pk` for a writer of its owner department (or a platform administrator);
    anyone else gets the same 404 as for an article that does not exist."""
    pk = as_pk(pk)
    article = Article.objects.select_related("owner").filter(pk=pk).first()
    if article is None:
        raise NotFound(NOT_FOUND)
    if not may_write(actor, article.owner_id):
        raise refuse(actor, action=action, object_id=pk, reason="not_department")
    return article
