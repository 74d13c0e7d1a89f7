"""Licence identifiers (GB/T 36904) and ISO 7064 MOD 37,36: hand-computed vectors, the validator's
errors, and that every single-character alteration is detected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.core.errors import InvalidInput

from ..identifiers import (
    ALPHABET,
    ROOT,
    build_identifier,
    check_identifier,
    mod37_36_check_char,
    mod37_36_is_valid,
    parse_identifier,
)

# Worked by hand with P0 = 36; per character S = (P + v) mod 36 (0 -> 36), P = 2S mod 37;
# check value = (37 - P) mod 36; the alphabet 0-9 A-Z has values 0-35.
HAND_VECTORS = [
    # "0": S = 36 mod 36 = 0 -> 36, P = 72 mod 37 = 35; check = 2 -> "2"
    ("0", "2"),
    # "A" (10): S = 46 mod 36 = 10, P = 20; check = 17 -> "H"
    ("A", "H"),
    # "Z" (35): S = 71 mod 36 = 35, P = 70 mod 37 = 33; check = 4 -> "4"
    ("Z", "4"),
    # "A1": after "A" P = 20; "1": S = 21, P = 42 mod 37 = 5; check = 32 -> "W"
    ("A1", "W"),
    # "00": after "0" P = 35; "0": S = 35, P = 33; check = 4 -> "4"
    ("00", "4"),
    # "1Z": "1": S = 37 mod 36 = 1, P = 2; "Z": S = 37 mod 36 = 1, P = 2; check = 35 -> "Z"
    ("1Z", "Z"),
    # "9X" (9, 33): "9": S = 45 mod 36 = 9, P = 18; "X": S = 51 mod 36 = 15, P = 30; check = 7 -> "7"
    ("9X", "7"),
]


@pytest.mark.parametrize(("text", "check"), HAND_VECTORS)
def test_hand_computed_check_characters(text, check):
    assert mod37_36_check_char(text) == check
    assert mod37_36_is_valid(text + check)


def test_the_check_makes_the_walk_end_at_one():
    """ISO 7064's own definition: over the characters and the check character, S ends at 1."""

    def final_s(text: str) -> int:
        p = 36
        s = 0
        for c in text:
            s = (p + ALPHABET.index(c)) % 36 or 36
            p = (2 * s) % 37
        return s

    for text in ("0", "A", "Z", "A1", "00", "11100000MA0000000X001114201000000000000100000001001"):
        assert final_s(text + mod37_36_check_char(text)) == 1


TYPE = "11100000MA01234567001"  # an 18-character ministry code + 001
ISSUER = "11420115MB1234567X"


def test_build_and_parse_an_identifier():
    ident = build_identifier(type_code=TYPE, issuer_code=ISSUER, serial="00000001", version=1)
    body = TYPE + ISSUER + "00000001" + "001"
    assert ident == f"{ROOT}.{TYPE}.{ISSUER}.00000001.001.{mod37_36_check_char(body)}"
    parsed = parse_identifier(ident)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version, parsed.version_number) == (
        TYPE,
        ISSUER,
        "00000001",
        "001",
        1,
    )
    assert str(parsed) == ident
    assert check_identifier("  " + ident.lower() + " ") == ident  # typed in lower case, with spaces


def _error(value: str, field: str = "identifier") -> str:
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(value, field=field)
    [problem] = exc.value.problems
    assert problem.field == field
    return problem.message


def test_wrong_check_character_is_rejected_naming_the_field():
    ident = build_identifier(type_code=TYPE, issuer_code=ISSUER, serial="00000001", version=1)
    wrong = ALPHABET[(ALPHABET.index(ident[-1]) + 1) % 36]
    message = _error(ident[:-1] + wrong, field="licence_identifier")
    assert "校验位不符" in message and "MOD 37,36" in message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请填写电子证照标识"),
        ("1.2.156.3005.1.X", "应以 1.2.156.3005.2. 开头"),
        (f"{ROOT}.{TYPE}.{ISSUER}.00000001.001", "前缀.证照类型代码"),
        (f"{ROOT}.{TYPE[:-1]}.{ISSUER}.00000001.001.0", "证照类型代码应为21位"),
        (f"{ROOT}.{TYPE}.{ISSUER[:-1]}.00000001.001.0", "颁发机构代码应为18位"),
        (f"{ROOT}.{TYPE}.{ISSUER}.0000-001.001.0", "流水号"),
        (f"{ROOT}.{TYPE}.{ISSUER}.00000001.V1.0", "版本号"),
        (f"{ROOT}.{TYPE}.{ISSUER}.00000001.001.00", "校验位应为1位"),
        (f"{ROOT}.{TYPE}.{ISSUER}.00000001.001.*", "校验位应为1位"),
    ],
)
def test_malformed_identifiers_say_what_is_wrong(value, message):
    assert message in _error(value)


code18 = st.text(alphabet=ALPHABET, min_size=18, max_size=18)


@settings(max_examples=40, deadline=None)
@given(
    ministry=code18,
    seq=st.integers(min_value=0, max_value=999),
    issuer=code18,
    serial=st.integers(min_value=1, max_value=99_999_999),
    version=st.integers(min_value=1, max_value=999),
)
def test_every_single_character_alteration_is_detected(ministry, seq, issuer, serial, version):
    ident = build_identifier(
        type_code=f"{ministry}{seq:03d}", issuer_code=issuer, serial=f"{serial:08d}", version=version
    )
    assert check_identifier(ident) == ident
    replacements = ALPHABET + ".-/ ,"
    for pos, original in enumerate(ident):
        for c in replacements:
            if c == original:
                continue
            altered = ident[:pos] + c + ident[pos + 1 :]
            with pytest.raises(InvalidInput) as exc:
                parse_identifier(altered)
            assert exc.value.problems[0].field == "identifier"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=ALPHABET, min_size=1, max_size=60), data=st.data())
def test_mod37_36_detects_every_substitution(text, data):
    full = text + mod37_36_check_char(text)
    pos = data.draw(st.integers(min_value=0, max_value=len(full) - 1))
    c = data.draw(st.sampled_from([x for x in ALPHABET if x != full[pos]]))
    assert not mod37_36_is_valid(full[:pos] + c + full[pos + 1 :])
