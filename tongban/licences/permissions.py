"""Who may write licences, seals and licence types.

An actor is a staff user, a department system (anything with `department_id` and no `pk`,
like `cases.services.SystemActor`), or a string naming a trusted internal caller
(`"system:seed"`, the daily tick, the cases hook). Pages and the API decide who reaches a
service; these checks are the last word inside it.
"""

from __future__ import annotations

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import Forbidden

ISSUING_ROLES = (StaffRole.APPROVING_OFFICER, StaffRole.DEPARTMENT_ADMIN)
SEAL_ROLES = (StaffRole.DEPARTMENT_ADMIN,)
TYPE_ROLES = (StaffRole.PLATFORM_ADMIN,)


def actor_label(actor) -> str:
    label = getattr(actor, "label", None)
    return label if isinstance(label, str) else audit.actor_label(actor)


def _is_internal(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def _is_department_system(actor) -> bool:
    return getattr(actor, "pk", None) is None and getattr(actor, "department_id", None) is not None


def may_act_for_department(actor, department_id: int, roles, *, platform: bool = False) -> bool:
    """Internal callers; the department's own system; its staff holding one of `roles`;
    superusers; and, when `platform`, platform administrators."""
    if _is_internal(actor):
        return True
    if _is_department_system(actor):
        return actor.department_id == department_id
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_staff", False):
        return False
    if actor.is_superuser or (platform and account_queries.has_role(actor, StaffRole.PLATFORM_ADMIN)):
        return True
    return actor.department_id == department_id and account_queries.has_any_role(actor, list(roles))


def require_issuer_staff(actor, department_id: int) -> None:
    if not may_act_for_department(actor, department_id, ISSUING_ROLES):
        raise Forbidden("只有颁发部门的审批人员或部门管理员可以办理证照")


def require_seal_admin(actor, department_id: int) -> None:
    if not may_act_for_department(actor, department_id, SEAL_ROLES, platform=True):
        raise Forbidden("只有本部门管理员或平台管理员可以管理电子印章密钥")


def require_type_admin(actor) -> None:
    if _is_internal(actor):
        return
    staff = getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False)
    if staff and (actor.is_superuser or account_queries.has_any_role(actor, list(TYPE_ROLES))):
        return
    raise Forbidden("只有平台管理员可以维护证照类型")
