"""Who may edit and review catalogue items (rules predicates over accounts' roles)."""

from __future__ import annotations

import rules

from tongban.accounts.enums import StaffRole
from tongban.accounts.queries import has_role, staff_department_id


def is_system(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


@rules.predicate
def is_platform_admin(user) -> bool:
    return has_role(user, StaffRole.PLATFORM_ADMIN)


@rules.predicate
def is_editor_of_department(user, department_id) -> bool:
    if not (has_role(user, StaffRole.CATALOG_EDITOR) or has_role(user, StaffRole.DEPARTMENT_ADMIN)):
        return False
    return department_id is not None and staff_department_id(user) == department_id


@rules.predicate
def is_reviewer(user) -> bool:
    return has_role(user, StaffRole.CATALOG_REVIEWER)


can_edit_department_items = is_platform_admin | is_editor_of_department
can_review = is_platform_admin | is_reviewer

rules.add_perm("catalog.edit_items", can_edit_department_items)
rules.add_perm("catalog.review_items", can_review)
rules.add_perm("catalog.edit_basic_items", is_platform_admin)


def may_edit(actor, department_id: int | None) -> bool:
    return is_system(actor) or can_edit_department_items.test(actor, department_id)


def may_edit_basic(actor) -> bool:
    return is_system(actor) or is_platform_admin.test(actor)


def may_review(actor, item) -> bool:
    if is_system(actor):
        return True
    if not can_review.test(actor):
        return False
    # Four eyes: nobody approves what they submitted themselves.
    return item.submitted_by_id is None or item.submitted_by_id != getattr(actor, "pk", None)


def may_view_draft(actor, item) -> bool:
    """Drafts and reviews are visible to the owning department's editors and to reviewers."""
    if is_system(actor):
        return True
    if item.status in ("published", "superseded"):
        return True
    return can_review.test(actor) or can_edit_department_items.test(actor, item.department_id)
