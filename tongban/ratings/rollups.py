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
        name = (getattr(obj, "item_name", "") or "")[:200] if scope == Scope.ITEM else ""
        add(scope, key, obj.period, level, delta, name=name)


def add(scope: str, key: str, period: str, level: int, delta: dict[str, int], *, name: str = "") -> None:
    """Add `delta` to one row (created when missing); `name` (item rows) is kept on the row, in
    the same statement, so rankings by item never look names up in the ratings."""
    changes: dict = {field: F(field) + value for field, value in delta.items()}
    if name:
        changes["name"] = name
    if Rollup.objects.filter(scope=scope, key=key, period=period).update(**changes):
        return
    try:
        with transaction.atomic():
            Rollup.objects.create(scope=scope, key=key, period=period, level=level, name=name, **delta)
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


# --- the full recount -------------------------------------------------------------------------------


def _recount(names: dict | None = None) -> dict[tuple[str, str, str, int], Counter]:
    """Every rollup row recounted from the ratings, rectifications and invitations (grouped in
    the database by department, region, item and month, then fanned out to the rows). `names`,
    when given, receives each item row's name."""
    from django.db.models import Count, Max, Q

    rect_done = Q(rectification__state__in=sorted(RECTIFIED_STATES))
    valid = Q(state=RatingState.VALID)
    bad = valid & Q(level__in=[4, 5])
    aggregates = {
        "rated": Count("id", filter=valid & Q(is_default=False)),
        "defaults": Count("id", filter=valid & Q(is_default=True)),
        **{f"l{n}": Count("id", filter=valid & Q(level=n)) for n in range(1, 6)},
        "good": Count("id", filter=valid & Q(level__in=[1, 2, 3])),
        "bad": Count("id", filter=bad),
        "rect_needed": Count("id", filter=bad),
        "rectified": Count("id", filter=bad & rect_done),
        "rect_on_time": Count("id", filter=bad & rect_done & Q(rectification__on_time=True)),
        "callbacks": Count("id", filter=bad & Q(rectification__state__in=sorted(CALLED_BACK_STATES))),
        "removed": Count("id", filter=Q(state=RatingState.REMOVED)),
    }
    rows: dict[tuple[str, str, str, int], Counter] = {}
    names = {} if names is None else names

    def fan(group: dict, counts: dict) -> None:
        obj = type("Keys", (), {})()
        obj.department_id, obj.region_code, obj.item_code = (
            group["department_id"],
            group["region_code"],
            group["item_code"],
        )
        for scope, key, level in keys_of(obj):
            row = rows.setdefault((scope, key, group["period"], level), Counter())
            row.update({k: v for k, v in counts.items() if v})
            if scope == Scope.ITEM and group["item_name"]:
                names.setdefault((scope, key, group["period"], level), group["item_name"][:200])

    dims = ("department_id", "region_code", "item_code", "period")
    item_name = Max("item_name")
    for group in Rating.objects.values(*dims).annotate(**aggregates, item_name=item_name).order_by():
        fan(group, {name: group[name] for name in aggregates})
    invited = Invitation.objects.values(*dims).annotate(
        invited=Count("id"), answered=Count("id", filter=Q(state=InviteState.RATED)), item_name=item_name
    )
    for group in invited.order_by():
        fan(group, {"invited": group["invited"], "answered": group["answered"]})
    return rows


def rebuild() -> int:
    """Replace every rollup row by the recount (`manage.py ratings rebuild-rollups`; the bench
    builds its rollups so after COPY). Returns the number of rows written."""
    names: dict = {}
    rows = _recount(names)
    with transaction.atomic():
        Rollup.objects.all().delete()
        Rollup.objects.bulk_create(
            [
                Rollup(
                    scope=scope,
                    key=key,
                    period=period,
                    level=level,
                    name=names.get((scope, key, period, level), ""),
                    **dict(counts),
                )
                for (scope, key, period, level), counts in rows.items()
            ],
            batch_size=2000,
        )
    return len(rows)


def drift() -> list[str]:
    """Rows where the live rollups differ from a recount (empty when exact)."""
    want = {k[:3]: {n: c.get(n, 0) for n in COUNTERS} for k, c in _recount().items()}
    have = {
        (r["scope"], r["key"], r["period"]): {n: r[n] for n in COUNTERS}
        for r in Rollup.objects.values("scope", "key", "period", *COUNTERS)
    }
    zero = dict.fromkeys(COUNTERS, 0)
    out = []
    for key in sorted(set(want) | set(have)):
        if want.get(key, zero) != have.get(key, zero):
            out.append(f"{key}: live {have.get(key, zero)} != recount {want.get(key, zero)}")
    return out
