"""Who may see and maintain IoT sites (监测点位).

- The staff of a site's supervising department see it (its live page, readings, alerts) and
  register its devices; a department administrator (or a platform administrator) registers
  sites and sets the site's thresholds.
- Platform administrators (and superusers, and internal callers `system:*`) do all of it for
  every department; the default thresholds are theirs.

A site a staff member may not see does not exist for them (404, the refusal audited).
"""

from __future__ import annotations

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import NotFound

NOT_FOUND = "没有找到该监测点位，或您无权查看"
MAX_PK = 2**63 - 1


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


def may_view_department(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return is_staff(actor) and actor.department_id == department_id


def may_manage_department(actor, department_id: int | None) -> bool:
    """Register sites and set site thresholds: the department's administrators."""
    if not may_view_department(actor, department_id):
        return False
    return is_platform_admin(actor) or account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN)


def as_pk(value) -> int:
    """A primary key from a URL or form value; anything else (a huge number included) is 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(NOT_FOUND) from exc
    if not 0 < pk <= MAX_PK:
        raise NotFound(NOT_FOUND)
    return pk


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            object_type="supervision.site",
            object_id=object_id,
            data={"reason": reason},
        )
    return NotFound(NOT_FOUND)
