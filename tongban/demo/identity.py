"""Seeding the demo's identity data (统一身份认证) through `accounts.services` only.

The population register (人口库) and legal-person register (法人库) from the deterministic
generators in `data/people.py`; the staff with their published TOTP secrets; and the citizen
accounts that show each way of signing in and acting: L1, L2, L3, an enterprise's legal
representative and the agent (经办人) they authorised, a village helper (帮办员) with the
recorded consent of an elderly villager. Runs inside `do_seed_demo`'s transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from tongban.accounts import clients as accounts_clients
from tongban.accounts import services as accounts_services
from tongban.catalog import queries as catalog_queries
from tongban.core.enums import RegionLevel

from . import queries
from .data import accounts, people
from .data.catalogue import spec_by_name
from .data.departments import credit_code_for


def identity_is_seeded() -> bool:
    """True when the demo's identity data exists (written in one transaction, the villager's
    walk-in registration among the last rows)."""
    villager = next(p for p in people.NAMED if p[0] == accounts.VILLAGER)
    return accounts_services.find_person_by_id_number(_named_people()[villager[0]].id_number) is not None


def _named_people() -> dict[str, people.Person]:
    # The named people come first from the generator and depend on nothing else.
    return {p.name: p for p in people.population(["420102"], size=len(people.NAMED))}


def seed_identity(*, actor: str, units: list, say: Callable[[str], None]) -> dict:
    """Registers, staff, citizens, mandate, consent. `units` are the demo's region units."""
    import time

    t0 = time.monotonic()
    counties = [u for u in units if u.level == RegionLevel.COUNTY]
    register = people.population([u.code6 for u in counties])
    for person in register:
        accounts_services.do_upsert_population_record(
            actor=actor, name=person.name, id_number=person.id_number, birthplace=person.birthplace
        )
    enterprises = people.legal_persons(register, {u.code6: u.display for u in counties})
    for unit in enterprises:
        accounts_services.do_upsert_legal_person_record(
            actor=actor,
            credit_code=unit.credit_code,
            name=unit.name,
            kind=unit.kind,
            legal_rep_name=unit.legal_rep.name,
            legal_rep_id_number=unit.legal_rep.id_number,
            region_code=unit.region,
            established=unit.established,
        )
    say(
        f"registers: {len(register)} people (人口库), {len(enterprises)} legal persons (法人库) "
        f"({time.monotonic() - t0:.1f} s)"
    )

    t0 = time.monotonic()
    staff = ensure_staff(actor=actor, units=units)
    citizens = ensure_citizens(actor=actor, clerk=staff["clerk"], enterprise=enterprises[0])
    say(f"accounts: {len(staff)} staff, {len(citizens)} citizens ({time.monotonic() - t0:.1f} s)")
    ensure_demo_client(actor=actor, say=say)
    return {"staff": staff, "citizens": citizens, "enterprise": enterprises[0]}


def ensure_demo_client(*, actor: str, say: Callable[[str], None]) -> bool:
    """演示部门业务系统 (tongban/demo/rp/): a trusted first-party department system (no consent
    page), confidential, with the client_id and secret of the settings DEMO_RP_CLIENT_ID and
    DEMO_RP_CLIENT_SECRET. Registered when missing; a registration from an older seed (another
    client_id, the old placeholder redirect URIs, another secret) is brought up to date in
    place. Returns whether anything was written (nothing when it is already as configured)."""
    wanted = {
        "redirect_uris": list(accounts.OIDC_CLIENT_REDIRECTS),
        "post_logout_redirect_uris": list(accounts.OIDC_CLIENT_POST_LOGOUT),
        "client_secret": settings.DEMO_RP_CLIENT_SECRET,
    }
    client_id = settings.DEMO_RP_CLIENT_ID
    existing = queries.demo_client_id()
    if existing:
        changed = accounts_clients.do_update_client(
            actor=actor, client_id=existing, new_client_id=client_id, **wanted
        )
        if changed:
            say(f"OIDC client {accounts.OIDC_CLIENT_NAME} updated: client_id {client_id}, {_client_note()}")
        return changed
    accounts_clients.do_register_client(
        actor=actor,
        name=accounts.OIDC_CLIENT_NAME,
        department_id=credit_code_for(accounts.OIDC_CLIENT_DEPARTMENT, queries.MARKER_REGION),
        allowed_scopes=("openid", "profile", "phone", "id_number", "acting"),
        trusted=True,
        description="演示用的部门业务系统：用户经统一身份认证登录后办理业务",
        contact="平台运营（演示）",
        client_id=client_id,
        **wanted,
    )
    say(f"OIDC client {accounts.OIDC_CLIENT_NAME}: client_id {client_id}, {_client_note()}")
    return True


def _client_note() -> str:
    return (
        "client_secret from the setting DEMO_RP_CLIENT_SECRET (stored hashed; the demo default is "
        f"in .env.example), redirect URIs {' '.join(accounts.OIDC_CLIENT_REDIRECTS)}"
    )


def ensure_staff(*, actor: str, units: list) -> dict:
    by_name = {d.name: d for u in units for d in u.depts.values()}
    staff = {}
    for acc in accounts.ACCOUNTS:
        dept = by_name[acc.department] if acc.department else None
        staff[acc.username] = upsert_staff(actor=actor, account=acc, department_id=dept.pk if dept else None)
    return staff


def upsert_staff(*, actor, account: accounts.DemoAccount, department_id: int | None):
    """One demo staff account with the demo password and its published TOTP secret."""
    return accounts_services.do_upsert_staff(
        actor=actor,
        username=account.username,
        password=accounts.DEMO_PASSWORD,
        display_name=account.display_name,
        roles=list(account.roles),
        department_id=department_id,
        superuser=account.superuser,
        totp_secret=account.totp_secret,
    )


def agent_item_codes() -> list[str]:
    """The implementation codes the demo agent may handle: the featured 江夏 营业执照 guide and
    the first 食品经营许可 implementation (by code)."""
    codes = [queries.featured_licence_code()]
    for name in accounts.AGENT_ITEMS[1:]:
        code = (
            catalog_queries.current_items()
            .filter(basic_code=spec_by_name()[name].code)
            .order_by("code")
            .values_list("code", flat=True)
            .first()
        )
        if code:
            codes.append(code)
    return codes


HELPER_ITEMS = 10


def helper_item_codes(clerk) -> list[str]:
    """The items the village helper may handle for the elder, recorded at the clerk's hall: a
    hall consent lists items of the hall's region (never all items), here its ten most
    popular."""
    prefix = clerk.department.region.prefix
    return list(
        catalog_queries.current_items()
        .filter(region__code__startswith=prefix)
        .order_by("-popularity", "code")
        .values_list("code", flat=True)[:HELPER_ITEMS]
    )


def ensure_citizens(*, actor: str, clerk, enterprise: people.Unit) -> dict:
    named = _named_people()
    users = {}
    for spec in accounts.PEOPLE:
        user = accounts_services.do_register_person(
            actor=None, mobile=spec.mobile, password=accounts.DEMO_PASSWORD, display_name=spec.display_name
        )
        if spec.level >= 2:
            person = named[spec.display_name]
            verify = accounts_services.do_verify_real_name if spec.level == 2 else None
            if verify is not None:
                user = verify(actor=user, user=user, name=person.name, id_number=person.id_number)
            else:
                user = accounts_services.do_verify_in_person(
                    actor=clerk, user=user, name=person.name, id_number=person.id_number
                )
        users[spec.key] = user

    rep, agent = users["legal_rep"], users["agent"]
    mandate = accounts_services.do_claim_legal_person(actor=rep, credit_code=enterprise.credit_code)
    in_a_year = timezone.now() + dt.timedelta(days=365)
    accounts_services.do_grant_mandate(
        actor=rep,
        legal_person_id=mandate.legal_person_id,
        agent_name=agent.display_name,
        agent_id_number=named[agent.display_name].id_number,
        all_items=False,
        item_codes=agent_item_codes(),
        expires_at=in_a_year,
    )

    villager = named[accounts.VILLAGER]
    elder = accounts_services.do_register_walk_in(
        actor=clerk, name=villager.name, id_number=villager.id_number
    )
    helper = users["helper"]
    accounts_services.do_record_consent(
        actor=clerk,
        principal=elder,
        agent_name=helper.display_name,
        agent_id_number=named[helper.display_name].id_number,
        relation="village_helper",
        all_items=False,
        item_codes=helper_item_codes(clerk),
        expires_at=in_a_year,
        consent_method="in_person",
        consent_note="本人持身份证到窗口当面确认，委托村帮办员代办",
    )
    users["villager"] = elder
    return users
