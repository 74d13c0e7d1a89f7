"""Who may do what on 12345 tickets.

- Operators (热线坐席, `StaffRole.HOTLINE_OPERATOR`) key calls in, answer directly, dispatch from
  the platform, call back, merge duplicates and approve extensions (the dispatcher).
- Platform administrators may do all an operator does, and decide arbitrations (争议裁定).
- A handling unit's staff (core Department of the staff account) sign for, handle, reply to,
  return and re-dispatch downward the tickets whose lead unit (主办) is their unit; assisting
  units (协办) give their opinion.
- The citizen who filed it (signed-in account) follows it; everyone else gets 404.
"""

from __future__ import annotations

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole

_ROLES_ATTR = "_hotline_roles"


def _roles(user) -> frozenset[str]:
    """The roles `user` holds, asked once per user object (one query). A request loads its user
    afresh, so a changed role counts from the next request, as with Django's own permission
    cache; every check below reads this instead of asking the database again (a queue page
    asked four times, an intake twice)."""
    cached = getattr(user, _ROLES_ATTR, None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
            return frozenset()
        cached = frozenset(account_queries.role_names(user))
        setattr(user, _ROLES_ATTR, cached)
    return cached


def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or StaffRole.PLATFORM_ADMIN in _roles(user)


def is_operator(user) -> bool:
    """The platform's hotline operators and dispatchers (坐席/派单员)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    return StaffRole.HOTLINE_OPERATOR in _roles(user) or is_platform_admin(user)


def unit_of(user) -> int | None:
    """The department a staff account works for (None for people and platform-wide staff)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return None
    return account_queries.staff_department_id(user)


def is_lead_staff(user, ticket) -> bool:
    return ticket.unit_id is not None and unit_of(user) == ticket.unit_id


def is_assist_staff(user, ticket) -> bool:
    unit = unit_of(user)
    return unit is not None and ticket.units.filter(department_id=unit, role="assist", active=True).exists()


def is_citizen(user, ticket) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and ticket.citizen_id == user.pk


def may_see_as_staff(user, ticket) -> bool:
    return is_operator(user) or is_lead_staff(user, ticket) or is_assist_staff(user, ticket)


def sees_reporter(user, ticket) -> bool:
    """The caller's identity: the platform always; a handling unit only when the ticket is not
    anonymous to it (a 举报 may be)."""
    if is_operator(user):
        return True
    return not ticket.anonymous_to_unit and (is_lead_staff(user, ticket) or is_assist_staff(user, ticket))


def may_use_workbench(user) -> bool:
    return is_operator(user) or unit_of(user) is not None
