"""Reads: a holder's licences through the blind index, a licence by identifier, versions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.core.crypto import blind_index
from tongban.core.errors import InvalidInput, NotFound

from .. import queries, services
from ..enums import HolderCodeType
from ..identifiers import build_identifier, parse_identifier
from ..models import Licence
from .conftest import COMPANY, PERSON_ID, issue_at_jianghan, issue_business, issue_food, issue_marriage

pytestmark = pytest.mark.usefixtures("regions_loaded")


def test_licences_of_a_company_by_credit_code(world):
    business, food = issue_business(world), issue_food(world)
    issue_at_jianghan(world)
    services.do_revoke_licence(actor=world["officer"], identifier=food.identifier, reason="注销")
    assert {lic.pk for lic in queries.licences_of_holder(COMPANY)} == {business.pk, food.pk}
    assert [lic.pk for lic in queries.licences_of_holder(COMPANY.lower(), live_only=True)] == [business.pk]
    by_type = queries.licences_of_holder(COMPANY, code_type=HolderCodeType.CREDIT_CODE)
    assert [lic.pk for lic in by_type] == [lic.pk for lic in queries.licences_of_holder(COMPANY)]


def test_licences_of_a_person_by_id_number_and_by_their_accounts_index(world):
    marriage = issue_marriage(world)
    assert [lic.pk for lic in queries.licences_of_holder(PERSON_ID.lower())] == [marriage.pk]
    # The accounts app indexes ID numbers with the same purpose: no decryption needed.
    assert [lic.pk for lic in queries.licences_of_holder_index(blind_index(PERSON_ID, purpose="id"))] == [
        marriage.pk
    ]


def test_holder_lookup_is_one_query(world):
    issue_business(world)
    issue_food(world)
    with CaptureQueriesContext(connection) as ctx:
        rows = [(lic.identifier, lic.licence_type.name) for lic in queries.licences_of_holder(COMPANY)]
    assert len(rows) == 2 and len(ctx.captured_queries) == 1


@pytest.mark.parametrize(
    ("code", "kwargs", "field"),
    [
        ("12345", {}, "holder_code"),
        ("420115199005180000", {"code_type": "111"}, "holder_code"),
        (COMPANY, {"code_type": "999"}, "code_type"),
        ("bad", {"field": "q"}, "q"),
    ],
)
def test_bad_holder_codes_name_the_field(world, code, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        queries.licences_of_holder(code, **kwargs)
    assert exc.value.problems[0].field == field


def test_the_holder_index_is_indexed_in_the_database(world):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Licence._meta.db_table)
    leading = [c["columns"][0] for c in constraints.values() if c["index"] and c["columns"]]
    assert "holder_code_index" in leading
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = queries.licences_of_holder(COMPANY).query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "licence_holder" in plan


def test_get_licence_and_its_face(world):
    licence = issue_marriage(world)
    found = queries.get_licence(" " + licence.identifier.lower())
    assert found == licence and queries.licence_face(found)["spouse_name"] == "王芳"
    with pytest.raises(InvalidInput) as exc:
        queries.get_licence(licence.identifier[:-1], field="q")
    assert exc.value.problems[0].field == "q"
    parsed = parse_identifier(licence.identifier)
    unknown = build_identifier(
        type_code=parsed.type_code, issuer_code=parsed.issuer_code, serial="00000002", version=1
    )
    with pytest.raises(NotFound):
        queries.get_licence(unknown)
