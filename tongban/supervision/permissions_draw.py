"""Who may do what in 双随机一公开.

- The matter list, rules and inspector registry of a department: its administrators
  (`department_admin`) and platform administrators.
- Plans: any staff of the implementing department drafts and submits; its reviewers
  (`department_admin`, `approving_officer`) approve or return, never the plan's drafter.
- The draw's two officials: two different staff of the implementing department.
- Results: only an inspector drawn for that target records its result.

Outside these, a plan or target does not exist for the actor (404, the refusal audited). Plans,
draws and results that are drawn are public (一公开) through the public pages only.
"""

from __future__ import annotations

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import NotFound
from tongban.core.inputs import parse_id

REVIEWER_ROLES = (StaffRole.DEPARTMENT_ADMIN.value, StaffRole.APPROVING_OFFICER.value)
NOT_FOUND = "没有找到该抽查计划，或您无权处理它"


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


def of_department(actor, department_id) -> bool:
    return is_platform_admin(actor) or (is_staff(actor) and actor.department_id == department_id)


def may_manage_registry(actor, department_id) -> bool:
    if is_platform_admin(actor):
        return True
    return (
        is_staff(actor)
        and actor.department_id == department_id
        and account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN)
    )


def may_review(actor, department_id) -> bool:
    if is_platform_admin(actor):
        return True
    return (
        is_staff(actor)
        and actor.department_id == department_id
        and account_queries.has_any_role(actor, list(REVIEWER_ROLES))
    )


def refuse(
    actor, *, action: str, object_type: str, object_id, reason: str, message: str = NOT_FOUND
) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    with transaction.atomic():
        audit.record(
            actor=actor, action=action, object_type=object_type, object_id=object_id, data={"reason": reason}
        )
    return NotFound(message)


def as_pk(value, message: str = NOT_FOUND) -> int:
    pk = parse_id(value)
    if not pk:
        raise NotFound(message)
    return pk
