"""insight models: the case rollups (see README.md "Rollups and indicators").

One table, four grains of the same counters, all maintained incrementally by `rollups.apply`
in the case transition's transaction and rebuilt by `rollups.rebuild`:

- "i": day × region × department × item (实施编码): the finest grain, what the issue asks for;
- "d": day × region × department: the same rows summed over items (dashboard edges of a period);
- "m": month × region × department (`day` is the month's first day): the bulk of a long period;
- "n": month × region × department × item: a long period's figures by item.

Counters keyed by the day the case was SUBMITTED (申报日) describe the cases received that day
and where they are now (st_*: one state each, moving as the case moves); counters keyed by the
day something HAPPENED (accepted, concluded ...) count those events. Nothing personal: no case
number, no applicant; region, department and item are public catalogue keys."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GRAINS = ("i", "d", "m", "n")

STATES = (
    "submitted",
    "supplement",
    "accepted",
    "paused",
    "decided",
    "concluded",
    "delivered",
    "returned",
    "refused",
    "withdrawn",
)
CHANNELS = ("1", "2", "3", "4", "9")

# By day of submission.
RECEIVED_COUNTERS = (
    "received",
    *(f"recv_{c}" for c in CHANNELS),
    *(f"st_{s}" for s in STATES),
    "immediate",  # 即办件 (case type 1)
    "zero_trip",  # 零跑动: an item needing no visit, applied for without coming (not at a window)
    "at_most_once",  # 最多跑一次: an item needing at most one visit
    "exempt_licence",  # 免提交: materials supplied from the e-licence library
    "exempt_identity",  # 免提交: 居民身份证 satisfied by the verified identity
    "exempt_form",  # 免提交: 申请表 generated, 告知承诺书 signed online
)
# By day of the event.
EVENT_COUNTERS = (
    "accepted",  # by accepted_on
    "concluded",  # by the local date of concluded_at
    "on_time",  # concluded on or before the promised date
    "timed",  # concluded with an acceptance date and a working-day count
    "days_used",  # Σ working days (accepted_on, concluded] less paused days
    "days_statutory",  # Σ statutory limits (working days) of those
)
COUNTERS = RECEIVED_COUNTERS + EVENT_COUNTERS


class Rollup(models.Model):
    grain = models.CharField(_("粒度"), max_length=1)
    day = models.DateField(_("日期"))
    region_code = models.CharField(_("行政区划代码"), max_length=12)
    department_id = models.IntegerField(_("部门"))
    item_code = models.CharField(_("实施编码"), max_length=36, blank=True, default="")
    # A database default too: the hook inserts only the counters a transition touches.
    locals().update({name: models.IntegerField(default=0, db_default=0) for name in COUNTERS})

    class Meta:
        verbose_name = _("办件汇总")
        verbose_name_plural = _("办件汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "region_code", "department_id", "item_code"],
                name="insight_rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "region_code", "day"], name="insight_rollup_region"),
            models.Index(fields=["grain", "department_id", "day"], name="insight_rollup_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.region_code} {self.department_id} {self.item_code}"


from .models_evaluation import *  # noqa: E402,F403  (the annual evaluation: helper "evaluation")
