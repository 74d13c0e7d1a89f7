"""Public operational statistics (运行统计, /insight/stats/): what the platform does, per month, for
a region: cases received by channel (办理渠道) and where they stand (办理结果), cases concluded and
the on-time rate, the share applied for online, e-licences issued and data-sharing calls when
insight's indicators have them, and the items that can be done online today. Counts only, from
insight's rollups (`insight.queries`): nothing about any person.

Input: `from` and `to` as months (YYYY-MM), `region` a 6- or 12-digit region code (default the
province). Bad input is an InvalidInput naming the field (`from`, `to`, `region`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core import queries as core_queries
from tongban.core.errors import InvalidInput

from . import queries
from .indicators import INDICATORS

MAX_MONTHS = 36
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
# Figures per month (insight indicator id, the column's label), shown when insight defines them.
MONTHLY = (
    ("received", _("当月申报办件数")),
    ("concluded", _("当月办结办件数")),
    ("on_time_rate", _("按时办结率（%）")),
    ("online_case_rate", _("网办件比率（%）")),
    ("licences_issued", _("签发电子证照数")),
    ("sharing_calls", _("数据共享调用次数（次）")),
)
LABELS = dict(MONTHLY)
# Outcomes: where the cases received in the month stand now (insight's rollup states).
OUTCOMES = (
    ("done", _("已办结"), ("decided", "concluded", "delivered")),
    ("refused", _("不予受理或不予许可"), ("refused",)),
    ("returned", _("退回"), ("returned",)),
    ("withdrawn", _("撤回"), ("withdrawn",)),
    ("open", _("在办"), ("submitted", "supplement", "accepted", "paused")),
)


def _month(value, *, field: str) -> dt.date:
    text = (value or "").strip() if isinstance(value, str) else ""
    m = MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise InvalidInput.field(field, "月份应写作 YYYY-MM，如 2026-01")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _month_end(first: dt.date) -> dt.date:
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = _month_end(m) + dt.timedelta(days=1)
    return out


@dataclass
class Period:
    first: dt.date  # first day of the first month
    last: dt.date  # first day of the last month
    region: object

    @property
    def date_to(self) -> dt.date:
        return _month_end(self.last)


def default_period() -> tuple[str, str]:
    today = timezone.localdate()
    first = today.replace(day=1)
    for _i in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}", f"{today:%Y-%m}"


def check_input(date_from: str | None, date_to: str | None, region: str | None) -> Period:
    """The period and region asked for; defaults: the last 12 months, the province."""
    default_from, default_to = default_period()
    first = _month(date_from or default_from, field="from")
    last = _month(date_to or default_to, field="to")
    if last < first:
        raise InvalidInput.field("to", "结束月份不能早于开始月份")
    if len(_months(first, last)) > MAX_MONTHS:
        raise InvalidInput.field("to", f"统计期间不能超过{MAX_MONTHS}个月")
    queries.check_period(first, _month_end(last))
    code = (region or "").strip()
    if not code:
        province = core_queries.provinces().order_by("code").first()
        code = province.code if province else ""
    area = queries.check_region(code)
    if area.level > 3:
        raise InvalidInput.field("region", "只能按省、市、县统计")
    return Period(first, last, area)


@dataclass
class Month:
    month: dt.date
    figures: dict = field(default_factory=dict)  # indicator id → value
    channels: list = field(default_factory=list)  # counts in `channel_labels` order
    outcomes: list = field(default_factory=list)  # counts in OUTCOMES order
    # (label, value) pairs for the tables
    figure_cells: list = field(default_factory=list)
    channel_cells: list = field(default_factory=list)
    outcome_cells: list = field(default_factory=list)


@dataclass
class Stats:
    period: Period
    months: list[Month]
    figures: list  # the Indicators shown per month (their column labels: `labels`)
    channel_labels: list[tuple[str, str]]
    outcome_labels: list[tuple[str, str]]
    items_online: object  # IndicatorValue of item_online_rate today (or None)


def monthly(period: Period) -> Stats:
    region = period.region.code
    months = [Month(m) for m in _months(period.first, period.last)]
    shown = [INDICATORS[i] for i, _label in MONTHLY if i in INDICATORS and INDICATORS[i].has_series]
    for ind in shown:
        values = dict(
            queries.series(
                ind.id, region=region, date_from=period.first, date_to=period.date_to, grain="month"
            )
        )
        for m in months:
            m.figures[ind.id] = values.get(m.month)
    channel_labels: list[tuple[str, str]] = []
    for m in months:
        end = min(_month_end(m.month), period.date_to)
        chans = queries.volumes(region=region, date_from=m.month, date_to=end, by="channel")
        channel_labels = [(k, label) for k, label, _n in chans]
        m.channels = [n for _k, _label, n in chans]
        states = {
            k: n
            for k, _label, n in queries.volumes(region=region, date_from=m.month, date_to=end, by="state")
        }
        m.outcomes = [sum(states.get(s, 0) for s in group) for _key, _label, group in OUTCOMES]
    for m in months:
        m.figure_cells = [(LABELS[i.id], m.figures[i.id]) for i in shown]
        m.channel_cells = list(zip([label for _k, label in channel_labels], m.channels, strict=True))
        m.outcome_cells = list(zip([label for _k, label, _g in OUTCOMES], m.outcomes, strict=True))
    items_online = None
    if "item_online_rate" in INDICATORS:
        today = timezone.localdate()
        items_online = next(
            (
                v
                for v in queries.indicators(region=region, date_from=today, date_to=today)
                if v.indicator.id == "item_online_rate"
            ),
            None,
        )
    return Stats(
        period,
        months,
        shown,
        channel_labels,
        [(key, str(label)) for key, label, _g in OUTCOMES],
        items_online,
    )


def labels(stats: Stats) -> list[str]:
    return [str(LABELS[i.id]) for i in stats.figures]


def csv_rows(stats: Stats) -> list[list]:
    """The table as CSV rows (a header, then a month a row)."""
    head = ["month"] + [f"{i.id} ({i.unit})" for i in stats.figures]
    head += [f"channel_{k} {label}" for k, label in stats.channel_labels]
    head += [f"outcome_{k} {label}" for k, label in stats.outcome_labels]
    rows = [head]
    for m in stats.months:
        rows.append(
            [f"{m.month:%Y-%m}"]
            + ["" if m.figures[i.id] is None else str(m.figures[i.id]) for i in stats.figures]
            + m.channels
            + m.outcomes
        )
    return rows


def chart_data(stats: Stats) -> dict:
    """What the ECharts chart draws (static/insight/stats.js): months, received per channel,
    the on-time rate."""
    return {
        "months": [f"{m.month:%Y-%m}" for m in stats.months],
        "channels": [
            {"name": str(label), "data": [m.channels[i] for m in stats.months]}
            for i, (_k, label) in enumerate(stats.channel_labels)
        ],
        "on_time": {
            "name": str(LABELS["on_time_rate"]) if "on_time_rate" in INDICATORS else "",
            "data": [
                None if m.figures.get("on_time_rate") is None else float(m.figures["on_time_rate"])
                for m in stats.months
            ],
        },
    }
