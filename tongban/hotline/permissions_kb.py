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

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import NotFound

from .models_kb import Article

REVIEWER_ROLES = (StaffRole.DEPARTMENT_ADMIN.value, StaffRole.APPROVING_OFFICER.value)
NOT_FOUND = "没有找到该知识库文章，或您无权维护它"
MAX_PK = 2**63 - 1


def is_internal(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def is_staff(actor) -> bool:
    return is_internal(actor) or bool(
        getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False)
    )


def is_platform_admin(actor) -> bool:
    if is_internal(actor):
        return True
    if not is_staff(actor):
        return False
    return actor.is_superuser or account_queries.has_role(actor, StaffRole.PLATFORM_ADMIN)


def may_write(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return is_staff(actor) and actor.department_id == department_id


def may_review(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return (
        is_staff(actor)
        and actor.department_id == department_id
        and account_queries.has_any_role(actor, list(REVIEWER_ROLES))
    )


def is_last_editor(actor, article: Article) -> bool:
    pk = getattr(actor, "pk", None)
    return pk is not None and article.edited_by_id == pk


def as_pk(value, message: str = NOT_FOUND) -> int:
    """A primary key from a URL or form value; anything else (a huge number included) is 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(message) from exc
    if not 0 < pk <= MAX_PK:
        raise NotFound(message)
    return pk


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            object_type="hotline.article",
            object_id=object_id,
            data={"reason": reason},
        )
    return NotFound(NOT_FOUND)


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
