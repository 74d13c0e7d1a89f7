"""Who is acting (办理人), as every app's object-level permissions ask it.

An actor is a signed-in account (a person or a staff member) or an internal caller named
``system:<what>`` (a worker, a tick, an import by command), which acts as the platform.

The department-scoped questions the apps share:

- ``in_department``: the staff of a department (any role), or a platform administrator;
- ``reviews_for``: the staff of a department holding one of the reviewer roles (by default the
  department's administrators and approving officers), or a platform administrator;
- ``refusal``: the 404 a refused actor gets, the refusal recorded in the audit chain, so that an
  object somebody may not see does not exist for them;
- ``as_pk``: a primary key from a URL or form value, anything else (a huge number included) 404.
"""

from __future__ import annotations

from django.db import transaction

from tongban.core import audit
from tongban.core.errors import NotFound

from .enums import StaffRole
from .queries import has_any_role, has_role

REVIEWER_ROLES = (StaffRole.DEPARTMENT_ADMIN.value, StaffRole.APPROVING_OFFICER.value)
MAX_PK = 2**63 - 1


def is_internal(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def is_staff(actor) -> bool:
    """A signed-in staff account (internal callers are not accounts)."""
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_staff", False))


def is_platform_admin(actor) -> bool:
    """Internal callers, superusers and holders of the platform administrator role."""
    if is_internal(actor):
        return True
    if not is_staff(actor):
        return False
    return actor.is_superuser or has_role(actor, StaffRole.PLATFORM_ADMIN)


def in_department(actor, department_id: int | None) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return is_staff(actor) and actor.department_id == department_id


def reviews_for(actor, department_id: int | None, roles=REVIEWER_ROLES) -> bool:
    if department_id is None:
        return False
    if is_platform_admin(actor):
        return True
    return is_staff(actor) and actor.department_id == department_id and has_any_role(actor, list(roles))


def as_pk(value, message: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(message) from exc
    if not 0 < pk <= MAX_PK:
        raise NotFound(message)
    return pk


def refusal(actor, *, action: str, object_type: str, object_id, reason: str, message: str) -> NotFound:
    """Record the refusal and return the 404 to raise."""
    with transaction.atomic():
        audit.record(
            actor=actor, action=action, object_type=object_type, object_id=object_id, data={"reason": reason}
        )
    return NotFound(message)
