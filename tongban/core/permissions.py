"""Object rules for kernel data (rules predicates)."""

import rules

is_platform_admin = rules.is_superuser | rules.is_group_member("platform_admin")

rules.add_perm("core.change_calendar", is_platform_admin)
rules.add_perm("core.verify_audit", is_platform_admin)
