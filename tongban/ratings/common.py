"""What the ratings services share: the time base, the periods (settings), who may do what,
and the 404 that hides what is not the actor's."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core.errors import NotFound
from tongban.core.workdays import add_working_days

log = logging.getLogger("tongban.ratings")

# 一事一评: a subject not rated within this many days (日, calendar days) of its 办结 gets the
# default rating (README: "The default rating").
DEFAULT_DAYS = 5
# The rater may change a rating once, within this many days of giving it.
CHANGE_DAYS = 5
# Rectification periods in working days by city (6-digit code of the city); cities use 5, 7 or 15.
RECTIFY_WORKDAYS = 5
# How long a link stays valid, by channel (minutes): SMS until the rating period ends, a QR code
# shown at the window for half an hour.
TOKEN_MINUTES = {"sms": DEFAULT_DAYS * 24 * 60, "qr": 30}
# The hall screen offers the clerk's last case taken in within this many minutes.
HALL_MINUTES = 30


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate()


def default_days() -> int:
    return int(getattr(settings, "RATINGS_DEFAULT_DAYS", DEFAULT_DAYS))


def default_due(concluded_at: dt.datetime) -> dt.datetime:
    """When the default rating falls due: `default_days()` after 办结, in 日 (calendar days, the
    default) or, with RATINGS_DEFAULT_UNIT = "workday", in working days of the platform calendar
    (the end of that working day)."""
    days = default_days()
    if getattr(settings, "RATINGS_DEFAULT_UNIT", "day") == "workday":
        local = timezone.localtime(concluded_at)
        end = add_working_days(local.date(), days)
        return timezone.make_aware(dt.datetime.combine(end, dt.time(23, 59, 59)))
    return concluded_at + dt.timedelta(days=days)


def change_days() -> int:
    return int(getattr(settings, "RATINGS_CHANGE_DAYS", CHANGE_DAYS))


def rectify_workdays(region_code: str) -> int:
    """The city's period (RATINGS_RECTIFY_WORKDAYS = {"420100": 7, ...}, by city or county code),
    else RATINGS_RECTIFY_DEFAULT (5)."""
    table = getattr(settings, "RATINGS_RECTIFY_WORKDAYS", {}) or {}
    code = (region_code or "")[:6]
    for key in (code, code[:4] + "00", code[:2] + "0000"):
        if key in table:
            return int(table[key])
    return int(getattr(settings, "RATINGS_RECTIFY_DEFAULT", RECTIFY_WORKDAYS))


def token_minutes(channel: str) -> int:
    table = {**TOKEN_MINUTES, **(getattr(settings, "RATINGS_TOKEN_MINUTES", {}) or {})}
    return int(table[channel])


def period_of(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y%m")


# --- who may do what ------------------------------------------------------------------------------


def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or account_queries.has_role(
        user, StaffRole.PLATFORM_ADMIN
    )


def department_of(user) -> int | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return None
    return account_queries.staff_department_id(user)


def is_unit_staff(user, department_id: int | None) -> bool:
    """Staff of the handling unit (the department the rating is bound to)."""
    return department_id is not None and department_of(user) == department_id


def may_use_workbench(user) -> bool:
    return bool(department_of(user)) or is_platform_admin(user)


def is_person(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and account_queries.is_person(user)


def denied(actor, what: str, ref, message: str = "没有找到要评价的内容") -> NotFound:
    """Audit an access outside the actor's reach (its own transaction) and answer 404."""
    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="ratings.access_refused",
                object_type=f"ratings.{what}",
                object_id=str(ref)[:60],
                data={"outcome": "not_found"},
            )
    except Exception:  # the 404 is what matters
        log.exception("ratings: could not audit a refused access")
    return NotFound(message)
