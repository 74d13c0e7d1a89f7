"""Who may maintain themes (一件事主题).

- Editors (create, edit drafts, submit, new versions, import): platform administrators, and
  the department administrators (`department_admin`) of a department inside the theme's region
  (a city's bureau admin maintains the city's themes and those of its counties).
- Reviewers (approve/reject, which publishes; withdraw): the same people and the platform-wide
  catalogue reviewers (`catalog_reviewer`). Four eyes: nobody approves a version they
  submitted themselves.
- Internal callers (`system:*`, the demo and imports by command) may do everything, and are the
  only ones who may review what another `system:*` caller submitted.

A theme a staff member may not maintain does not exist for them on the workbench (404).
"""

from __future__ import annotations

from tongban.accounts import queries as account_queries
from tongban.accounts.actors import is_internal, is_platform_admin, is_staff
from tongban.accounts.enums import StaffRole
from tongban.core import queries as core_queries
from tongban.core.errors import DomainError


def _department_region(actor) -> str:
    dept_id = account_queries.staff_department_id(actor)
    if not dept_id:
        return ""
    try:
        return core_queries.get_department(dept_id).region_id
    except DomainError:
        return ""


def _within(region_code: str, theme_region_code: str) -> bool:
    """Whether `region_code` is the theme's region or below it (codes share the prefix)."""
    if not region_code or not theme_region_code:
        return False
    prefix = theme_region_code.rstrip("0")
    # A region's significant prefix: its code without trailing zeros, at least the province.
    prefix = prefix if len(prefix) >= 2 else theme_region_code[:2]
    return region_code.startswith(prefix)


def is_region_admin(actor, region_code: str) -> bool:
    if not is_staff(actor) or not account_queries.has_role(actor, StaffRole.DEPARTMENT_ADMIN):
        return False
    return _within(_department_region(actor), region_code)


def may_use_workbench(actor) -> bool:
    return is_platform_admin(actor) or (
        is_staff(actor)
        and account_queries.has_any_role(
            actor, [StaffRole.DEPARTMENT_ADMIN.value, StaffRole.CATALOG_REVIEWER.value]
        )
    )


def may_edit(actor, region_code: str) -> bool:
    return is_platform_admin(actor) or is_region_admin(actor, region_code)


def may_review_region(actor, region_code: str) -> bool:
    if may_edit(actor, region_code):
        return True
    return is_staff(actor) and account_queries.has_role(actor, StaffRole.CATALOG_REVIEWER)


def may_review(actor, version) -> bool:
    """Reviewers of the theme's region, never the version's submitter (four eyes)."""
    if not may_review_region(actor, version.theme.region_id):
        return False
    if is_internal(actor):
        return True
    return version.submitted_by_id is None or version.submitted_by_id != getattr(actor, "pk", None)


def may_see(actor, theme) -> bool:
    """Whether the theme exists on the workbench for this actor."""
    return may_review_region(actor, theme.region_id)


def editable_region_filter(actor) -> str | None:
    """The region prefix a department admin's list is limited to; None for everything."""
    if is_platform_admin(actor) or (
        is_staff(actor) and account_queries.has_role(actor, StaffRole.CATALOG_REVIEWER)
    ):
        return None
    return _department_region(actor)
