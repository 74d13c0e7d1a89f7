"""E-licence identifiers (电子证照标识, GB/T 36904) and their check character.

An identifier is ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``:

- ``1.2.156.3005.2`` the fixed root (an OID arc for e-licences);
- ``type`` the licence type code (证照类型代码): the defining ministry's 18-character unified
  social credit code followed by a 3-digit sequence, 21 characters;
- ``issuer`` the issuing department's unified social credit code (颁发机构代码), 18 characters;
- ``serial`` the serial number (流水号) the platform gives each licence line: 8 digits here;
  every version of one licence keeps it;
- ``version`` the version (版本号), 3 digits here, ``001`` for a first issue and one more for
  each change or renewal;
- ``check`` one character from ISO 7064 MOD 37,36 over type + issuer + serial + version
  written together without the dots.

The lengths of serial and version are this platform's choice (the standard's public text
fixes only the structure); parsing accepts 1-32 alphanumeric serial characters and 1-6 version
digits, so identifiers issued elsewhere in the province still parse.

ISO 7064 MOD 37,36 is a hybrid system over the 36 characters ``0-9A-Z`` (values 0-35). Walk
the characters left to right keeping a running value P, starting at P = 36:

    S = (P + value(c)) mod 36, with 0 read as 36
    P = (2 * S) mod 37

The check character has the value (37 - P) mod 36 after the last character, so that running
the same walk over the characters *and* the check character ends with S = 1. It detects every
single-character substitution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tongban.core.errors import InvalidInput

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
M = 36

TYPE_CODE_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{3}$")
ISSUER_CODE_RE = re.compile(r"^[0-9A-Z]{18}$")
SERIAL_RE = re.compile(r"^[0-9A-Z]{1,32}$")
VERSION_RE = re.compile(r"^[0-9]{1,6}$")
SERIAL_DIGITS = 8
VERSION_DIGITS = 3


def mod37_36_check_char(text: str) -> str:
    """The ISO 7064 MOD 37,36 check character of `text` (characters 0-9, A-Z)."""
    p = M
    for c in text:
        value = _VALUE.get(c)
        if value is None:
            raise ValueError(f"character {c!r} is not in 0-9A-Z")
        s = (p + value) % M or M
        p = (2 * s) % (M + 1)
    return ALPHABET[(M + 1 - p) % M]


def mod37_36_is_valid(text_with_check: str) -> bool:
    """Whether the last character is the right check character for the ones before it."""
    if len(text_with_check) < 2:
        return False
    try:
        return mod37_36_check_char(text_with_check[:-1]) == text_with_check[-1]
    except ValueError:
        return False


@dataclass(frozen=True)
class LicenceId:
    """A parsed identifier. `str()` gives the canonical text."""

    type_code: str
    issuer_code: str
    serial: str
    version: str
    check: str

    def __str__(self) -> str:
        return ".".join((ROOT, self.type_code, self.issuer_code, self.serial, self.version, self.check))

    @property
    def version_number(self) -> int:
        return int(self.version)


def format_serial(n: int) -> str:
    return f"{n:0{SERIAL_DIGITS}d}"


def format_version(n: int) -> str:
    return f"{n:0{VERSION_DIGITS}d}"


def build_identifier(*, type_code: str, issuer_code: str, serial: str, version: int | str) -> str:
    """The identifier with its check character (inputs are trusted: codes already checked)."""
    version_text = format_version(version) if isinstance(version, int) else version
    body = f"{type_code}{issuer_code}{serial}{version_text}"
    return ".".join((ROOT, type_code, issuer_code, serial, version_text, mod37_36_check_char(body)))


def parse_identifier(value: str, *, field: str = "identifier") -> LicenceId:
    """Parse and validate an identifier; a bad one raises InvalidInput naming `field`.

    Surrounding spaces are ignored and letters may be typed in lower case."""
    text = (value or "").strip().upper()
    if not text:
        raise InvalidInput.field(field, "请填写电子证照标识")
    if not text.startswith(ROOT + "."):
        raise InvalidInput.field(field, f"电子证照标识应以 {ROOT}. 开头")
    parts = text[len(ROOT) + 1 :].split(".")
    if len(parts) != 5:
        raise InvalidInput.field(
            field, "电子证照标识应为：前缀.证照类型代码.颁发机构代码.流水号.版本号.校验位"
        )
    type_code, issuer_code, serial, version, check = parts
    if not TYPE_CODE_RE.match(type_code):
        raise InvalidInput.field(field, "证照类型代码应为21位：18位统一社会信用代码加3位数字")
    if not ISSUER_CODE_RE.match(issuer_code):
        raise InvalidInput.field(field, "颁发机构代码应为18位统一社会信用代码")
    if not SERIAL_RE.match(serial):
        raise InvalidInput.field(field, "流水号应为1-32位数字或大写字母")
    if not VERSION_RE.match(version):
        raise InvalidInput.field(field, "版本号应为1-6位数字")
    if len(check) != 1 or check not in _VALUE:
        raise InvalidInput.field(field, "校验位应为1位数字或大写字母")
    if mod37_36_check_char(type_code + issuer_code + serial + version) != check:
        raise InvalidInput.field(field, "校验位不符（ISO 7064 MOD 37,36），请核对标识是否抄录有误")
    return LicenceId(type_code, issuer_code, serial, version, check)


def check_identifier(value: str, *, field: str = "identifier") -> str:
    """The canonical identifier text, or InvalidInput naming `field`."""
    return str(parse_identifier(value, field=field))
