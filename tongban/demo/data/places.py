"""Places (地点): telephone area codes, the prefixes departments are named with, service halls.

Hall names and street addresses are illustrative: they read like Hubei's but are not a
directory of real offices (the two halls named in the source articles excepted).
"""

from __future__ import annotations

import random

PROVINCE_CODE = "420000"
WUHAN = "420100"

# Long-distance area codes (长途区号) of the 17 prefecture-level units.
AREA_CODES = {
    "420100": "027",  # 武汉
    "420200": "0714",  # 黄石
    "420300": "0719",  # 十堰
    "420500": "0717",  # 宜昌
    "420600": "0710",  # 襄阳
    "420700": "0711",  # 鄂州
    "420800": "0724",  # 荆门
    "420900": "0712",  # 孝感
    "421000": "0716",  # 荆州
    "421100": "0713",  # 黄冈
    "421200": "0715",  # 咸宁
    "421300": "0722",  # 随州
    "422800": "0718",  # 恩施
    "429004": "0728",  # 仙桃
    "429005": "0728",  # 潜江
    "429006": "0728",  # 天门
    "429021": "0719",  # 神农架
}

# How departments of a prefecture-level unit are named (恩施土家族苗族自治州 -> 恩施州).
CITY_PREFIX = {
    "420100": "武汉市",
    "420200": "黄石市",
    "420300": "十堰市",
    "420500": "宜昌市",
    "420600": "襄阳市",
    "420700": "鄂州市",
    "420800": "荆门市",
    "420900": "孝感市",
    "421000": "荆州市",
    "421100": "黄冈市",
    "421200": "咸宁市",
    "421300": "随州市",
    "422800": "恩施州",
    "429004": "仙桃市",
    "429005": "潜江市",
    "429006": "天门市",
    "429021": "神农架林区",
}

# The four units directly under the province (省直辖县级行政单位): city rows in our data,
# organised like a county (a full set of bureaus, no counties below them).
DIRECT_UNITS = frozenset({"429004", "429005", "429006", "429021"})

# Halls named in the source articles, and a few well-known ones.
HALL_NAMES = {
    "420000": "湖北省政务服务中心",
    "420100": "武汉市民之家",
    "420115": "江夏市民之家",
}

ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "民主路",
    "中山路",
    "光明路",
    "和平路",
    "新华路",
    "胜利路",
    "长江路",
    "发展大道",
    "文化路",
    "振兴大道",
    "迎宾大道",
    "府前路",
    "政通路",
    "楚天路",
    "荆楚大道",
)

HALL_HOURS = (
    "周一至周五 上午9:00-12:00，下午13:30-17:00（法定节假日除外）",
    "周一至周五 8:30-12:00，14:00-17:30；周六上午9:00-12:00延时服务",
    "工作日 上午8:30-12:00，下午14:30-17:30（夏令时）/14:00-17:00（冬令时）",
    "周一至周五 9:00-17:00（中午不休）；周六、周日预约服务",
)


def area_code(region_code: str) -> str:
    """The area code serving a 6- or 12-digit region code."""
    code6 = region_code[:6]
    if code6 in AREA_CODES:
        return AREA_CODES[code6]
    return AREA_CODES.get(code6[:4] + "00", "027")


def phone(rng: random.Random, region_code: str) -> str:
    """A plausible office number: Wuhan has 8-digit local numbers, the other cities 7."""
    code = area_code(region_code)
    digits = 8 if code == "027" else 7
    first = rng.choice("2345678")
    rest = "".join(rng.choice("0123456789") for _ in range(digits - 1))
    return f"{code}-{first}{rest}"


def street_address(rng: random.Random, place: str) -> str:
    return f"{place}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
