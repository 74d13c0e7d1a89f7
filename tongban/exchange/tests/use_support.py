"""Helpers of the `use` tests (my data use, statistics, case facts): a few regions and
departments, people registered and verified through the accounts services, an enterprise and
its legal representative, a signed-in client."""

from __future__ import annotations

import datetime as dt
import random

from django.test import Client

from tongban.accounts import services as account_services
from tongban.core import services as core_services
from tongban.core.identifiers import make_credit_code, make_resident_id
from tongban.core.models import Region

SYSTEM = "system:test"
PASSWORD = "Str0ng-pass-2026"

WANG_ID = make_resident_id(random.Random(11), region="420115", born=dt.date(1988, 4, 2), sex="F")
LI_ID = make_resident_id(random.Random(12), region="420103", born=dt.date(1979, 9, 30), sex="M")
COMPANY = make_credit_code(random.Random(13), region="420115", kind="91")
OTHER_COMPANY = make_credit_code(random.Random(14), region="420103", kind="91")

REGIONS = [
    ("420000000000", "420000", "湖北省", 1, None, "42"),
    ("420100000000", "420100", "武汉市", 2, "420000000000", "4201"),
    ("420103000000", "420103", "江汉区", 3, "420100000000", "420103"),
    ("420115000000", "420115", "江夏区", 3, "420100000000", "420115"),
]


def regions() -> None:
    for code, gb, name, level, parent, prefix in REGIONS:
        Region.objects.get_or_create(
            code=code,
            defaults={"gb_code": gb, "name": name, "level": level, "parent_id": parent, "prefix": prefix},
        )


def department(name: str, region: str = "420115"):
    regions()
    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"use-test:dept:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def person(n: int, name: str, id_number: str | None):
    user = account_services.do_register_person(
        actor=SYSTEM, mobile=f"1390000{n:04d}", password=PASSWORD, display_name=name
    )
    if id_number:
        account_services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=id_number)
        user = account_services.do_verify_real_name(actor=user, user=user, name=name, id_number=id_number)
    return user


def legal_rep_of(user, id_number: str, credit_code: str, name: str):
    """Make `user` (ID number `id_number`) the enterprise's legal representative."""
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=credit_code,
        name=name,
        kind="enterprise",
        legal_rep_name=user.display_name,
        legal_rep_id_number=id_number,
    )
    return account_services.do_claim_legal_person(actor=user, credit_code=credit_code)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def system_client(department, name: str):
    """A registered department system (client_credentials) of `department`: its client id."""
    from tongban.accounts import clients

    registered = clients.do_register_client(
        actor=SYSTEM,
        name=name,
        department_id=department.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    return registered.client.client_id
