"""insight writes: the rollup rebuild (audited). The incremental upkeep is `rollups.apply`, run
by the case transition itself (no actor of its own: the transition's audit event covers it)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tongban.core import audit
from tongban.core.errors import InvalidInput

from . import rollups


def check_rebuild_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise InvalidInput.field("to", "结束日期不能早于开始日期")


def do_rebuild_rollups(
    *, actor: str, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict:
    """Replace the rollups of the whole months touching [date_from, date_to] (default: all) with
    a recount from the cases; idempotent. Audited once, with what was rebuilt."""
    check_rebuild_range(date_from, date_to)
    report = rollups.rebuild(date_from=date_from, date_to=date_to)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="insight.rollups.rebuild",
            object_type="insight.rollup",
            object_id="",
            data={"from": date_from, "to": date_to, **report},
        )
    return report
