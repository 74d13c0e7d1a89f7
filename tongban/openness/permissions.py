"""Who may do what with policy documents (政策文件).

- Drafters (起草): the staff of the issuing department (any staff role), for their own
  department only.
- Reviewers (审核, 保密审查, 发布, 废止): the issuing department's administrators
  (`department_admin`) and approving officers (`approving_officer`, the department's reviewer
  role). Four eyes: nobody reviews or clears a policy they drafted or submitted.
- Platform administrators (and superusers, and internal callers `system:*`) may do both for
  every department.

A policy a staff member may not see does not exist for them (404, the refusal audited); people
and anonymous visitors never see the workbench.
"""

from __future__ import annotations

from tongban.accounts import actors
from tongban.accounts.actors import REVIEWER_ROLES as REVIEWER_ROLES
from tongban.accounts.actors import is_internal as is_internal
from tongban.accounts.actors import is_platform_admin as is_platform_admin
from tongban.accounts.actors import is_staff as is_staff
from tongban.core.errors import NotFound

from .models import Policy

NOT_FOUND = "没有找到该政策文件，或您无权维护它"


def may_draft(actor, department_id: int | None) -> bool:
    return actors.in_department(actor, department_id)


def may_review(actor, department_id: int | None) -> bool:
    return actors.reviews_for(actor, department_id)


def may_view(actor, policy: Policy) -> bool:
    return may_draft(actor, policy.issuer_id)


def is_author(actor, policy: Policy) -> bool:
    """The drafter (four eyes: they may not review their own policy)."""
    pk = getattr(actor, "pk", None)
    return pk is not None and policy.created_by_id == pk


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    return actors.refusal(
        actor,
        action=action,
        object_type="openness.policy",
        object_id=object_id,
        reason=reason,
        message=NOT_FOUND,
    )


def as_pk(value, message: str = NOT_FOUND) -> int:
    return actors.as_pk(value, message)


def access_policy(actor, pk, *, action: str = "openness.policy.view_refused", lock: bool = False) -> Policy:
    """The policy `pk` for an actor of its department (or a platform administrator); anyone else
    gets the same 404 as for a policy that does not exist. With `lock`, the row is locked (call
    inside a transaction)."""
    pk = as_pk(pk)
    qs = Policy.objects.select_related("issuer")
    if lock:
        qs = qs.select_for_update(of=("self",))
    policy = qs.filter(pk=pk).first()
    if policy is None:
        raise NotFound(NOT_FOUND)
    if not may_view(actor, policy):
        raise refuse(actor, action=action, object_id=pk, reason="not_department")
    return policy
