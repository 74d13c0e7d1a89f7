"""Synthetic people and enterprises for the population register (人口库) and the legal-person
register (法人库): pure, deterministic generators (one `random.Random` per register).

Names follow the frequency of the common Chinese surnames (roughly the 2020 census order) and
use given-name characters typical of each sex and generation. ID numbers are valid (GB 11643)
with a Hubei county as birthplace; credit codes are valid (GB 32100). Nothing here is a real
person or enterprise.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from tongban.core.identifiers import make_credit_code, make_resident_id

POPULATION = 3000  # people in the population register, the named demo people included
LEGAL_PERSONS = 300  # units in the legal-person register, the demo enterprise included

# (surname, weight): the most common surnames, weights roughly proportional to their share.
SURNAMES = (
    ("王", 74), ("李", 73), ("张", 70), ("刘", 54), ("陈", 46), ("杨", 33), ("黄", 25), ("赵", 21),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 11),
    ("何", 10), ("林", 10), ("高", 10), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 7), ("宋", 7),
    ("唐", 6), ("许", 6), ("韩", 6), ("邓", 6), ("冯", 6), ("曹", 5), ("彭", 5), ("曾", 5),
    ("肖", 5), ("田", 5), ("董", 5), ("潘", 4), ("袁", 4), ("蔡", 4), ("蒋", 4), ("余", 4),
    ("于", 4), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 3), ("苏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("卢", 3), ("姚", 3), ("沈", 3), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 2), ("范", 2), ("汪", 2), ("廖", 2), ("石", 2), ("金", 2), ("韦", 2), ("贾", 2),
    ("夏", 2), ("付", 2), ("方", 2), ("邹", 2), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2),
    ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2),
    ("欧阳", 1), ("上官", 1),
)  # fmt: skip
GIVEN_MALE = "伟强军磊勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文博晨轩然峰成"
GIVEN_FEMALE = "芳娟敏静丽艳娜秀英霞燕玲桂兰萍红梅琳雪婷倩颖慧佳欣怡琪晶洁璐瑶蕾薇悦梦丹莉月凤华"
GIVEN_ELDER = "桂兰秀英凤珍玉华淑芬德福贵荣发财金银山海明"  # the generation born before 1960

# The named demo people: fixed name, birthplace, birth date, sex. Their ID numbers are drawn
# from the same generator as everyone else's, first, so they are the same on every run.
NAMED = (
    ("王芳", "420102", dt.date(1988, 3, 14), "F"),  # citizen, L2 (real-name verified online)
    ("刘洋", "420106", dt.date(1979, 11, 2), "M"),  # citizen, L3 (verified at the hall)
    ("陈建国", "420115", dt.date(1972, 6, 18), "M"),  # legal representative of the demo enterprise
    ("赵敏", "420111", dt.date(1993, 9, 5), "F"),  # the enterprise's authorised agent (经办人)
    ("周小红", "420624", dt.date(1985, 4, 21), "F"),  # village helper (帮办员) in 南漳县
    ("黄桂英", "420624", dt.date(1943, 1, 30), "F"),  # elderly villager she helps
)

ENTERPRISE_PLACES = ("湖北", "武汉", "江城", "楚天", "荆楚", "汉江", "长江", "东湖", "光谷", "黄鹤")
ENTERPRISE_BRANDS = "鑫达恒通华信宏盛博远金源瑞丰天成永兴福润众诚新航中元嘉禾晨光润泽"
ENTERPRISE_TRADES = (
    "商贸", "科技", "建筑工程", "餐饮管理", "物流", "农业开发", "电子", "医药", "文化传媒", "装饰工程",
    "机械制造", "食品", "信息技术", "环保科技", "汽车服务", "新材料", "生物科技", "旅游开发",
)  # fmt: skip
ENTERPRISE_SUFFIXES = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
INSTITUTIONS = ("中心小学", "卫生院", "农业技术推广中心", "图书馆", "文化馆", "疾病预防控制中心")
SOCIAL_ORGS = ("个体劳动者协会", "养老服务协会", "慈善会", "志愿者协会", "商会", "老年人协会")

DEMO_ENTERPRISE = "武汉鑫达恒通商贸有限公司"  # the one 陈建国 represents


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    birthplace: str  # 6-digit county code


@dataclass(frozen=True)
class Unit:
    credit_code: str
    name: str
    kind: str  # LegalPersonKind value
    legal_rep: Person
    region: str  # 6-digit county code
    established: dt.date


def _surname(rng: random.Random) -> str:
    names, weights = zip(*SURNAMES, strict=True)
    return rng.choices(names, weights=weights)[0]


def person_name(rng: random.Random, *, sex: str, born: dt.date) -> str:
    """A plausible name: a surname by frequency, one or two given-name characters."""
    pool = GIVEN_ELDER if born.year < 1960 else (GIVEN_MALE if sex == "M" else GIVEN_FEMALE)
    given = rng.choice(pool)
    if rng.random() < 0.7:
        given += rng.choice(pool)
    return _surname(rng) + given


def population(
    counties: list[str], *, size: int = POPULATION, seed: str = "tongban-demo:people"
) -> list[Person]:
    """The named demo people, then synthetic people born 1935-2008 in the given Hubei counties
    (6-digit codes, in a stable order). Unique ID numbers."""
    rng = random.Random(seed)
    people: list[Person] = []
    seen: set[str] = set()
    for name, county, born, sex in NAMED:
        pid = make_resident_id(rng, region=county, born=born, sex=sex)
        seen.add(pid)
        people.append(Person(name, pid, county))
    while len(people) < size:
        county = rng.choice(counties)
        sex = rng.choice("MF")
        born = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(365 * 73))
        pid = make_resident_id(rng, region=county, born=born, sex=sex)
        if pid in seen:
            continue
        seen.add(pid)
        people.append(Person(person_name(rng, sex=sex, born=born), pid, county))
    return people


def _adult(person: Person, *, today: dt.date) -> bool:
    return 25 <= today.year - int(person.id_number[6:10]) <= 70


def legal_persons(
    people: list[Person],
    county_names: dict[str, str],
    *,
    size: int = LEGAL_PERSONS,
    seed: str = "tongban-demo:legal-persons",
) -> list[Unit]:
    """The demo enterprise (represented by 陈建国), then enterprises (most), institutions and
    social organisations, each represented by an adult of the population register.
    `county_names`: 6-digit county code -> display name (南漳县, 武汉市江汉区 ...)."""
    rng = random.Random(seed)
    today = dt.date(2026, 1, 1)  # fixed, so the register does not change with the calendar
    adults = [p for p in people[len(NAMED) :] if _adult(p, today=today)]
    rep = next(p for p in people if p.name == "陈建国")
    units = [
        Unit(
            make_credit_code(rng, region="420115", kind="91"),
            DEMO_ENTERPRISE,
            "enterprise",
            rep,
            "420115",
            dt.date(2020, 5, 18),
        )
    ]
    names = {DEMO_ENTERPRISE}
    codes = {units[0].credit_code}
    while len(units) < size:
        rep = rng.choice(adults)
        county = rep.birthplace if rng.random() < 0.7 else rng.choice(adults).birthplace
        draw = rng.random()
        if draw < 0.86:
            kind, code_kind = "enterprise", "91"
            name = (
                rng.choice(ENTERPRISE_PLACES)
                + rng.choice(ENTERPRISE_BRANDS)
                + rng.choice(ENTERPRISE_BRANDS)
                + rng.choice(ENTERPRISE_TRADES)
                + rng.choice(ENTERPRISE_SUFFIXES)
            )
        elif draw < 0.93:
            kind, code_kind = "institution", "12"
            name = f"{county_names[county]}{rng.choice(INSTITUTIONS)}"
        else:
            kind, code_kind = "social_org", "51"
            name = f"{county_names[county]}{rng.choice(SOCIAL_ORGS)}"
        code = make_credit_code(rng, region=county, kind=code_kind)
        established = dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(365 * 40))
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        units.append(Unit(code, name, kind, rep, county, established))
    return units
