"""Account reads: roles, acting options, grants valid now, login history, the acting claim, the
e-mail address waiting for confirmation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from oauth2_provider.models import get_access_token_model

from tongban.core.errors import NotFound

from . import codes
from .checks import mask_email
from .enums import AccountKind, ActingKind, LegalPersonKind, MandateRole
from .models import (
    CODE_TARGET,
    USER_ID_NUMBER,
    AgentConsent,
    Client,
    DeviceSession,
    LegalPerson,
    LegalPersonRecord,
    LoginAttempt,
    Mandate,
    PopulationRecord,
    User,
)


def staff_department_id(user) -> int | None:
    return getattr(user, "department_id", None)


def has_role(user, role: str) -> bool:
    return has_any_role(user, [role])


def has_any_role(user, roles) -> bool:
    """Whether the user holds at least one of the roles (one query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.groups.filter(name__in=list(roles)).exists()


def get_user(pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()


def _valid_now(qs, now=None):
    now = now or timezone.now()
    return qs.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def valid_mandate(user, mandate_id) -> Mandate | None:
    if not mandate_id:
        return None
    return _valid_now(Mandate.objects.filter(pk=mandate_id, user=user)).select_related("legal_person").first()


def valid_consent(user, consent_id) -> AgentConsent | None:
    if not consent_id:
        return None
    return (
        _valid_now(AgentConsent.objects.filter(pk=consent_id, agent=user)).select_related("principal").first()
    )


# --- May this person act for this applicant on this item now? -------------------------------
#
# The one place that decides it. Cases, files, notifications, licences and usage logs ask here on
# every use; nothing caches a grant. A legal representative's mandate covers every item; an
# agent's (经办人) and a helper's (帮办代办) cover their listed items until they expire or are
# revoked. Staff never act as an applicant.


@dataclass(frozen=True)
class Scope:
    """What a person's grants valid now let them do for one applicant: every item, or these."""

    all_items: bool = False
    item_codes: frozenset[str] = frozenset()

    def covers(self, item_code: str) -> bool:
        return self.all_items or item_code in self.item_codes

    def __or__(self, other: Scope) -> Scope:
        return Scope(self.all_items or other.all_items, self.item_codes | other.item_codes)


@dataclass(frozen=True)
class Grants:
    """A person's grants valid now: {legal_person_id: Scope} and {principal_id: Scope}."""

    legal_persons: dict
    principals: dict


def _scope(row) -> Scope:
    return Scope(bool(row["all_items"]), frozenset(row["item_codes"] or []))


def grants_now(user) -> Grants:
    """Every mandate and consent of `user` valid now, merged per applicant (two queries)."""
    if not is_person(user):
        return Grants({}, {})
    firms: dict[int, Scope] = {}
    for row in _valid_now(Mandate.objects.filter(user=user)).values(
        "legal_person_id", "all_items", "item_codes"
    ):
        firms[row["legal_person_id"]] = firms.get(row["legal_person_id"], Scope()) | _scope(row)
    people: dict[int, Scope] = {}
    for row in _valid_now(AgentConsent.objects.filter(agent=user)).values(
        "principal_id", "all_items", "item_codes"
    ):
        people[row["principal_id"]] = people.get(row["principal_id"], Scope()) | _scope(row)
    return Grants(firms, people)


def enterprise_scope(user, legal_person_id) -> Scope:
    """What `user` may do for the legal person now (an empty scope when nothing)."""
    if not legal_person_id or not is_person(user):
        return Scope()
    scope = Scope()
    rows = _valid_now(Mandate.objects.filter(user=user, legal_person_id=legal_person_id))
    for row in rows.values("all_items", "item_codes"):
        scope = scope | _scope(row)
    return scope


def may_act_for(user, *, applicant_id: int | None, legal_person_id: int | None, item_code: str) -> bool:
    """Whether `user` may see and act on an application of this applicant for this item now:
    for a legal person, a mandate valid now covering the item (whoever submitted it); for a
    person, being that person, or a helper consent valid now covering the item."""
    if not getattr(user, "is_authenticated", False) or not is_person(user):
        return False
    if legal_person_id:
        return enterprise_scope(user, legal_person_id).covers(item_code)
    if applicant_id is None:
        return False
    if user.pk == applicant_id:
        return True
    rows = _valid_now(AgentConsent.objects.filter(agent=user, principal_id=applicant_id))
    return any(_scope(r).covers(item_code) for r in rows.values("all_items", "item_codes"))


def licence_types_for(user, *, credit_code: str) -> frozenset[str] | None:
    """The licence types of a legal person that `user` may see and use now: None for every
    type (a legal representative, or an agent for all items), else the types the items of
    their mandates deal in (`catalog.queries.licence_types_of_items`; empty when they hold no
    mandate valid now)."""
    from tongban.catalog import queries as catalog_queries

    if not credit_code or not is_person(user):
        return frozenset()
    scope = Scope()
    rows = _valid_now(Mandate.objects.filter(user=user, legal_person__credit_code=credit_code))
    for row in rows.values("all_items", "item_codes"):
        scope = scope | _scope(row)
    if scope.all_items:
        return None
    return frozenset(catalog_queries.licence_types_of_items(scope.item_codes))


def parties_to_notify(
    *, applicant_id: int, legal_person_id: int | None, agent_ids, item_code: str
) -> set[int]:
    """Who hears about an application now: the person applicant, or a legal person's current
    legal representatives; and each agent or helper of the case whose grant is valid now and
    covers the item (a former agent hears nothing more)."""
    if legal_person_id:
        found = set(
            _valid_now(Mandate.objects.filter(legal_person_id=legal_person_id, role="legal_rep")).values_list(
                "user_id", flat=True
            )
        )
    else:
        found = {applicant_id}
    for user in User.objects.filter(pk__in={a for a in agent_ids if a} - found):
        if may_act_for(user, applicant_id=applicant_id, legal_person_id=legal_person_id, item_code=item_code):
            found.add(user.pk)
    return found


def my_mandates(user):
    """Enterprises the person acts for (valid now)."""
    return (
        _valid_now(Mandate.objects.filter(user=user))
        .select_related("legal_person")
        .order_by("legal_person__name")
    )


def mandates_granted(user):
    """Agents the person authorised as legal representative (all, newest first)."""
    reps = Mandate.objects.filter(user=user, role="legal_rep", revoked_at__isnull=True).values(
        "legal_person_id"
    )
    return (
        Mandate.objects.filter(legal_person_id__in=reps, role="agent")
        .select_related("legal_person", "user")
        .order_by("-granted_at")
    )


def my_principals(user):
    """People who consented to this person's help (valid now)."""
    return (
        _valid_now(AgentConsent.objects.filter(agent=user))
        .select_related("principal")
        .order_by("-created_at")
    )


def my_agents(user):
    """Helpers this person has consented to (all, newest first)."""
    return AgentConsent.objects.filter(principal=user).select_related("agent").order_by("-created_at")


def acting_options(user) -> list[dict]:
    """The identities this person may act as. Each has `label` (one string) and its parts for a
    page that marks the data (a person's or enterprise's name) apart from the platform's words:
    `prefix` + `name` + `note`."""
    me = user.display_name or user.username
    options = [
        {"kind": ActingKind.SELF.value, "id": None, "prefix": gettext("本人："), "name": me, "note": ""}
    ]
    for m in my_mandates(user):
        operator = m.legal_person.kind == LegalPersonKind.SOLE_TRADER and m.role == MandateRole.LEGAL_REP
        role = gettext("经营者") if operator else m.get_role_display()  # a 个体工商户 has no 法定代表人
        options.append(
            {
                "kind": ActingKind.ENTERPRISE.value,
                "id": m.pk,
                "prefix": "",
                "name": m.legal_person.name,
                "note": gettext("（%(role)s）") % {"role": role},
            }
        )
    for c in my_principals(user):
        options.append(
            {
                "kind": ActingKind.PRINCIPAL.value,
                "id": c.pk,
                "prefix": gettext("代办："),
                "name": c.principal.display_name,
                "note": gettext("（%(relation)s）") % {"relation": c.get_relation_display()},
            }
        )
    for option in options:
        option["label"] = option["prefix"] + option["name"] + option["note"]
    return options


def acting_claim(user) -> dict:
    """The acting context as published to relying parties (OIDC claim `acting`); an expired or
    revoked grant falls back to "self"."""
    acting = user.acting or {}
    if acting.get("kind") == "enterprise":
        m = valid_mandate(user, acting.get("mandate"))
        if m is not None:
            return {
                "kind": "enterprise",
                "credit_code": m.legal_person.credit_code,
                "name": m.legal_person.name,
                "role": m.role,
                "all_items": m.all_items,
                "items": m.item_codes,
            }
    if acting.get("kind") == "principal":
        c = valid_consent(user, acting.get("consent"))
        if c is not None:
            return {
                "kind": "principal",
                "sub": str(c.principal.sub),
                "name": c.principal.display_name,
                "all_items": c.all_items,
                "items": c.item_codes,
            }
    return {"kind": "self"}


def current_acting_label(user) -> str:
    claim = acting_claim(user)
    if claim["kind"] == "enterprise":
        return claim["name"]
    if claim["kind"] == "principal":
        return gettext("代办：") + claim["name"]
    return gettext("本人")


def pending_email(user) -> dict | None:
    """The e-mail address waiting for confirmation (masked) and until when its code works."""
    row = codes.open_code(purpose=codes.EMAIL_PURPOSE, user=user)
    if row is None:
        return None
    return {"email_masked": mask_email(CODE_TARGET.read(row)), "expires_at": row.expires_at}


def login_history(user, limit: int = 20):
    return LoginAttempt.objects.filter(user=user).order_by("-at")[:limit]


def device_sessions(user):
    return DeviceSession.objects.filter(user=user, ended_at__isnull=True).order_by("-created_at")


def is_person(user) -> bool:
    return getattr(user, "kind", None) == AccountKind.PERSON


# --- Reads for the account and workbench pages -----------------------------------------------


def legal_rep_mandate(user, legal_person_id) -> Mandate | None:
    """The person's valid legal-representative mandate for this legal person, if any."""
    return (
        my_mandates(user).filter(legal_person_id=legal_person_id, role="legal_rep").first()
        if legal_person_id
        else None
    )


def represented_by_code(user, credit_code: str) -> dict | None:
    """The legal person with this credit code that the person represents now (a valid legal
    representative's mandate): {"id", "name", "credit_code"}, or None."""
    if not credit_code:
        return None
    row = (
        my_mandates(user)
        .filter(role=MandateRole.LEGAL_REP, legal_person__credit_code=credit_code)
        .values_list("legal_person_id", "legal_person__name")
        .first()
    )
    return {"id": row[0], "name": row[1], "credit_code": credit_code} if row else None


def id_number_of(user) -> str:
    """A person's ID number in clear (for a service that must name the holder, such as the
    e-licence library's holder lookup); "" when they have none on record."""
    return USER_ID_NUMBER.read(user) if getattr(user, "id_number_enc", "") else ""


def get_person(pk) -> User | None:
    return User.objects.filter(pk=pk, kind=AccountKind.PERSON).first()


def staff_of_department(department_id: int | None):
    """Staff accounts of one department, with their roles prefetched."""
    return (
        User.objects.filter(kind=AccountKind.STAFF, department_id=department_id)
        .prefetch_related("groups")
        .order_by("username")
    )


def staff_role_counts(department_ids=None) -> dict[int, dict[str, int]]:
    """Per department, how many staff accounts hold each role (one query)."""
    qs = User.objects.filter(kind=AccountKind.STAFF, department_id__isnull=False, is_active=True)
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    out: dict[int, dict[str, int]] = {}
    for dept_id, role in qs.values_list("department_id", "groups__name"):
        if role:
            out.setdefault(dept_id, {})
            out[dept_id][role] = out[dept_id].get(role, 0) + 1
    return out


def get_staff(pk) -> User | None:
    return User.objects.filter(pk=pk, kind=AccountKind.STAFF).select_related("department").first()


def role_names(user) -> list[str]:
    return sorted(g.name for g in user.groups.all())


def legal_register_records(**filters):
    """Rows of the legal-person register (法人库) matching `filters` (credit_code=, name=)."""
    return LegalPersonRecord.objects.filter(**filters)


def operated_sole_traders(user) -> list[str]:
    """Credit codes of the 个体工商户 whose 经营者 (operator) the person is, as the register
    records it: their licences are the person's own (no mandate or switch of identity needed)."""
    index = getattr(user, "id_number_index", "") or ""
    if not index:
        return []
    rows = LegalPerson.objects.filter(kind=LegalPersonKind.SOLE_TRADER, legal_rep_id_index=index)
    return list(rows.order_by("pk").values_list("credit_code", flat=True))


def acts_for_enterprises(user, *, besides=()) -> bool:
    """Whether the person may switch to acting for an enterprise (a valid mandate), leaving out
    the credit codes `besides` (the 个体工商户 they operate: their licences are already theirs)."""
    mandates = _valid_now(Mandate.objects.filter(user=user))
    return mandates.exclude(legal_person__credit_code__in=list(besides)).exists()


def legal_person_summary(legal_person_id: int) -> dict:
    lp = (
        LegalPerson.objects.filter(pk=legal_person_id)
        .values("id", "name", "credit_code", "legal_rep_name", "kind")
        .first()
    )
    if lp is None:
        raise NotFound("没有找到该法人")
    return lp


# --- Reads for other apps' APIs and exports ---------------------------------------------------


def client_for_token(token: str) -> dict | None:
    """The department system behind a bearer access token, or None when the token is unknown,
    expired, or names a person: {"client_id", "department_id", "scopes"} (a client_credentials
    token has no user). Looked up by the toolkit's SHA-256 checksum of the token."""
    if not token or len(token) > 255:
        return None
    row = (
        get_access_token_model()
        .objects.filter(token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest())
        .values("expires", "scope", "user_id", "application__client_id", "application__department_id")
        .first()
    )
    if row is None or row["user_id"] is not None or row["application__client_id"] is None:
        return None
    if not row["expires"] or timezone.now() >= row["expires"]:
        return None
    return {
        "client_id": row["application__client_id"],
        "department_id": row["application__department_id"],
        "scopes": frozenset(row["scope"].split()),
    }


def masked_names(user_ids) -> dict[int, str]:
    """People's names masked (张*), by pk: for logs shown to someone else, such as a licence
    holder's usage log naming who looked."""
    from tongban.core.identifiers import mask_name

    rows = User.objects.filter(pk__in={u for u in user_ids if u}).values_list(
        "pk", "display_name", "username"
    )
    return {pk: mask_name(name) if name else username for pk, name, username in rows}


def masked_identity_codes(*, user_ids, legal_person_ids) -> tuple[dict[int, str], dict[int, str]]:
    """Masked ID numbers of people and masked credit codes of legal persons, by pk (for
    exports that must not carry personal data in clear)."""
    people = dict(User.objects.filter(pk__in=set(user_ids)).values_list("pk", "id_number_masked"))
    firms = {
        pk: (code[:4] + "*" * (len(code) - 8) + code[-4:]) if len(code) > 8 else "*" * len(code)
        for pk, code in LegalPerson.objects.filter(pk__in=set(legal_person_ids)).values_list(
            "pk", "credit_code"
        )
    }
    return people, firms


# --- Reads for the exchange's "my data use" page (数据使用记录) --------------------------------------


def represented_enterprises(user) -> list[dict]:
    """The legal persons whose data reads a person sees as their own: those they are the legal
    representative of under a valid mandate, and the 个体工商户 they operate as the register
    records them, each once: {"name", "credit_code"}, by name."""
    rows = {
        m.legal_person.credit_code: m.legal_person.name
        for m in my_mandates(user).filter(role=MandateRole.LEGAL_REP)
    }
    operated = operated_sole_traders(user)
    if operated:
        for code, name in LegalPerson.objects.filter(credit_code__in=operated).values_list(
            "credit_code", "name"
        ):
            rows.setdefault(code, name)
    return [
        {"name": name, "credit_code": code} for code, name in sorted(rows.items(), key=lambda r: (r[1], r[0]))
    ]


def client_names(client_ids) -> dict[str, str]:
    """Registered department systems' names by client id (one query; unknown ids left out)."""
    from oauth2_provider.models import get_application_model

    ids = {c for c in client_ids if c}
    if not ids:
        return {}
    return dict(get_application_model().objects.filter(client_id__in=ids).values_list("client_id", "name"))


# --- Staff administration: the bodies within an administrator's reach ------------------------------


def departments_in_reach(actor, text: str = ""):
    """The departments (implementing bodies) whose staff `actor` may create: every one for a
    superuser or a platform administrator without a department; the region's subtree of the
    department of a platform administrator who has one; their own department and the bodies
    under it (Department.parent) for a department administrator; none otherwise. `text` filters
    by name or credit code (searching ~880 bodies)."""
    from tongban.core import queries as core_queries

    from .enums import StaffRole

    qs = core_queries.departments()
    if actor.is_superuser or (has_role(actor, StaffRole.PLATFORM_ADMIN) and not actor.department_id):
        pass
    elif has_role(actor, StaffRole.PLATFORM_ADMIN):
        qs = qs.filter(region__code__startswith=actor.department.region.prefix)
    elif has_role(actor, StaffRole.DEPARTMENT_ADMIN) and actor.department_id:
        qs = qs.filter(Q(pk=actor.department_id) | Q(parent_id=actor.department_id))
    else:
        return qs.none()
    text = (text or "").strip()[:40]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(credit_code__iexact=text))
    return qs


# --- The base registers as the exchange gateway's data services read them --------------------


def population_by_index(index: str, fields=("name", "sex", "birth_date", "birthplace")) -> dict | None:
    """One row of 人口库 by the blind index of its ID number (`core.crypto.blind_index(id,
    purpose="id")`): the named columns, or None. One equality on the unique index."""
    rows = PopulationRecord.objects.filter(id_number_index=index).values(*fields)[:1]  # no ORDER BY
    return rows[0] if rows else None


def population_by_indexes(indexes, fields=("name",)) -> dict[str, dict]:
    """Rows of 人口库 for many blind indexes in one statement (`= ANY`): {index: {field: value}}."""
    indexes = list(dict.fromkeys(i for i in indexes if i))
    if not indexes:
        return {}
    rows = PopulationRecord.objects.filter(id_number_index__in=indexes).values("id_number_index", *fields)
    return {row.pop("id_number_index"): row for row in rows}


def legal_register_by_code(
    credit_code: str,
    fields=("name", "kind", "legal_rep_name", "region_code", "established"),
) -> dict | None:
    """One row of 法人库 by its (normalised) unified social credit code: the named columns, or None."""
    rows = LegalPersonRecord.objects.filter(credit_code=credit_code).values(*fields)[:1]
    return rows[0] if rows else None


_GRANT_TYPE_NAMES = {
    "authorization_code": Client.GRANT_AUTHORIZATION_CODE,
    "client_credentials": Client.GRANT_CLIENT_CREDENTIALS,
}


def system_client(client_id: str) -> dict | None:
    """A registered department system by client_id, for apps that name one (exchange grants):
    {"client_id", "name", "department_id", "grant_type"} ("client_credentials" or
    "authorization_code", as `clients.GRANT_TYPES` names them), or None when unknown."""
    if not client_id or len(client_id) > 100:
        return None
    row = (
        Client.objects.filter(client_id=client_id)
        .values("client_id", "name", "department_id", "authorization_grant_type")
        .first()
    )
    if row is None:
        return None
    raw = row.pop("authorization_grant_type")
    row["grant_type"] = {v: k for k, v in _GRANT_TYPE_NAMES.items()}.get(raw, raw)
    return row


def system_clients_of_department(
    department_id: int | None, *, grant_type: str = "client_credentials"
) -> list[dict]:
    """A department's registered systems of one grant type, by name: [{"client_id", "name"}]."""
    if not department_id:
        return []
    return list(
        Client.objects.filter(
            department_id=department_id,
            authorization_grant_type=_GRANT_TYPE_NAMES.get(grant_type, grant_type),
        )
        .order_by("name", "client_id")
        .values("client_id", "name")
    )
