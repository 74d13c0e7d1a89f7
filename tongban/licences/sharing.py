"""Holders and the ways a licence leaves the library on paper or on a screen: which licences a
signed-in person holds (their own, or the enterprise they act for), the check code of the public
verification link printed on every face, and the short-lived presentation tokens (出示码).

**Verification link** `/licences/verify/<identifier>/<code>/`. Identifiers are structured and
guessable (type code, issuer credit code, a sequential serial, version and a check character),
so the link also carries a check code: the first 20 hex digits (80 bits) of the keyed HMAC-SM3
of the identifier (`core.crypto.blind_index`, purpose `licence-verify`). Only the platform can
make it; guessing one takes ~2^79 tries; a wrong code is the same 404 as an unknown licence, so
the page tells nothing to someone without a face in hand. The code is deterministic, so a
printed face keeps working; it depends on BLIND_INDEX_KEY, which cannot rotate without
re-indexing every holder code anyway.

**Presentation token** (出示码): `django.core.signing` with the salt `tongban.licences.present`
over {"i": identifier, "x": expiry (Unix seconds)}, valid `PRESENT_SECONDS` (two minutes); the
holder's page fetches a fresh one every `REFRESH_SECONDS`. Whoever scans it within its lifetime
sees the licence as verified at that moment (a photo of the code works for the same two minutes:
the expiry is the defence). Signed with SECRET_KEY (SECRET_KEY_FALLBACKS honoured), so rotating
the secret only cuts short the codes on screens at that moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.accounts import queries as account_queries
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index, constant_time_equal
from tongban.core.errors import DomainError, Forbidden, InvalidInput, NotFound

from . import queries
from .enums import HolderCodeType, LicenceState, UsageAction, UsageOutcome
from .holders import holder_index
from .models import Licence, LicenceUsage

VERIFY_CODE_PURPOSE = "licence-verify"
VERIFY_CODE_LENGTH = 20
PRESENT_SALT = "tongban.licences.present"
PRESENT_SECONDS = 120
REFRESH_SECONDS = 60
PRESENT_ACTOR = "system:licences:present"  # who the usage log names for a presentation viewed
USAGE_ROWS = 50
NOT_HELD = "没有找到该证照"

# --- Who holds what -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What a signed-in person may see as a holder: their own licences (by their account's ID
    number index, empty before real-name verification), those of the 个体工商户 they operate
    (经营者: the register names them; by its credit code), and, while they act for an
    enterprise under a valid mandate, the enterprise's (by its credit code)."""

    person_index: str | None
    operated_indexes: frozenset[str] = frozenset()
    enterprise_name: str = ""
    enterprise_code: str = ""
    enterprise_index: str | None = None
    # The enterprise's licence types the mandate reaches: None for every type (legal
    # representative, all-items agent), else those of the agent's items (经办人 scope).
    enterprise_types: frozenset[str] | None = frozenset()
    # Acting for themselves with an enterprise they could switch to: its licences show once
    # they act for it (never said to someone with no enterprise, or only their 个体工商户).
    could_switch: bool = False

    def indexes(self) -> set[str]:
        return {i for i in (self.person_index, self.enterprise_index, *self.operated_indexes) if i}

    def own_indexes(self) -> list[str]:
        """The person's own and their 个体工商户's: listed as theirs on "my licences"."""
        return sorted({i for i in (self.person_index, *self.operated_indexes) if i})

    def covers(self, licence: Licence) -> bool:
        """Whether this licence is the person's own (or their 个体工商户's), or the enterprise's
        of a type in scope."""
        index = licence.holder_code_index
        if index and (index == self.person_index or index in self.operated_indexes):
            return True
        if not index or index != self.enterprise_index:
            return False
        return self.enterprise_types is None or licence.type_code in self.enterprise_types

    def usage_filter(self) -> Q:
        """The usage-log rows of what the person holds, as `covers` decides."""
        rows = Q(pk__in=[])
        if self.own_indexes():
            rows |= Q(holder_code_index__in=self.own_indexes())
        if self.enterprise_index:
            firm = Q(holder_code_index=self.enterprise_index)
            if self.enterprise_types is not None:
                firm &= Q(type_code__in=sorted(self.enterprise_types))
            rows |= firm
        return rows


def holdings(user) -> Holdings:
    """What `user` holds; Forbidden for anyone but a natural person (staff use the workbench)."""
    if not account_queries.is_person(user):
        raise Forbidden("“我的证照”面向个人和企业用户")
    claim = account_queries.acting_claim(user)
    person = user.id_number_index or None
    operated_codes = account_queries.operated_sole_traders(user)
    operated = frozenset(holder_index(code, HolderCodeType.CREDIT_CODE) for code in operated_codes)
    if claim["kind"] != "enterprise":
        could_switch = account_queries.acts_for_enterprises(user, besides=operated_codes)
        return Holdings(person_index=person, operated_indexes=operated, could_switch=could_switch)
    code = claim["credit_code"]
    return Holdings(
        person_index=person,
        operated_indexes=operated,
        enterprise_name=claim["name"],
        enterprise_code=code,
        enterprise_index=holder_index(code, HolderCodeType.CREDIT_CODE),
        enterprise_types=account_queries.licence_types_for(user, credit_code=code),
    )


def held_licences(index, *, types: frozenset[str] | None = None) -> QuerySet[Licence]:
    """The licences listed on "my licences" for one holder index or a list of them (of `types`
    only, when given): every line's versions except the superseded ones (the licence page lists
    a line's history), newest first."""
    indexes = [index] if isinstance(index, str) else [i for i in index or () if i]
    if not indexes:
        return Licence.objects.none()
    licences = queries.licences_of_holder_indexes(indexes).exclude(state=LicenceState.SUPERSEDED)
    return licences if types is None else licences.filter(type_code__in=sorted(types))


def own_licences(held: Holdings) -> QuerySet[Licence]:
    """The person's own licences and their 个体工商户's."""
    return held_licences(held.own_indexes())


def enterprise_licences(held: Holdings) -> QuerySet[Licence]:
    """The enterprise's licences the person's mandate reaches now."""
    return held_licences(held.enterprise_index, types=held.enterprise_types)


def access_held_licence(user, identifier: str) -> Licence:
    """A licence of the signed-in person or of the enterprise they act for now (Forbidden for
    staff, as `holdings`); anything else
    (someone else's, an enterprise they do not act for at the moment, a malformed or unknown
    identifier) is the same NotFound."""
    held = holdings(user)
    try:
        licence = queries.get_licence(identifier)
    except (InvalidInput, NotFound) as exc:
        raise NotFound(NOT_HELD) from exc
    if not held.covers(licence):
        raise NotFound(NOT_HELD)
    return licence


# --- The verification link ----------------------------------------------------------------------


def verify_code(identifier: str) -> str:
    return blind_index(identifier, purpose=VERIFY_CODE_PURPOSE)[:VERIFY_CODE_LENGTH]


def check_verify_code(identifier: str, code: str) -> bool:
    code = (code or "").strip().lower()
    return len(code) == VERIFY_CODE_LENGTH and constant_time_equal(verify_code(identifier), code)


# --- Presentation tokens ------------------------------------------------------------------------


class TokenExpired(DomainError):
    status = 410
    code = "token_expired"


def make_present_token(identifier: str, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A signed token for the licence and when it stops working."""
    now = now or timezone.now()
    expires = now.replace(microsecond=0) + dt.timedelta(seconds=PRESENT_SECONDS)
    token = signing.dumps({"i": identifier, "x": int(expires.timestamp())}, salt=PRESENT_SALT)
    return token, expires


def read_present_token(token: str, *, now: dt.datetime | None = None) -> str:
    """The identifier a token carries; NotFound when it was not made here (or was altered),
    TokenExpired (410) once its time has passed."""
    try:
        data = signing.loads(token or "", salt=PRESENT_SALT)
        identifier, expires = str(data["i"]), int(data["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise NotFound("出示码无效：请让持证人重新出示") from exc
    if (now or timezone.now()).timestamp() >= expires:
        raise TokenExpired("出示码已过期（有效期两分钟）：请让持证人刷新后重新出示")
    return identifier


# --- The holder's usage log ---------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One row of the usage log as the holder reads it."""

    at: dt.datetime
    who: str
    action: str
    case_number: str
    purpose: str
    outcome: str
    reason: str
    identifier: str
    licence_name: str
    outcome_code: str = ""  # UsageOutcome value (`outcome` is its label)


def _who(row: LicenceUsage, departments: dict[int, str], people: dict[int, str]) -> str:
    if row.actor == PRESENT_ACTOR:
        return _("持证人当面出示（对方扫码查看）")
    if row.department_id is not None:
        name = departments.get(row.department_id) or _("部门 %(id)s") % {"id": row.department_id}
        if row.client_id:
            return _("%(department)s（业务系统 %(client)s）") % {"department": name, "client": row.client_id}
        return _("%(department)s（工作人员）") % {"department": name} if row.user_id else name
    if row.user_id is not None:  # a person, named (masked): who really looked
        name = people.get(row.user_id) or _("用户 %(id)s") % {"id": row.user_id}
        if row.action == UsageAction.VERIFY:
            return _("%(name)s（凭核验码查验）") % {"name": name}
        return _("%(name)s（本人或本单位经办人）") % {"name": name}
    return row.actor


def _uses(rows: list[LicenceUsage]) -> list[Use]:
    """Rows as the holder reads them: one query for the departments' names and one for the
    licence types' (none when the rows name none)."""
    ids = {r.department_id for r in rows if r.department_id is not None}
    departments = dict(core_queries.departments().filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    users = {r.user_id for r in rows if r.user_id is not None and r.department_id is None}
    people = account_queries.masked_names(users) if users else {}
    codes = {r.type_code for r in rows if r.type_code}
    types = dict(queries.licence_types(active_only=False).filter(code__in=codes).values_list("code", "name"))
    return [
        Use(
            at=r.at,
            who=_who(r, departments, people),
            action=str(UsageAction(r.action).label) if r.action in UsageAction.values else r.action,
            case_number=r.case_number,
            purpose=r.purpose,
            outcome=str(UsageOutcome(r.outcome).label) if r.outcome in UsageOutcome.values else r.outcome,
            reason=r.reason,
            identifier=r.identifier,
            licence_name=types.get(r.type_code, r.type_code),
            outcome_code=r.outcome,
        )
        for r in rows
    ]


def usage_of(lines: list[Licence], *, limit: int = USAGE_ROWS) -> list[Use]:
    """The usage log of a licence line (every version given), newest first: who used it, when,
    for which case and purpose, and the outcome (by the holder index and the licence ids,
    through the log's holder index)."""
    if not lines:
        return []
    rows = LicenceUsage.objects.filter(
        holder_code_index=lines[0].holder_code_index, licence_id__in=[v.pk for v in lines]
    ).order_by("-at", "-pk")
    return _uses(list(rows[:limit]))


def recent_usage(held: Holdings, *, limit: int = 10) -> list[Use]:
    """The latest uses of any licence the person holds (their own, and the enterprise's they act
    for now): "who used my licences", on "my licences"."""
    if not held.indexes():
        return []
    rows = LicenceUsage.objects.filter(held.usage_filter(), licence_id__isnull=False)
    return _uses(list(rows.order_by("-at", "-pk")[:limit]))


def usage_of_holders(indexes, *, limit: int) -> tuple[int, list[Use]]:
    """(how many, the newest `limit`) uses of any licence held under these holder indexes (a
    person's ID-number index, credit-code indexes): the licence part of "my data use" in the
    exchange app, merged there with the gateway's reads."""
    indexes = sorted({i for i in indexes if i})
    if not indexes:
        return 0, []
    rows = LicenceUsage.objects.filter(holder_code_index__in=indexes, licence_id__isnull=False)
    return rows.count(), _uses(list(rows.order_by("-at", "-pk")[:limit])) if limit > 0 else []
