"""办件进度查询 without signing in: a case number plus its query code (查询码, printed on the
receipt and on the 受理通知书) or the last four digits of the contact phone given with the
application.

Every case gets a query code when it is created (`set_query_secrets`): 8 characters from an
alphabet without look-alikes (no 0/O, 1/I/L), kept SM4-encrypted (`CASE_QUERY_CODE`) so the
receipt can be printed again, and as a keyed digest (HMAC-SM3 of the case number and the code)
that the lookup compares; the contact phone's last four digits are kept only as such a digest.

`look_up` answers state and dates only (the item, the department, received / accepted / due /
concluded), nothing personal. A wrong code and a case that does not exist get the same
`NotFound` with the same message after the same work (both digests computed and compared).
Limits (`core.ratelimit`): per client address and per case number, refused hits audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.core import audit, ratelimit
from tongban.core.crypto import blind_index, constant_time_equal
from tongban.core.errors import FieldProblem, InvalidInput, NotFound
from tongban.core.identifiers import normalize_phone

from .enums import CaseState
from .models import CASE_QUERY_CODE, Case

QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8
NUMBER_RE = re.compile(r"^\d{21}$")
TAIL_RE = re.compile(r"^\d{4}$")
CODE_RE = re.compile(rf"^[{QUERY_ALPHABET}]{{{QUERY_CODE_LENGTH}}}$")

NOT_FOUND = "没有找到该办件，请核对办件编号和查询码（或联系电话后四位）"
DEFAULT_RATES = {"per_address": "30/1h", "per_case": "10/1h"}


def _rate(kind: str) -> ratelimit.Rate:
    """`CASE_PROGRESS_RATES` in the settings may override the defaults ({"per_address": "30/1h"})."""
    rates = {**DEFAULT_RATES, **getattr(settings, "CASE_PROGRESS_RATES", {})}
    return ratelimit.Rate.parse(rates[kind], name=f"case-progress-{kind}")


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def _digest(number: str, value: str, purpose: str) -> str:
    return blind_index(f"{number}:{value}", purpose=purpose)


def contact_phone(schema: dict, cleaned: dict) -> str:
    """The first phone given in the application form (a field of type "mobile"), normalised."""
    for section in schema.get("sections", []):
        for field in section["fields"]:
            if field["type"] == "mobile" and cleaned.get(field["name"]):
                return normalize_phone(str(cleaned[field["name"]]))
    return ""


def set_query_secrets(case: Case, *, phone: str) -> str:
    """Give a new (unsaved, numbered) case its query code and digests; returns the code."""
    code = new_query_code()
    CASE_QUERY_CODE.encrypt_into(case, code)
    case.query_digest = _digest(case.number, code, "case-query")
    digits = re.sub(r"\D", "", phone or "")
    case.phone_tail_digest = _digest(case.number, digits[-4:], "case-phone") if len(digits) >= 4 else ""
    return code


def query_code(case: Case) -> str:
    """The case's query code in clear, for its receipt (the caller has access to the case)."""
    return CASE_QUERY_CODE.read(case) if case.query_code_enc else ""


@dataclass(frozen=True)
class Progress:
    number: str
    item_name: str
    department: str
    state: str
    state_label: str
    received_on: object
    accepted_on: object
    promised_due: object
    concluded_on: object


def check_lookup(number: str, code: str) -> tuple[str, str]:
    """The inputs in shape: a 21-digit case number and an 8-character code or 4 digits."""
    number = re.sub(r"\s", "", number or "")
    code = re.sub(r"[\s-]", "", code or "").upper()
    problems = []
    if not NUMBER_RE.match(number):
        problems.append(FieldProblem("number", "请输入21位办件编号"))
    if not (CODE_RE.match(code) or TAIL_RE.match(code)):
        problems.append(FieldProblem("code", "请输入8位查询码，或联系电话的后四位"))
    if problems:
        raise InvalidInput("请检查填写的内容", problems=problems)
    return number, code


def _limit(kind: str, key: str) -> None:
    try:
        ratelimit.check(_rate(kind), key, message="查询过于频繁")
    except ratelimit.TooManyRequests:
        with transaction.atomic():  # refusals are audited (the address, never the code)
            audit.record(actor="anonymous", action="cases.progress.refused", data={"limit": kind, "key": key})
        raise


def look_up(*, number: str, code: str, ip: str) -> Progress:
    """The state and dates of a case, for whoever holds its number and query code (or phone
    digits). Rate-limited per address and per number; wrong or unknown: NotFound(NOT_FOUND)."""
    number, code = check_lookup(number, code)
    _limit("per_address", ip or "unknown")
    _limit("per_case", number)
    case = Case.objects.select_related("department").filter(number=number).first()
    # The same work whether the case exists or not: both digests, one comparison.
    by_tail = bool(TAIL_RE.match(code))
    wanted = _digest(number, code, "case-phone" if by_tail else "case-query")
    stored = ""
    if case is not None:
        stored = case.phone_tail_digest if by_tail else case.query_digest
    ok = constant_time_equal(wanted, stored or "0" * len(wanted))
    if case is None or not stored or not ok:
        raise NotFound(NOT_FOUND)
    concluded = case.concluded_at if case.state in (CaseState.CONCLUDED, CaseState.DELIVERED) else None
    return Progress(
        number=case.number,
        item_name=case.item_name,
        department=case.department.name,
        state=case.state,
        state_label=case.get_state_display(),
        received_on=case.received_on,
        accepted_on=case.accepted_on,
        promised_due=case.promised_due if case.state not in CaseState.final() else None,
        concluded_on=timezone.localdate(concluded) if concluded else None,
    )
