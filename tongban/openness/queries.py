"""openness queries (see README.md): reads other apps (and the templates) may call."""

from __future__ import annotations

from .enums import LinkKind, PolicyState
from .models import Policy

# --- Policies (helper "policies") ----------------------------------------------------------------


def policies_for_item(code: str, *, limit: int = 20) -> list[Policy]:
    """The published (in force first, then repealed) policies linked to implementation item
    `code`, newest first: what the item's guide shows (政策依据)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 60:
        return []
    qs = (
        Policy.objects.filter(
            state__in=[PolicyState.PUBLISHED, PolicyState.REPEALED],
            links__kind=LinkKind.ITEM,
            links__code=code,
        )
        .select_related("issuer")
        .order_by("state", "-published_on", "-id")
        .distinct()
    )
    return list(qs[:limit])
