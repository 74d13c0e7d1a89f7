"""The "case" subject (办件): resolved over cases' queries (ratings never imports cases' models)."""

from __future__ import annotations

from tongban.cases import queries as case_queries

from .subjects import Subject

# 办理形式 (GB/T 39046) → the channel the service was delivered through.
_CHANNELS = {"1": "window", "2": "web", "3": "app", "4": "post", "9": "system"}


def resolve_case(ref: str) -> Subject | None:
    facts = case_queries.rating_facts(ref) if ref else None
    if facts is None:
        return None
    return Subject(
        kind="case",
        ref=facts["number"],
        owner_user_id=facts["applicant_id"],
        concluded_at=facts["concluded_at"],
        department_id=facts["department_id"],
        region_code=facts["region_code"],
        item_code=facts["item_code"],
        item_name=facts["item_name"],
        title=facts["item_name"],
        channel=_CHANNELS.get(facts["channel"], "web"),
    )
