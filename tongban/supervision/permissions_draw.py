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

from tongban.accounts import actors
from tongban.accounts.actors import REVIEWER_ROLES as REVIEWER_ROLES
from tongban.accounts.actors import is_internal as is_internal
from tongban.accounts.actors import is_platform_admin as is_platform_admin
from tongban.accounts.actors import is_staff as is_staff
from tongban.accounts.enums import StaffRole
from tongban.core.errors import NotFound
from tongban.core.inputs import parse_id

NOT_FOUND = "没有找到该抽查计划，或您无权处理它"


def of_department(actor, department_id) -> bool:
    return actors.in_department(actor, department_id)


def may_manage_registry(actor, department_id) -> bool:
    return actors.reviews_for(actor, department_id, roles=(StaffRole.DEPARTMENT_ADMIN.value,))


def may_review(actor, department_id) -> bool:
    return actors.reviews_for(actor, department_id)


def refuse(
    actor, *, action: str, object_type: str, object_id, reason: str, message: str = NOT_FOUND
) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    return actors.refusal(
        actor, action=action, object_type=object_type, object_id=object_id, reason=reason, message=message
    )


def as_pk(value, message: str = NOT_FOUND) -> int:
    pk = parse_id(value)
    if not pk:
        raise NotFound(message)
    return pk
