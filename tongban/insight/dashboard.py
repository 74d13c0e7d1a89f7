"""What the dashboards show (一屏全览看板), built only from insight-core's read API
(`queries.indicators/series/breakdown/volumes`, `indicators.INDICATORS`).

    selection = read_selection(request.GET, today=...)   # raises InvalidInput naming each field
    board = build(selection)                               # the cards and every figure's Table

Every figure is a `Table` first: the page renders it as an HTML table (the accessible view, and
what the chart script reads its numbers from), the exports write it as CSV or xlsx. A chart is
never the only place a number appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem, InvalidInput

from . import queries
from .indicators import INDICATORS, Indicator

# Period presets (时间段): this month, this year, the last 12 months (this month and 11 before).
PRESETS = {
    "month": gettext_lazy("本月"),
    "year": gettext_lazy("本年"),
    "12m": gettext_lazy("近12个月"),
}
DEFAULT_PRESET = "12m"
DAY_GRAIN_MAX_DAYS = 92  # a trend over at most ~3 months is by day, longer by month
DEFAULT_INDICATOR = "online_case_rate"

# The page's query parameters and the labels people read for them (error messages name both).
FIELDS = {
    "region": gettext_lazy("地区"),
    "from": gettext_lazy("开始日期"),
    "to": gettext_lazy("结束日期"),
    "preset": gettext_lazy("时间段"),
    "department": gettext_lazy("部门"),
    "indicator": gettext_lazy("指标"),
    "table": gettext_lazy("表格"),
}


def field_label(name: str) -> str:
    return str(FIELDS.get(name, name))


@dataclass(frozen=True)
class Selection:
    region: object  # core Region
    ancestors: list  # Regions, from the province down to `region`
    children: list  # Regions one level down (empty for a county)
    date_from: date
    date_to: date
    preset: str  # "" when from/to were given
    department: object | None  # core Department
    indicator: Indicator

    @property
    def grain(self) -> str:
        return "day" if (self.date_to - self.date_from).days < DAY_GRAIN_MAX_DAYS else "month"

    def params(self, **changes) -> dict:
        """The query parameters that reproduce this selection (with `changes` applied)."""
        out = {"region": self.region.code}
        if self.preset:
            out["preset"] = self.preset
        else:
            out["from"], out["to"] = self.date_from.isoformat(), self.date_to.isoformat()
        if self.department is not None:
            out["department"] = str(self.department.pk)
        out["indicator"] = self.indicator.id
        out.update({k: v for k, v in changes.items() if v is not None})
        for k in [k for k, v in changes.items() if v is None]:
            out.pop(k, None)
        return out

    def query(self, **changes) -> str:
        return urlencode(self.params(**changes))


def preset_period(preset: str, today: date) -> tuple[date, date]:
    if preset == "month":
        return today.replace(day=1), today
    if preset == "year":
        return today.replace(month=1, day=1), today
    # "12m": the first day of the month 11 months back
    month_index = today.year * 12 + today.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1), today


def _date(params, name: str, problems: list) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(FieldProblem(name, _("日期格式应为 年-月-日，例如 2026-01-31")))
        return None


def _problems(error: DomainError, default_field: str) -> list[FieldProblem]:
    return error.problems or [FieldProblem(default_field, error.message)]


def read_selection(params, *, today: date) -> Selection:
    """The dashboard's selection from query parameters. Every bad field is reported at once
    (InvalidInput with one FieldProblem per field); nothing is queried for a bad selection."""
    problems: list[FieldProblem] = []

    region = ancestors = None
    children: list = []
    code = (params.get("region") or "").strip()
    try:
        if code:
            region = queries.check_region(code)
        else:
            region = core_queries.provinces().order_by("code").first()
            if region is None:
                raise InvalidInput.field("region", _("还没有行政区划数据"))
        ancestors = core_queries.region_ancestors(region)
        children = list(core_queries.region_children(region.code))
    except DomainError as e:
        problems += _problems(e, "region")

    preset = (params.get("preset") or "").strip()
    date_from, date_to = _date(params, "from", problems), _date(params, "to", problems)
    if preset and preset not in PRESETS:
        problems.append(FieldProblem("preset", _("时间段应为本月、本年或近12个月")))
        preset = ""
    if (
        not preset
        and date_from is None
        and date_to is None
        and not any(p.field in ("from", "to") for p in problems)
    ):
        preset = DEFAULT_PRESET
    if preset:
        date_from, date_to = preset_period(preset, today)
    elif date_from is None and not any(p.field == "from" for p in problems):
        problems.append(FieldProblem("from", _("请填写开始日期")))
    elif date_to is None and not any(p.field == "to" for p in problems):
        problems.append(FieldProblem("to", _("请填写结束日期")))
    if date_from is not None and date_to is not None:
        try:
            queries.check_period(date_from, date_to)
        except DomainError as e:
            problems += _problems(e, "to")

    department = None
    dept_key = (params.get("department") or "").strip()
    if dept_key:
        try:
            department = core_queries.get_department(queries.check_department(dept_key))
        except DomainError as e:
            problems += _problems(e, "department")

    indicator_id = (params.get("indicator") or "").strip() or _default_indicator_id()
    indicator = INDICATORS.get(indicator_id)
    if indicator is None or not charted(indicator):
        problems.append(FieldProblem("indicator", _("没有编号为 %(id)s 的指标") % {"id": indicator_id[:40]}))

    if problems:
        raise InvalidInput(_("查询条件有误，请按提示修改"), problems=problems)
    return Selection(
        region=region,
        ancestors=ancestors,
        children=children,
        date_from=date_from,
        date_to=date_to,
        preset=preset,
        department=department,
        indicator=indicator,
    )


def charted(indicator: Indicator) -> bool:
    """Whether the trend and the ranking can show it: it has a value per day or month (the
    catalogue's indicators are current only: they are cards)."""
    return getattr(indicator, "has_series", True)


def chartable_indicators() -> list[Indicator]:
    return [i for i in INDICATORS.values() if charted(i)]


def _default_indicator_id() -> str:
    if DEFAULT_INDICATOR in INDICATORS:
        return DEFAULT_INDICATOR
    return next((i.id for i in chartable_indicators()), "")


# --- Tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    data: bool = False  # Chinese data (a region's name): marked lang="zh-Hans" on the page


@dataclass
class Table:
    """One figure's data: `columns` and `rows` (tuples of plain values: str, int, Decimal, date,
    None). `chart` is the chart the page draws from it ("map+bar", "line", "bar", "pie", "" for
    none); `label_column`/`value_column` name the columns the chart reads."""

    id: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    chart: str = ""
    label_column: int = 0
    value_column: int = 1
    unit: str = ""
    note: str = ""
    links: list = field(default_factory=list)  # per row: a URL for the label (drill-down) or ""

    def column_labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def view_rows(self, link_template: str = "") -> list[dict]:
        """The rows as the page renders them: each cell's text, its raw number for the chart
        script (`data-value`), and the drill-down link of a row's label where it has one."""
        out = []
        for i, row in enumerate(self.rows):
            key = self.links[i] if i < len(self.links) else ""
            cells = []
            for j, (column, value) in enumerate(zip(self.columns, row, strict=True)):
                cells.append(
                    {
                        "text": display_value(value),
                        "raw": "" if value is None or not column.numeric else display_value(value),
                        "numeric": column.numeric,
                        "data": column.data,
                        "head": j == self.label_column,
                        "link": link_template.replace(DRILL_PLACEHOLDER, key)
                        if key and link_template and j == self.label_column
                        else "",
                    }
                )
            out.append({"key": key or (str(row[0]) if row else ""), "cells": cells})
        return out


DRILL_PLACEHOLDER = "__region__"
TABLE_IDS = ("indicators", "ranking", "trend", "channels", "states")


def display_value(value) -> str:
    """A figure as people read it: None → "—" (no data), Decimals without trailing zeros."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.quantize(Decimal("0.01")) if value.as_tuple().exponent < -2 else value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _department(selection: Selection) -> str | None:
    return str(selection.department.pk) if selection.department is not None else None


def indicators_table(selection: Selection) -> Table:
    values = queries.indicators(
        region=selection.region.code,
        date_from=selection.date_from,
        date_to=selection.date_to,
        department=_department(selection),
    )
    rows = [
        (
            v.indicator.id,
            str(v.indicator.name),
            v.value,
            v.indicator.unit,
            v.numerator,
            v.denominator,
            v.indicator.formula,
        )
        for v in values
    ]
    columns = [
        Column("id", _("指标编号")),
        Column("name", _("指标")),
        Column("value", _("数值"), numeric=True),
        Column("unit", _("单位")),
        Column("numerator", _("分子"), numeric=True),
        Column("denominator", _("分母"), numeric=True),
        Column("formula", _("计算公式")),
    ]
    return Table("indicators", _("指标一览"), columns, rows, chart="", label_column=1, value_column=2)


def ranking_table(selection: Selection) -> Table:
    ind = selection.indicator
    rows_in = queries.breakdown(
        ind.id,
        region=selection.region.code,
        date_from=selection.date_from,
        date_to=selection.date_to,
        department=_department(selection),
    )
    known = [r for r in rows_in if r.value is not None]
    unknown = [r for r in rows_in if r.value is None]
    known.sort(key=lambda r: (-r.value if ind.higher_is_better else r.value, r.code))
    unknown.sort(key=lambda r: r.code)
    rows, links = [], []
    rank = 0
    for r in known + unknown:
        rank = rank + 1 if r.value is not None else None
        rows.append((rank, r.code, r.name, r.value, r.numerator, r.denominator))
        links.append(r.code)
    columns = [
        Column("rank", _("排名"), numeric=True),
        Column("code", _("区划代码")),
        Column("region", _("地区"), data=True),
        Column(
            "value",
            _("%(name)s（%(unit)s）") % {"name": ind.name, "unit": unit_label(ind.unit)},
            numeric=True,
        ),
        Column("numerator", _("分子"), numeric=True),
        Column("denominator", _("分母"), numeric=True),
    ]
    order = _("由高到低") if ind.higher_is_better else _("由低到高（越低越好）")
    title = _("%(name)s 排名") % {"name": ind.name}
    return Table(
        "ranking", title, columns, rows, chart="map+bar", label_column=2, value_column=3, unit=unit_label(ind.unit),
        note=_("按%(order)s排列；没有数据的地区排在最后。") % {"order": order}, links=links,
    )  # fmt: skip


def trend_table(selection: Selection) -> Table:
    ind = selection.indicator
    points = queries.series(
        ind.id,
        region=selection.region.code,
        date_from=selection.date_from,
        date_to=selection.date_to,
        grain=selection.grain,
        department=_department(selection),
    )
    monthly = selection.grain == "month"
    rows = [(d.strftime("%Y-%m") if monthly else d.isoformat(), v) for d, v in points]
    columns = [
        Column("period", _("月份") if monthly else _("日期")),
        Column(
            "value",
            _("%(name)s（%(unit)s）") % {"name": ind.name, "unit": unit_label(ind.unit)},
            numeric=True,
        ),
    ]
    title = (_("%(name)s 按月趋势") if monthly else _("%(name)s 按日趋势")) % {"name": ind.name}
    return Table("trend", title, columns, rows, chart="line", unit=unit_label(ind.unit))


def volumes_table(selection: Selection, by: str) -> Table:
    rows_in = queries.volumes(
        region=selection.region.code,
        date_from=selection.date_from,
        date_to=selection.date_to,
        by=by,
        department=_department(selection),
    )
    rows = [(key, str(label), count) for key, label, count in rows_in]
    first = _("渠道") if by == "channel" else _("状态")
    columns = [
        Column("key", _("代码")),
        Column("label", first),
        Column("count", _("办件数（件）"), numeric=True),
    ]
    title = _("按办理渠道的办件量") if by == "channel" else _("按办件状态的办件量")
    table_id = "channels" if by == "channel" else "states"
    return Table(table_id, title, columns, rows, chart="pie" if by == "channel" else "bar",
                 label_column=1, value_column=2, unit=_("件"))  # fmt: skip


def build_table(selection: Selection, table_id: str) -> Table:
    if table_id == "indicators":
        return indicators_table(selection)
    if table_id == "ranking":
        return ranking_table(selection)
    if table_id == "trend":
        return trend_table(selection)
    if table_id == "channels":
        return volumes_table(selection, "channel")
    if table_id == "states":
        return volumes_table(selection, "state")
    raise InvalidInput.field("table", _("没有这个表格：%(id)s") % {"id": table_id[:40]})


@dataclass
class Board:
    selection: Selection
    indicators: Table
    ranking: Table
    trend: Table
    channels: Table
    states: Table

    @property
    def figures(self) -> list[Table]:
        return [self.ranking, self.trend, self.channels, self.states]


def build(selection: Selection) -> Board:
    return Board(
        selection=selection,
        indicators=indicators_table(selection),
        ranking=ranking_table(selection),
        trend=trend_table(selection),
        channels=volumes_table(selection, "channel"),
        states=volumes_table(selection, "state"),
    )


def links(selection: Selection) -> dict:
    """The page's links, each keeping the rest of the selection: the region breadcrumbs and the
    drill-down (both drop the department, which belongs to one region), the period presets,
    each table's downloads, the map outlines, the dashboard and the screen."""
    from django.urls import reverse

    def here(**changes) -> str:
        return "?" + selection.query(**changes)

    crumbs = [
        {
            "name": r.name,
            "url": here(region=r.code, department=None),
            "current": i == len(selection.ancestors) - 1,
        }
        for i, r in enumerate(selection.ancestors)
    ]
    presets = [
        {
            "id": k,
            "label": label,
            "url": here(preset=k, **{"from": None, "to": None}),
            "current": selection.preset == k,
        }
        for k, label in PRESETS.items()
    ]
    exports = {
        t: {
            "csv": reverse("insight:export_csv") + here(table=t),
            "xlsx": reverse("insight:export_xlsx") + here(table=t),
        }
        for t in TABLE_IDS
    }
    return {
        "crumbs": crumbs,
        "presets": presets,
        "drill": here(region=DRILL_PLACEHOLDER, department=None),
        "exports": exports,
        "map": reverse("insight:map_json") + "?" + urlencode({"region": selection.region.code}),
        "dashboard": reverse("insight:dashboard") + here(),
        "screen": reverse("insight:screen") + here(),
        "formulas": reverse("insight:formulas"),
    }


UNITS = {
    "件": gettext_lazy("件"),
    "天": gettext_lazy("天"),
    "次": gettext_lazy("次"),
    "个": gettext_lazy("个"),
}


def unit_label(unit: str) -> str:
    return str(UNITS.get(unit, unit or ""))
