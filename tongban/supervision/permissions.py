"""Who may do what in supervision's core part.

- Supervision staff (监管人员): staff holding the inspector, department-admin or platform-admin
  role see the entity registry, alerts and rules, and write rules for their department.
- Rules are activated by a department administrator (or platform admin) of the rule's
  department other than the rule's author (four eyes); credit-model versions likewise by a
  platform administrator other than the author.
- 经营异常名录 decisions: inspectors and department admins of the deciding department.
- Joint tasks: a task exists only for the staff of its departments (others get 404) and for
  platform administrators; each step is allowed to the people named in `tasks.py`.
- Internal callers (`system:*`, e.g. the IoT worker and the ticks) act as the platform.
"""

from __future__ import annotations

from tongban.accounts import queries as account_queries
from tongban.accounts.actors import is_internal as is_internal
from tongban.accounts.actors import is_platform_admin as is_platform_admin
from tongban.accounts.actors import is_staff as is_staff
from tongban.accounts.enums import StaffRole
from tongban.core.errors import Forbidden, NotFound

SUPERVISION_ROLES = (
    StaffRole.INSPECTOR.value,
    StaffRole.DEPARTMENT_ADMIN.value,
    StaffRole.PLATFORM_ADMIN.value,
)
ADMIN_ROLES = (StaffRole.DEPARTMENT_ADMIN.value, StaffRole.PLATFORM_ADMIN.value)


def is_supervisor(actor) -> bool:
    """Supervision staff of any department."""
    if is_platform_admin(actor):
        return True
    return is_staff(actor) and account_queries.has_any_role(actor, list(SUPERVISION_ROLES))


def department_of(actor) -> int | None:
    return getattr(actor, "department_id", None) if is_staff(actor) else None


def is_department_supervisor(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return is_supervisor(actor) and actor.department_id == department_id


def is_department_admin(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return (
        is_staff(actor)
        and actor.department_id == department_id
        and account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN)
    )


def require_supervisor(actor) -> None:
    if not is_supervisor(actor):
        raise NotFound("没有找到要访问的内容")


def require_credit_admin(actor) -> None:
    if not is_platform_admin(actor):
        raise Forbidden("只有平台管理员可以维护信用评价模型")
