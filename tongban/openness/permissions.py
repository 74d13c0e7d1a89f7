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

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import NotFound

from .models import Policy

REVIEWER_ROLES = (StaffRole.DEPARTMENT_ADMIN.value, StaffRole.APPROVING_OFFICER.value)
NOT_FOUND = "没有找到该政策文件，或您无权维护它"


def is_internal(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def is_staff(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False))


def is_platform_admin(actor) -> bool:
    if is_internal(actor):
        return True
    if not is_staff(actor):
        return False
    return actor.is_superuser or account_queries.has_role(actor, StaffRole.PLATFORM_ADMIN)


def may_draft(actor, department_id: int | None) -> bool:
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


def may_view(actor, policy: Policy) -> bool:
    return may_draft(actor, policy.issuer_id)


def is_author(actor, policy: Policy) -> bool:
    """The drafter (four eyes: they may not review their own policy)."""
    pk = getattr(actor, "pk", None)
    return pk is not None and policy.created_by_id == pk


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            object_type="openness.policy",
            object_id=object_id,
            data={"reason": reason},
        )
    return NotFound(NOT_FOUND)


MAX_PK = 2**63 - 1


def as_pk(value, message: str = NOT_FOUND) -> int:
    """A primary key from a URL or form value; anything else (a huge number included) is 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(message) from exc
    if not 0 < pk <= MAX_PK:
        raise NotFound(message)
    return pk


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
