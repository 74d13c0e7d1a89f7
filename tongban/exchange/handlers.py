"""The data services' handlers: what answers a gateway call once every check has passed.

A handler is registered under the name a service mount targets (`Mount.target` of kind
`service`: "population.person"), with the kind of subject it reads:

    @handler("population.person", subject=RESIDENT_ID)
    def population_person(query: ServiceQuery) -> dict | None: ...

It takes a `ServiceQuery` (the subject already checked and normalised, its blind index, the
field keys to return: the granted ∩ requested ones, the caller's `params`) and returns a dict of
field key → JSON value (a `many=True` handler: a list of such dicts, one per record), or None
for "no such subject". It may return more keys than asked: the gateway projects the answer to
`query.fields` anyway. A bad parameter is `BadParam(field, message)` (→ QUERY_MALFORMED naming
"params.<field>"). Handlers read other apps through their `queries` only.

The keys each handler returns are the `fields[].key` of the register's catalogue entry
(exchange/registers.py):

| handler | subject | keys |
| --- | --- | --- |
| population.person | ID number | name, sex (M/F), birth_date (ISO), birthplace (region code) |
| population.verify | ID number, params.name | match (bool) |
| legal_person.entity | credit code | name, kind, legal_rep_name, region_code, established (ISO or null), status |
| legal_person.verify_status | credit code | exists (bool), status ("存续" or "") |
| licence.holdings (many) | ID number or credit code, params.type_code optional | type_code, type_name, number, issuer_name, valid_from, valid_until (ISO or null: 长期), state |
| licence.verify_holds | ID number or credit code, params.type_code | holds (bool) |
| credit.record | credit code | name, level, evaluated_on, entries |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.apps import apps
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.licences import queries as licence_queries
from tongban.licences.enums import HolderCodeType, LicenceState

# Kinds of subject a handler reads.
RESIDENT_ID = "resident_id"  # 公民身份号码
CREDIT_CODE = "credit_code"  # 统一社会信用代码
ANY_SUBJECT = "any"  # either (a licence holder; a remote service)
NO_SUBJECT = "none"  # the query names no subject (a file or statistics service)


@dataclass(frozen=True)
class ServiceQuery:
    code: str  # the resource code called
    subject: str  # normalised identifier ("" for NO_SUBJECT)
    subject_kind: str  # RESIDENT_ID or CREDIT_CODE (what the subject turned out to be)
    subject_index: str  # its blind index (calllog.subject_index)
    fields: tuple[str, ...]  # keys to return: granted ∩ requested
    params: dict = field(default_factory=dict)
    purpose: str = ""
    case_number: str = ""
    caller: object = None  # gateway.Caller


class BadParam(Exception):
    """A handler's parameter is missing or wrong: QUERY_MALFORMED naming `params.<name>`."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Handler:
    name: str
    func: Callable[[ServiceQuery], dict | list | None]
    subject: str
    many: bool = False
    # Optional: answer many checked queries at once (one statement), in order; an item may be a
    # BadParam (that query alone is malformed). `call_batch` uses it.
    batch: Callable[[list[ServiceQuery]], list] | None = None


_registry: dict[str, Handler] = {}


def handler(name: str, *, subject: str, many: bool = False):
    """Register the decorated function as the handler `name`."""

    def register(func):
        _registry[name] = Handler(name=name, func=func, subject=subject, many=many)
        return func

    return register


def batch_for(name: str):
    """Register the decorated function as the batch entry point of the handler `name`."""

    def register(func):
        _registry[name] = replace(_registry[name], batch=func)
        return func

    return register


def get(name: str) -> Handler | None:
    return _registry.get(name)


def names() -> list[str]:
    """Every registered handler name (the choices of a service mount)."""
    return sorted(_registry)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _text_param(query: ServiceQuery, name: str, *, required: bool, max_length: int = 100) -> str:
    value = query.params.get(name, "")
    if not isinstance(value, str):
        raise BadParam(name, "应为文本")
    value = value.strip()
    if required and not value:
        raise BadParam(name, "必填")
    if len(value) > max_length:
        raise BadParam(name, f"不能超过{max_length}个字符")
    return value


# --- 人口库 -----------------------------------------------------------------------------------

_PERSON_COLUMNS = ("name", "sex", "birth_date", "birthplace")


@handler("population.person", subject=RESIDENT_ID)
def population_person(query: ServiceQuery) -> dict | None:
    columns = tuple(c for c in _PERSON_COLUMNS if c in query.fields) or ("name",)
    row = account_queries.population_by_index(query.subject_index, columns)
    if row is None:
        return None
    if "birth_date" in row:
        row["birth_date"] = _iso(row["birth_date"])
    return row


@handler("population.verify", subject=RESIDENT_ID)
def population_verify(query: ServiceQuery) -> dict:
    """核查比对: does the name match the register's for this ID number? Nothing else is told."""
    name = _text_param(query, "name", required=True, max_length=60)
    row = account_queries.population_by_index(query.subject_index, ("name",))
    return {"match": row is not None and row["name"] == name}


def _names_by_index(queries: list[ServiceQuery]) -> dict:
    return account_queries.population_by_indexes([q.subject_index for q in queries], ("name",))


@batch_for("population.verify")
def population_verify_batch(queries: list[ServiceQuery]) -> list:
    names = []
    for q in queries:
        try:
            names.append(_text_param(q, "name", required=True, max_length=60))
        except BadParam as exc:
            names.append(exc)
    rows = _names_by_index([q for q, n in zip(queries, names, strict=True) if isinstance(n, str)])
    return [
        n
        if isinstance(n, BadParam)
        else {"match": q.subject_index in rows and rows[q.subject_index]["name"] == n}
        for q, n in zip(queries, names, strict=True)
    ]


@batch_for("population.person")
def population_person_batch(queries: list[ServiceQuery]) -> list:
    columns = tuple(dict.fromkeys(c for q in queries for c in _PERSON_COLUMNS if c in q.fields)) or ("name",)
    rows = account_queries.population_by_indexes([q.subject_index for q in queries], columns)
    out = []
    for q in queries:
        row = rows.get(q.subject_index)
        if row is not None:
            row = dict(row)
            if row.get("birth_date") is not None:
                row["birth_date"] = _iso(row["birth_date"])
        out.append(row)
    return out


# --- 法人库 -----------------------------------------------------------------------------------

ACTIVE_STATUS = "存续"  # the register keeps live legal persons only (no deregistration yet)


@handler("legal_person.entity", subject=CREDIT_CODE)
def legal_person_entity(query: ServiceQuery) -> dict | None:
    row = account_queries.legal_register_by_code(query.subject)
    if row is None:
        return None
    row["established"] = _iso(row["established"])
    row["status"] = ACTIVE_STATUS
    return row


@handler("legal_person.verify_status", subject=CREDIT_CODE)
def legal_person_verify_status(query: ServiceQuery) -> dict:
    row = account_queries.legal_register_by_code(query.subject, ("name",))
    return {"exists": row is not None, "status": ACTIVE_STATUS if row is not None else ""}


# --- 电子证照库 -------------------------------------------------------------------------------


def _valid_licences(query: ServiceQuery, type_code: str):
    code_type = (
        HolderCodeType.RESIDENT_ID if query.subject_kind == RESIDENT_ID else HolderCodeType.CREDIT_CODE
    )
    today = timezone.localdate()
    rows = [
        licence
        for licence in licence_queries.licences_of_holder(query.subject, code_type=code_type, live_only=True)
        if licence.state == LicenceState.VALID
        and licence.valid_from <= today
        and (licence.valid_until is None or licence.valid_until >= today)
    ]
    if type_code:
        rows = [licence for licence in rows if licence.type_code == type_code]
    return rows


@handler("licence.holdings", subject=ANY_SUBJECT, many=True)
def licence_holdings(query: ServiceQuery) -> list[dict]:
    """The valid licences the subject holds today (of `params.type_code` when given)."""
    type_code = _text_param(query, "type_code", required=False, max_length=21).upper()
    return [
        {
            "type_code": licence.type_code,
            "type_name": licence.licence_type.name,
            "number": licence.number,
            "issuer_name": licence.issuer_name,
            "valid_from": _iso(licence.valid_from),
            "valid_until": _iso(licence.valid_until),
            "state": licence.state,
        }
        for licence in _valid_licences(query, type_code)
    ]


@handler("licence.verify_holds", subject=ANY_SUBJECT)
def licence_verify_holds(query: ServiceQuery) -> dict:
    """核查比对: does the subject hold a valid licence of `params.type_code` today?"""
    type_code = _text_param(query, "type_code", required=True, max_length=21).upper()
    return {"holds": bool(_valid_licences(query, type_code))}


# --- 社会信用库 -------------------------------------------------------------------------------


@handler("credit.record", subject=CREDIT_CODE)
def credit_record(query: ServiceQuery) -> dict | None:
    """The credit file of a legal person (exchange.CreditRecord; no file: None)."""
    try:
        model = apps.get_model("exchange", "CreditRecord")
    except LookupError:  # the register's model is not installed yet
        return None
    row = (
        model.objects.filter(credit_code=query.subject)
        .values("name", "level", "evaluated_on", "entries")
        .first()
    )
    if row is None:
        return None
    row["evaluated_on"] = _iso(row["evaluated_on"])
    return row
