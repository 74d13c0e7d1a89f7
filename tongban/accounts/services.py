"""Account writes. Staff creation for now; people, enterprises and agents come with identity."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from tongban.core import audit

from .enums import StaffRole
from .models import User


@transaction.atomic
def do_upsert_staff(
    *,
    actor,
    username: str,
    password: str,
    display_name: str,
    roles: list[str],
    department_id: int | None = None,
    superuser: bool = False,
) -> User:
    """Create or update a staff account with the given roles (idempotent, for seeding and admin)."""
    user, created = User.objects.get_or_create(username=username)
    user.display_name = display_name
    user.department_id = department_id
    user.is_staff = True
    user.is_superuser = superuser
    if created or not user.has_usable_password():
        user.set_password(password)
    user.save()
    groups = [Group.objects.get_or_create(name=StaffRole(r).value)[0] for r in roles]
    user.groups.set(groups)
    audit.record(
        actor=actor,
        action="accounts.staff." + ("create" if created else "update"),
        obj=user,
        data={"roles": sorted(roles), "department": department_id},
    )
    return user
