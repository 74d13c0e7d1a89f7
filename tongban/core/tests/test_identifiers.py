"""Resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

The check characters are recomputed here from the standards' definitions (ISO 7064 MOD 11-2
with weights 2^(n-1) mod 11; MOD 31 with weights 3^(n-1) mod 31), independently of the code
under test, so a wrong weight table in `identifiers.py` cannot hide behind its own output.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tongban.core import identifiers
from tongban.core.identifiers import (
    check_credit_code,
    check_resident_id,
    make_credit_code,
    make_resident_id,
    resident_id_sex,
)

TODAY = dt.date(2026, 6, 1)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
PROVINCES = ["11", "31", "42", "44", "65", "81"]


def ref_resident_check(first17: str) -> str:
    """ISO 7064 MOD 11-2: position i (1-based from the right, check = 1) weighs 2^(i-1) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def ref_credit_check(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_CHARS[(31 - total % 31) % 31]


def test_reference_weights_match_the_published_tables():
    assert [pow(2, 17 - i, 11) for i in range(17)] == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert [pow(3, i, 31) for i in range(17)] == [
        1,
        3,
        9,
        27,
        19,
        26,
        16,
        17,
        20,
        29,
        25,
        13,
        8,
        24,
        10,
        30,
        28,
    ]


# --- Published examples -----------------------------------------------------------------------


def test_published_gb11643_example_is_valid():
    assert ref_resident_check("11010519491231002") == "X"
    assert check_resident_id("11010519491231002X", today=TODAY) == identifiers.CheckResult(True, "")
    assert resident_id_sex("11010519491231002X") == "F"  # sequence 002 is even


def test_resident_id_is_normalised_before_checking():
    assert check_resident_id(" 11010519491231002x ", today=TODAY).ok


@pytest.mark.parametrize("code", ["91350100M000100Y43", "911100007109288314", "91110000802100433B"])
def test_known_credit_codes_verify(code):
    assert ref_credit_check(code[:17]) == code[17]  # the example really verifies by GB 32100
    assert check_credit_code(code) == identifiers.CheckResult(True, "")
    assert check_credit_code(code.lower()).ok


# --- Rejections name the reason -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "身份证号码应为18位：17位数字加1位数字或X"),
        ("11010519491231002", "身份证号码应为18位：17位数字加1位数字或X"),
        ("11010519491231002X0", "身份证号码应为18位：17位数字加1位数字或X"),
        ("1101051949123100XX", "身份证号码应为18位：17位数字加1位数字或X"),
        ("11010519491231002Y", "身份证号码应为18位：17位数字加1位数字或X"),
        ("1101051949123100２X", "身份证号码应为18位：17位数字加1位数字或X"),  # full-width digit
        ("110105194902310020", "身份证号码中的出生日期无效"),  # 31 February
        ("110105194913310020", "身份证号码中的出生日期无效"),  # month 13
        ("110105187912310020", "身份证号码中的出生日期超出合理范围"),  # before 1880
        ("110105202701010020", "身份证号码中的出生日期超出合理范围"),  # after "today"
        ("000000194912310020", "身份证号码中的行政区划代码无效"),
        ("990105194912310020", "身份证号码中的行政区划代码无效"),
        ("110105194912310021", "身份证号码校验位错误"),
        ("110105194912310029", "身份证号码校验位错误"),
    ],
)
def test_bad_resident_ids_are_rejected_with_the_reason(value, reason):
    if reason == "身份证号码校验位错误":
        assert ref_resident_check(value[:17]) != value[17]
    assert check_resident_id(value, today=TODAY) == identifiers.CheckResult(False, reason)


def test_resident_id_check_date_uses_today():
    born_2026 = "42010220260101001"
    value = born_2026 + ref_resident_check(born_2026)
    assert not check_resident_id(value, today=dt.date(2025, 12, 31)).ok
    assert check_resident_id(value, today=dt.date(2026, 1, 1)).ok


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "统一社会信用代码应为18位"),
        ("91350100M000100Y4", "统一社会信用代码应为18位"),
        ("91350100M000100Y433", "统一社会信用代码应为18位"),
        ("91350100M000100I43", "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）"),
        ("91350100M000100O43", "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）"),
        ("91350100M0001-0Y43", "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）"),
        ("9135010０M000100Y43", "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）"),  # full-width 0
        ("913501A0M000100Y43", "统一社会信用代码第3-8位应为行政区划代码"),
        ("91350100M000100Y44", "统一社会信用代码校验位错误"),
        ("911100007109288313", "统一社会信用代码校验位错误"),
    ],
)
def test_bad_credit_codes_are_rejected_with_the_reason(value, reason):
    assert check_credit_code(value) == identifiers.CheckResult(False, reason)


def test_check_result_is_falsy_when_not_ok():
    assert not check_credit_code("x")
    assert check_credit_code("91350100M000100Y43")


# --- Properties --------------------------------------------------------------------------------

resident_first17 = st.builds(
    lambda prov, rest, born, seq: f"{prov}{rest:04d}{born:%Y%m%d}{seq:03d}",
    st.sampled_from(PROVINCES),
    st.integers(0, 9999),
    st.dates(dt.date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)
credit_first17 = st.builds(
    lambda head, region, org: head + region + org,
    st.text(USCC_CHARS, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_CHARS, min_size=9, max_size=9),
)
# Any replacement character: ASCII, full-width and other scripts' digits, letters, spaces.
replacement = st.characters(codec="utf-8", exclude_categories=["Cs"])


@given(resident_first17)
def test_every_generated_resident_id_validates(first17):
    assert check_resident_id(first17 + ref_resident_check(first17), today=TODAY).ok


@given(resident_first17, st.integers(0, 17), replacement)
def test_any_single_character_change_of_a_resident_id_fails(first17, position, char):
    valid = first17 + ref_resident_check(first17)
    assume(char.upper() != valid[position])  # 'x' for 'X' is the same number
    changed = valid[:position] + char + valid[position + 1 :]
    assert not check_resident_id(changed, today=TODAY).ok


@given(credit_first17)
def test_every_generated_credit_code_validates(first17):
    assert check_credit_code(first17 + ref_credit_check(first17)).ok


@given(credit_first17, st.integers(0, 17), replacement)
def test_any_single_character_change_of_a_credit_code_fails(first17, position, char):
    valid = first17 + ref_credit_check(first17)
    assume(char.upper() != valid[position])
    changed = valid[:position] + char + valid[position + 1 :]
    assert not check_credit_code(changed).ok


@given(st.integers(0, 2**32), st.sampled_from(["M", "F", None]), st.dates(dt.date(1930, 1, 1), TODAY))
def test_make_resident_id_is_valid_and_honours_sex_and_birth(seed, sex, born):
    value = make_resident_id(random.Random(seed), region="420102", born=born, sex=sex)
    assert check_resident_id(value, today=TODAY).ok
    assert value[17] == ref_resident_check(value[:17])
    assert value[:6] == "420102"
    assert value[6:14] == f"{born:%Y%m%d}"
    if sex:
        assert resident_id_sex(value) == sex


@given(st.integers(0, 2**32), st.sampled_from(["11", "12", "51", "91", "92"]))
def test_make_credit_code_is_valid(seed, kind):
    value = make_credit_code(random.Random(seed), region="420100", kind=kind)
    assert check_credit_code(value).ok
    assert value[17] == ref_credit_check(value[:17])
    assert value[:8] == kind + "420100"


def test_generators_are_deterministic_for_a_seed():
    assert make_resident_id(random.Random(7)) == make_resident_id(random.Random(7))
    assert make_credit_code(random.Random(7)) == make_credit_code(random.Random(7))


# --- Masking (脱敏) -------------------------------------------------------------------------


def test_mask_resident_id():
    from tongban.core.identifiers import mask_resident_id

    assert mask_resident_id("420102199001011234") == "4201**********1234"
    assert mask_resident_id(" 42010219900101123x ") == "4201**********123X"
    assert mask_resident_id("12345678") == "********"
    assert mask_resident_id("") == ""
    assert mask_resident_id("123456789") == "1234*6789"


def test_mask_mobile():
    from tongban.core.identifiers import mask_mobile

    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile(" 13812345678 ") == "138****5678"
    assert mask_mobile("123456") == "******"
    assert mask_mobile("") == ""


def test_mask_name():
    from tongban.core.identifiers import mask_name

    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李"
    assert mask_name(" ") == ""


@given(st.integers(0, 2**32))
def test_masked_id_keeps_only_region_prefix_and_last_four(seed):
    from tongban.core.identifiers import mask_resident_id

    value = make_resident_id(random.Random(seed), region="420106")
    masked = mask_resident_id(value)
    assert len(masked) == 18 and masked[:4] == value[:4] and masked[-4:] == value[-4:]
    assert set(masked[4:14]) == {"*"}


def test_organisation_code_check_character_matches_published_codes():
    """GB 11714 check characters of two published codes (their credit codes printed on their
    business licences end in ...71526726XG and ...716105852F)."""
    from tongban.core.identifiers import org_code_check_char

    assert org_code_check_char("71526726") == "X"
    assert org_code_check_char("71610585") == "2"
    assert identifiers.uscc_check_char("9144030071526726X") == "G"
    assert identifiers.uscc_check_char("91330100716105852") == "F"


@given(st.integers(0, 2**32))
def test_a_new_credit_code_is_valid_for_its_region_with_both_check_characters(seed):
    from tongban.core.identifiers import new_credit_code, org_code_check_char

    code = new_credit_code(random.Random(seed), region="420115")
    assert identifiers.check_credit_code(code).ok
    assert code[:8] == "91420115"
    assert org_code_check_char(code[8:16]) == code[16]
