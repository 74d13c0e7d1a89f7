"""Who may see and maintain IoT sites (监测点位).

- The staff of a site's supervising department see it (its live page, readings, alerts) and
  register its devices; a department administrator (or a platform administrator) registers
  sites and sets the site's thresholds.
- Platform administrators (and superusers, and internal callers `system:*`) do all of it for
  every department; the default thresholds are theirs.

A site a staff member may not see does not exist for them (404, the refusal audited).
"""

from __future__ import annotations

from tongban.accounts import actors
from tongban.accounts.actors import is_internal as is_internal
from tongban.accounts.actors import is_platform_admin as is_platform_admin
from tongban.accounts.actors import is_staff as is_staff
from tongban.accounts.enums import StaffRole
from tongban.core.errors import NotFound

NOT_FOUND = "没有找到该监测点位，或您无权查看"


def may_view_department(actor, department_id: int | None) -> bool:
    return actors.in_department(actor, department_id)


def may_manage_department(actor, department_id: int | None) -> bool:
    """Register sites and set site thresholds: the department's administrators."""
    return actors.reviews_for(actor, department_id, roles=(StaffRole.DEPARTMENT_ADMIN.value,))


def as_pk(value) -> int:
    return actors.as_pk(value, NOT_FOUND)


def refuse(actor, *, action: str, object_id, reason: str) -> NotFound:
    """The 404 a refused actor gets, with the refusal recorded."""
    return actors.refusal(
        actor,
        action=action,
        object_type="supervision.site",
        object_id=object_id,
        reason=reason,
        message=NOT_FOUND,
    )
