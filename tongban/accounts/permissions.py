"""Who may open the identity pages (rules predicates over roles and account kinds).

Object-level decisions (whose grant may be revoked, which department's staff an administrator
may change) are made by the services; these predicates only decide which pages to show."""

from __future__ import annotations

import rules

from .enums import AccountKind, StaffRole
from .queries import has_role


@rules.predicate
def is_person(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "kind", None) == AccountKind.PERSON


@rules.predicate
def is_staff_member(user) -> bool:
    return getattr(user, "is_authenticated", False) and bool(getattr(user, "is_staff", False))


@rules.predicate
def is_window_clerk(user) -> bool:
    return has_role(user, StaffRole.WINDOW_CLERK)


@rules.predicate
def is_role_admin(user) -> bool:
    return has_role(user, StaffRole.PLATFORM_ADMIN) or has_role(user, StaffRole.DEPARTMENT_ADMIN)


@rules.predicate
def is_platform_admin(user) -> bool:
    return has_role(user, StaffRole.PLATFORM_ADMIN)


can_use_clerk_desk = is_staff_member & is_window_clerk
can_admin_roles = is_staff_member & is_role_admin

rules.add_perm("accounts.clerk_desk", can_use_clerk_desk)
rules.add_perm("accounts.admin_roles", can_admin_roles)
