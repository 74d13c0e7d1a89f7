"""The provisional calendar (暂定日历) of a year without the State Council's arrangement.

Until the General Office of the State Council announces a year's holidays and adjusted workdays
(usually in November of the year before), deadlines into that year are computed on a calendar
derived from the law alone: weekends, plus the 13 statutory holidays of the 全国年节及纪念日放假办法
(Measures on National Holidays, revised 2024) for the whole population:

    元旦 (New Year's Day)   1 day    1 January
    春节 (Spring Festival)  4 days   除夕 (lunar New Year's Eve) and 正月初一 to 初三
    清明节 (Qingming)        1 day    the day of the 清明 solar term
    劳动节 (Labour Day)      2 days   1 and 2 May
    端午节 (Dragon Boat)     1 day    the 5th day of the 5th lunar month
    中秋节 (Mid-autumn)      1 day    the 15th day of the 8th lunar month
    国庆节 (National Day)    3 days   1 to 3 October

A holiday that falls on a Saturday or Sunday is made up (补假) on the next working day, as the
Measures (art. 6) require for holidays of the whole population, and so is the second of two
holidays on one day (中秋 on 3 October 2028); there are no adjusted workdays
(调休), which only the State Council's arrangement creates (ADR 0006). Lunar dates and the
solar term come from the `lunar_python` package.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

ONE_DAY = dt.timedelta(days=1)
# How far ahead a provisional year is computed: later years stay uncovered (CalendarNotCovered),
# so an absurd deadline cannot run on for ever.
YEARS_AHEAD = 5
FIRST_YEAR = 1950  # the first Measures were issued in December 1949
MADE_UP = "（补假）"


def statutory_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The 13 statutory holidays of `year`, by the 2024 Measures, in date order."""
    from lunar_python import Lunar, Solar

    def lunar(month: int, day: int) -> dt.date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())

    new_year = lunar(1, 1)
    qingming = next(
        dt.date(year, 4, d) for d in range(3, 7) if Solar.fromYmd(year, 4, d).getLunar().getJieQi() == "清明"
    )
    days = [
        (dt.date(year, 1, 1), "元旦"),
        *((new_year + dt.timedelta(days=i), "春节") for i in range(-1, 3)),
        (qingming, "清明节"),
        (dt.date(year, 5, 1), "劳动节"),
        (dt.date(year, 5, 2), "劳动节"),
        (lunar(5, 5), "端午节"),
        (lunar(8, 15), "中秋节"),
        *((dt.date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    return sorted(days)


@lru_cache(maxsize=64)
def holidays(year: int) -> tuple[tuple[dt.date, str], ...]:
    """The provisional calendar's days off in `year` that are not weekends anyway: the statutory
    holidays on weekdays, and a made-up day (补假) for each one on a weekend."""
    statutory = statutory_holidays(year)
    off = {day for day, _ in statutory}
    out: dict[dt.date, str] = {}
    for day, name in statutory:
        if day.weekday() < 5 and day not in out:
            out[day] = name
            continue
        made_up = day + ONE_DAY
        while made_up.weekday() >= 5 or made_up in off or made_up in out:
            made_up += ONE_DAY
        out[made_up] = name + MADE_UP
    return tuple(sorted((d, n) for d, n in out.items() if d.year == year))
