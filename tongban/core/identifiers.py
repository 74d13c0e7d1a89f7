"""National identifiers: validation and synthetic generators.

- Resident ID number (公民身份号码, GB 11643-1999): 6-digit region + 8-digit birth date +
  3-digit sequence (odd = male) + check character from ISO 7064 MOD 11-2.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 1 registration authority +
  1 organisation kind + 6-digit region + 9-char organisation code + check character (MOD 31).

Generators produce valid synthetic numbers for demo and benchmark data; they are seeded
(`random.Random`) so the demo is deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would also match full-width digits

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$")
# Registration authority (登记管理部门) and the organisation kinds each may register.
USCC_AUTHORITIES = {
    "1": "机构编制",  # 11 机关, 12 事业单位, 13 中央编办直接管理机构编制的群众团体, 19 其他
    "5": "民政",  # 51 社会团体, 52 民办非企业单位, 53 基金会, 59 其他
    "9": "工商",  # 91 企业, 92 个体工商户, 93 农民专业合作社
    "Y": "其他",
}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of validating an identifier: `ok`, and the reason when not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def check_resident_id(value: str, *, today: dt.date | None = None) -> CheckResult:
    """Validate an 18-character resident ID number (shape, birth date, check character)."""
    value = (value or "").strip().upper()
    if not ID_RE.match(value):
        return CheckResult(False, "身份证号码应为18位：17位数字加1位数字或X")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return CheckResult(False, "身份证号码中的出生日期无效")
    if born < dt.date(1880, 1, 1) or born > (today or dt.date.today()):
        return CheckResult(False, "身份证号码中的出生日期超出合理范围")
    if value[:6] == "000000" or value[:2] not in _PROVINCE_PREFIXES:
        return CheckResult(False, "身份证号码中的行政区划代码无效")
    if resident_id_check_char(value[:17]) != value[17]:
        return CheckResult(False, "身份证号码校验位错误")
    return CheckResult(True)


_PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def resident_id_sex(value: str) -> str:
    """'M' or 'F' from the sequence digit (odd = male)."""
    return "M" if int(value[16]) % 2 else "F"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_credit_code(value: str) -> CheckResult:
    """Validate an 18-character unified social credit code (charset, region digits, check)."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        return CheckResult(False, "统一社会信用代码应为18位")
    if not USCC_RE.match(value):
        return CheckResult(False, "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）")
    if not value[2:8].isdigit():
        return CheckResult(False, "统一社会信用代码第3-8位应为行政区划代码")
    if uscc_check_char(value[:17]) != value[17]:
        return CheckResult(False, "统一社会信用代码校验位错误")
    return CheckResult(True)


def normalize(value: str) -> str:
    return (value or "").strip().upper()


# --- Generators -------------------------------------------------------------------------


def make_resident_id(
    rng: random.Random,
    *,
    region: str = "420102",
    born: dt.date | None = None,
    sex: str | None = None,
) -> str:
    """A valid synthetic resident ID number for `region` (6 digits)."""
    if born is None:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    seq = rng.randrange(0, 1000)
    if sex is not None and (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def make_credit_code(rng: random.Random, *, region: str = "420000", kind: str = "11") -> str:
    """A valid synthetic unified social credit code; `kind` is authority + organisation kind."""
    org = "".join(rng.choice(USCC_CHARSET) for _ in range(8))
    org += rng.choice("0123456789X")  # organisation code check position: digit or X
    first17 = f"{kind}{region}{org}"
    return first17 + uscc_check_char(first17)


ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    remainder = (
        11 - sum(ORG_CODE_CHARSET.index(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    )
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def new_credit_code(rng: random.Random, *, region: str, kind: str = "91") -> str:
    """A unified social credit code (GB 32100) as a registration authority assigns one: `kind`
    is the authority and organisation class ("91": 市场监管, 企业), then the 6-digit region, an
    organisation code (GB 11714, with its own check character) and the overall check
    character. The caller makes sure it is unused."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = f"{kind}{region[:6]}{body}{org_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


# --- Masking (脱敏) for pages and logs --------------------------------------------------

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def mask_resident_id(value: str) -> str:
    """`420102199001011234` -> `4201**********1234`: region prefix and last four only."""
    v = normalize(value)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_mobile(value: str) -> str:
    """`13812345678` -> `138****5678`."""
    v = (value or "").strip()
    if len(v) < 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_name(value: str) -> str:
    """`张三丰` -> `张**`: the family name only."""
    v = (value or "").strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match((value or "").strip()))


# --- Landlines (固定电话) -------------------------------------------------------------------
# A national number is the area code (长途区号: 010 and 020-029 for the largest cities, four
# digits 03xx-09xx elsewhere) and a local number of 7 or 8 digits that never starts with 0,
# written with or without a dash (or a space) between them: 027-87654321, 07101234567.

LANDLINE_RE = re.compile(r"^(010|02\d|0[3-9]\d{2})[- ]?([1-9]\d{6,7})$")


def landline_parts(value: str) -> tuple[str, str] | None:
    """(area code, local number) of a landline with its area code, else None. A digit string
    without a dash is read with the area code the national plan gives its first digits."""
    m = LANDLINE_RE.match((value or "").strip())
    return (m.group(1), m.group(2)) if m else None


def is_landline(value: str) -> bool:
    return landline_parts(value) is not None


def normalize_phone(value: str) -> str:
    """A mobile as its 11 digits, a landline as `区号-号码`; "" when it is neither."""
    v = (value or "").strip()
    if is_mobile(v):
        return v
    parts = landline_parts(v)
    return f"{parts[0]}-{parts[1]}" if parts else ""


def mask_phone(value: str) -> str:
    """A mobile as `138****5678`, a landline as `027-****4321` (area code and last four only)."""
    v = (value or "").strip()
    parts = landline_parts(v)
    if parts is None:
        return mask_mobile(v)
    area, local = parts
    return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
