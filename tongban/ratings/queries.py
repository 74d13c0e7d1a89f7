"""ratings reads: totals and rankings from the rollups (never the ratings), the rater's own
ratings and pending invitations, the workbench lists, what the prompt include shows."""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet, Sum

from tongban.core import queries as core_queries

from . import common, rollups, subjects
from .enums import OPEN_RECT_STATES, AppealState, InviteState, Node, RatingState, RectState, Scope
from .models import COUNTERS, Appeal, HallWindow, Invitation, Rating, Rectification, Rollup

SUMS = {name: Sum(name) for name in COUNTERS}


def _periods(rows: QuerySet, since: str = "", until: str = "") -> QuerySet:
    if since:
        rows = rows.filter(period__gte=since)
    if until:
        rows = rows.filter(period__lte=until)
    return rows


def totals(scope: str, key: str, *, since: str = "", until: str = "") -> dict:
    """The indicators of one department id / region code / item code, over the months given."""
    row = _periods(Rollup.objects.filter(scope=scope, key=str(key)), since, until).aggregate(**SUMS)
    return rollups.indicators({name: value or 0 for name, value in row.items()})


def ranking(
    scope: str = Scope.DEPARTMENT,
    *,
    level: int | None = None,
    within: str = "",
    since: str = "",
    until: str = "",
    order: str = "good_rate",
) -> list[dict]:
    """One line per department / region / item: the indicators, best first by `order` (then by
    count). Reads the rollup rows of the months given: a few per key, whatever the ratings."""
    rows = Rollup.objects.filter(scope=scope)
    if level is not None:
        rows = rows.filter(level=level)
    if within and scope == Scope.REGION:
        prefix = within.rstrip("0") or within
        rows = rows.filter(key__startswith=prefix[:4] if len(prefix) > 2 else prefix)
    sums = {**SUMS, "item_name": Max("name")} if scope == Scope.ITEM else SUMS
    summed = _periods(rows, since, until).values("key").annotate(**sums).order_by()
    lines = [
        {"key": row["key"], **rollups.indicators(row), "item_name": row.get("item_name") or ""}
        for row in summed
    ]
    lines = [line for line in lines if line["count"] or line["invited"]]
    lines.sort(
        key=lambda line: (-(line[order] if line[order] is not None else -1), -line["count"], line["key"])
    )
    for rank, line in enumerate(lines, 1):
        line["rank"] = rank
    _name(scope, lines)
    return lines


def _name(scope: str, lines: list[dict]) -> None:
    if scope == Scope.DEPARTMENT:
        names = {
            str(pk): d.name
            for pk, d in core_queries.departments_by_id([int(x["key"]) for x in lines]).items()
        }
    elif scope == Scope.REGION:
        found = core_queries.regions_by_code([x["key"] + "000000" for x in lines])
        names = {code[:6]: region.name for code, region in found.items()}
    else:
        # Item names are kept on the item rollup rows (`Rollup.name`): no look-up in the ratings.
        names = {x["key"]: x["item_name"] for x in lines if x["item_name"]}
    for line in lines:
        line["name"] = names.get(line["key"], line["key"])
        line.pop("item_name", None)


# --- the rater ------------------------------------------------------------------------------------


def pending_of(user) -> QuerySet[Invitation]:
    """我的评价: what awaits the person's rating (一事一评), newest first."""
    return Invitation.objects.filter(rater=user, state=InviteState.PENDING).order_by("-concluded_at", "-id")


def ratings_of(user) -> QuerySet[Rating]:
    return (
        Rating.objects.filter(rater=user)
        .select_related("rectification", "window", "department")
        .order_by("-created_at", "-id")
    )


def rating_of(kind: str, ref: str, node: str = Node.CONCLUDE) -> Rating | None:
    return Rating.objects.filter(kind=kind, ref=ref, node=node).select_related("rectification").first()


def prompt(user, kind: str, ref: str) -> dict:
    """What `_prompt.html` shows for (kind, ref) to `user`: {"state": "hidden" | "ask" |
    "rated", ...}. Only the owner of a concluded subject sees anything."""
    if not getattr(user, "is_authenticated", False) or not kind or not ref:
        return {"state": "hidden"}
    subject = subjects.resolve(kind, str(ref))
    if subject is None or subject.owner_user_id != user.pk or subject.concluded_at is None:
        return {"state": "hidden"}
    rating = rating_of(kind, str(ref))
    if rating is None:
        return {"state": "ask", "kind": kind, "ref": str(ref)}
    return {"state": "rated", "rating": rating, "kind": kind, "ref": str(ref)}


def may_change(rating: Rating) -> bool:
    import datetime as dt

    return (
        not rating.is_default
        and rating.state == RatingState.VALID
        and rating.previous_level is None
        and common.now() <= rating.created_at + dt.timedelta(days=common.change_days())
        and getattr(getattr(rating, "rectification", None), "state", "") != RectState.APPEALING
    )


# --- the workbench --------------------------------------------------------------------------------


def rectifications_for(user, *, state: str = "") -> QuerySet[Rectification]:
    """The bad ratings a staff member works on: the platform sees all, a unit its own."""
    rows = Rectification.objects.select_related("rating", "department").order_by("-created_at", "-id")
    if not common.is_platform_admin(user):
        department = common.department_of(user)
        if department is None:
            return rows.none()
        rows = rows.filter(department_id=department)
    if state == "open":
        rows = rows.filter(state__in=OPEN_RECT_STATES)
    elif state:
        rows = rows.filter(state=state)
    return rows


def rectification_for(user, pk) -> Rectification:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        key = 0
    rect = (
        Rectification.objects.select_related("rating", "department", "rating__window").filter(pk=key).first()
    )
    if rect is None or not (common.is_platform_admin(user) or common.is_unit_staff(user, rect.department_id)):
        raise common.denied(user, "rectification", pk, "没有找到该差评整改")
    return rect


def appeals_of(rect: Rectification) -> QuerySet[Appeal]:
    return rect.appeals.order_by("-requested_at")


def pending_appeal(rect: Rectification) -> Appeal | None:
    return rect.appeals.filter(state=AppealState.PENDING).first()


def windows_for(user) -> QuerySet[HallWindow]:
    rows = HallWindow.objects.select_related("department").order_by("code")
    if common.is_platform_admin(user):
        return rows
    department = common.department_of(user)
    return rows.filter(department_id=department) if department else rows.none()


def recent_ratings(*, department_id: int | None = None, limit: int = 50) -> QuerySet[Rating]:
    rows = Rating.objects.select_related("department").order_by("-created_at", "-id")
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    return rows.filter(~Q(state=RatingState.REMOVED))[:limit]


def ratings_since(since, until=None) -> QuerySet[Rating]:
    """For the national export: every rating given (or changed) in [since, until), oldest first."""
    rows = Rating.objects.filter(Q(created_at__gte=since) | Q(changed_at__gte=since))
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.select_related("department", "rectification").order_by("created_at", "id")
