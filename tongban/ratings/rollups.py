"""Rollups (指标汇总): the counters rankings read, kept exact by every write.

Each rating (with its rectification) and each invitation *contributes* a fixed set of counters
(`rating_counts`, `invitation_counts`) to the rows of its department, its region at each level
(province, city, county: the 6-digit code's prefixes) and its item, in its month. A write takes
the contribution before and after and adds the difference (`apply`), inside its transaction: so
the rollups always equal the sum over the rows, whatever the order of the writes, and a
province-wide ranking reads one row per department and month instead of the ratings.

Indicators (`indicators`): 参评率 = invitations answered by the rater / invitations;
好评率 = 好评 / ratings; 差评率 = 差评 / ratings (好评 = every level but 不满意 and 非常不满意,
default ratings included, removed ones not); 整改率 = rectified / valid bad ratings;
按时整改率 = rectified by the due day / valid bad ratings; 回访率 = called back / rectified.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from .enums import CALLED_BACK_STATES, RECTIFIED_STATES, InviteState, RatingState, RectState, Scope, is_bad
from .models import COUNTERS, Invitation, Rating, Rectification, Rollup


def region_levels(code: str) -> list[tuple[str, int]]:
    """The region rows a 6-digit code counts in: (code, level) for province, city, county."""
    code = (code or "")[:6]
    if len(code) != 6 or not code.isdigit():
        return []
    province, city = code[:2] + "0000", code[:4] + "00"
    rows = [(province, 1)]
    if city != province:
        rows.append((city, 2))
    if code != city:
        rows.append((code, 3))
    return rows


def keys_of(obj) -> list[tuple[str, str, int]]:
    """(scope, key, level) of every rollup row `obj` (a Rating or Invitation) counts in."""
    keys: list[tuple[str, str, int]] = []
    if obj.department_id:
        keys.append((Scope.DEPARTMENT, str(obj.department_id), 0))
    keys += [(Scope.REGION, code, level) for code, level in region_levels(obj.region_code)]
    if obj.item_code:
        keys.append((Scope.ITEM, obj.item_code, 0))
    return keys


def rating_counts(rating: Rating | None, rect: Rectification | None = None) -> Counter:
    """What one rating (and its rectification) adds to each of its rows."""
    out: Counter = Counter()
    if rating is None:
        return out
    if rating.state == RatingState.REMOVED:
        out["removed"] = 1
        return out
    out["defaults" if rating.is_default else "rated"] = 1
    out[f"l{rating.level}"] = 1
    bad = is_bad(rating.level)
    out["bad" if bad else "good"] = 1
    if bad:
        out["rect_needed"] = 1
        if rect is not None and rect.state != RectState.REMOVED:
            if rect.state in RECTIFIED_STATES:
                out["rectified"] = 1
                if rect.on_time:
                    out["rect_on_time"] = 1
            if rect.state in CALLED_BACK_STATES:
                out["callbacks"] = 1
    return out


def invitation_counts(invitation: Invitation | None) -> Counter:
    out: Counter = Counter()
    if invitation is not None:
        out["invited"] = 1
        if invitation.state == InviteState.RATED:
            out["answered"] = 1
    return out


def apply(obj, before: Counter, after: Counter) -> None:
    """Add `after - before` to every row of `obj` (in the caller's transaction)."""
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in COUNTERS}
    delta = {name: value for name, value in delta.items() if value}
    if not delta:
        return
    for scope, key, level in keys_of(obj):
        add(scope, key, obj.period, level, delta)


def add(scope: str, key: str, period: str, level: int, delta: dict[str, int]) -> None:
    changes = {name: F(name) + value for name, value in delta.items()}
    if Rollup.objects.filter(scope=scope, key=key, period=period).update(**changes):
        return
    try:
        with transaction.atomic():
            Rollup.objects.create(scope=scope, key=key, period=period, level=level, **delta)
    except IntegrityError:  # another writer created the row first: add to it
        Rollup.objects.filter(scope=scope, key=key, period=period).update(**changes)


# --- reading ------------------------------------------------------------------------------------

INDICATORS = ("participation", "good_rate", "bad_rate", "rectify_rate", "on_time_rate", "callback_rate")


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def indicators(row: dict) -> dict:
    """The published indicators of one summed row (percentages with two decimals, None when
    there is nothing to divide by)."""
    total = row.get("good", 0) + row.get("bad", 0)
    return {
        **{name: row.get(name, 0) for name in COUNTERS},
        "count": row.get("rated", 0) + row.get("defaults", 0),
        "participation": _rate(row.get("answered", 0), row.get("invited", 0)),
        "good_rate": _rate(row.get("good", 0), total),
        "bad_rate": _rate(row.get("bad", 0), total),
        "rectify_rate": _rate(row.get("rectified", 0), row.get("rect_needed", 0)),
        "on_time_rate": _rate(row.get("rect_on_time", 0), row.get("rect_needed", 0)),
        "callback_rate": _rate(row.get("callbacks", 0), row.get("rectified", 0)),
    }
