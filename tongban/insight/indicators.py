"""The indicators (指标), each defined ONCE: id, name, unit, formula, numerator, denominator,
source. docs/indicators.md has one section per id; `queries` computes them. Other parts of
insight (dashboards, evaluation) read them from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Where an indicator's figures come from.
CASES = "cases"  # the case rollups (insight.models.Rollup), for a period
CATALOGUE = "catalogue"  # the current catalogue's items (catalog.queries): no history, no period
LICENCES = "licences"  # e-licence issuance and use (licences.queries), for a period
EXCHANGE = "exchange"  # data-sharing calls (exchange.queries, its CallStatDay rollup), for a period


@dataclass(frozen=True)
class Indicator:
    id: str  # stable formula id: docs/indicators.md has a section per id
    name: str  # Chinese label (gettext_lazy)
    unit: str  # "%", "件", "天", "次"
    formula: str  # human-readable formula
    higher_is_better: bool
    numerator: str = ""  # what is counted above the line (or the count itself)
    denominator: str = ""  # below the line ("" for a count or a sum)
    source: str = CASES

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)

    @property
    def has_series(self) -> bool:
        """Whether `queries.series` gives it per day or month: the case rollups' indicators (the
        catalogue's are current only; licences and data sharing give a period's total)."""
        return self.source == CASES


def _ind(id, name, unit, formula, higher, numerator, denominator="", source=CASES) -> Indicator:
    return Indicator(id, name, unit, formula, higher, numerator, denominator, source)


INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        _ind(
            "item_online_rate",
            _("可网办率"),
            "%",
            _("可网办事项数 ÷ 事项总数 × 100%"),
            True,
            _("可网上申请且网上办理深度达到受理的事项数"),
            _("在办事项总数"),
            CATALOGUE,
        ),
        _ind(
            "item_fully_online_rate",
            _("全程网办率"),
            "%",
            _("全程网办事项数 ÷ 事项总数 × 100%"),
            True,
            _("全程网办事项数"),
            _("在办事项总数"),
            CATALOGUE,
        ),
        _ind(
            "online_case_rate",
            _("网办件比率"),
            "%",
            _("网上申报办件数 ÷ 办件总数 × 100%"),
            True,
            _("电脑端和移动端申报的办件数"),
            _("期间申报的办件总数"),
        ),
        _ind(
            "at_most_once_rate",
            _("最多跑一次率"),
            "%",
            _("最多跑一次办件数 ÷ 办件总数 × 100%"),
            True,
            _("所办事项到办事现场次数不超过1次的办件数"),
            _("期间申报的办件总数"),
        ),
        _ind(
            "zero_trip_rate",
            _("零跑动率"),
            "%",
            _("零跑动办件数 ÷ 办件总数 × 100%"),
            True,
            _("所办事项无需到现场且非窗口申报的办件数"),
            _("期间申报的办件总数"),
        ),
        _ind("received", _("办件量"), "件", _("期间申报的办件数"), True, _("期间申报的办件数")),
        _ind("accepted", _("受理量"), "件", _("期间受理的办件数"), True, _("受理日期在期间内的办件数")),
        _ind("concluded", _("办结量"), "件", _("期间办结的办件数"), True, _("办结日期在期间内的办件数")),
        _ind(
            "on_time_rate",
            _("按时办结率"),
            "%",
            _("按承诺时限办结的办件数 ÷ 办结办件数 × 100%"),
            True,
            _("期间办结且未超过承诺办结日期的办件数"),
            _("期间办结的办件数"),
        ),
        _ind(
            "immediate_share",
            _("即办件占比"),
            "%",
            _("即办件数 ÷ 办件总数 × 100%"),
            True,
            _("办件类型为即办件的办件数"),
            _("期间申报的办件总数"),
        ),
        _ind(
            "avg_days_saved",
            _("平均减少办理天数"),
            "天",
            _("Σ（法定时限 − 实际办理工作日）÷ 计时办结件数"),
            True,
            _("期间办结件的法定时限（工作日）之和减实际办理工作日之和"),
            _("期间办结且有受理日期的办件数"),
        ),
        _ind(
            "exempt_materials",
            _("免提交材料数"),
            "件",
            _("电子证照代替 + 实名核验代替 + 系统生成或在线签署的材料数"),
            True,
            _("期间申报的办件中由平台提供、申请人无需提交的材料份数"),
        ),
        _ind(
            "licences_issued",
            _("电子证照签发量"),
            "件",
            _("期间签发的电子证照数（含变更、延续的新版本）"),
            True,
            _("颁发日期在期间内、颁发部门在本地区的电子证照版本数"),
            source=LICENCES,
        ),
        _ind(
            "licence_uses",
            _("电子证照用证次数"),
            "次",
            _("期间成功提供电子证照的用证记录数"),
            True,
            _("用证部门在本地区、结果为已提供的用证记录数"),
            source=LICENCES,
        ),
        _ind(
            "sharing_calls",
            _("数据共享调用次数"),
            "次",
            _("期间共享交换网关调用次数"),
            True,
            _("提供部门在本地区的数据服务被调用的次数（按日汇总）"),
            source=EXCHANGE,
        ),
    )
}


def get(indicator_id: str) -> Indicator:
    from tongban.core.errors import InvalidInput

    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise InvalidInput.field("indicator", "没有这个指标") from None
