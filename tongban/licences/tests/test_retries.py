"""Retried licence API writes (issue 10 §7): the `Idempotency-Key` header makes `POST /licences`
and `POST /licences/query` act once; the same key with another body is refused; a refused call
consumes no key and keeps its refusal in the usage log."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.core.models import IdempotentRequest

from ..models import Licence, LicenceUsage
from .conftest import BUSINESS_FACE, CODES, COMPANY, counts, issue_business
from .test_api import bearer, grant, post, query_body, system_token
from .test_concurrency import needs_postgres, race

pytestmark = pytest.mark.usefixtures("regions_loaded")

BODY = {
    "type_code": CODES["营业执照"],
    "holder_name": "武汉鑫达恒通商贸有限公司",
    "holder_code": COMPANY,
    "face": BUSINESS_FACE,
    "case_number": "420115-2026-9",
}


def test_a_retried_issue_with_the_same_key_issues_one_licence_and_answers_the_same(world):
    _, token = system_token(world["jiangxia"])
    key = {"HTTP_IDEMPOTENCY_KEY": "issue-2026-0001"}
    first = post(Client(), "", BODY, **bearer(token), **key)
    assert first.status_code == 201, first.content
    before = counts()
    for _ in range(2):  # the client's retries after a lost answer
        again = post(Client(), "", BODY, **bearer(token), **key)
        assert (again.status_code, again.json()) == (201, first.json())
    assert counts() == before
    assert Licence.objects.count() == 1
    # Without a key each call is a new licence, as before.
    assert post(Client(), "", BODY, **bearer(token)).status_code == 201
    assert Licence.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(world):
    _, token = system_token(world["jiangxia"])
    key = {"HTTP_IDEMPOTENCY_KEY": "issue-2026-0002"}
    assert post(Client(), "", BODY, **bearer(token), **key).status_code == 201
    before = counts()
    other = post(Client(), "", BODY | {"holder_name": "另一家公司"}, **bearer(token), **key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_mismatch"
    assert other.json()["errors"] == [{"field": "Idempotency-Key", "message": "同一幂等键的请求内容不同"}]
    assert counts() == before


def test_a_key_belongs_to_its_caller_and_a_refused_call_consumes_none(world):
    _, token = system_token(world["jiangxia"])
    _, forestry = system_token(world["forestry"])
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-0001"}
    refused = post(Client(), "", BODY, **bearer(forestry), **key)  # not the issuer of this type
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "issuer"
    assert not IdempotentRequest.objects.exists()
    assert post(Client(), "", BODY, **bearer(token), **key).status_code == 201
    bad = post(Client(), "", BODY, **bearer(token), HTTP_IDEMPOTENCY_KEY="k" * 81)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Licence.objects.count() == 1


def test_a_retried_query_logs_one_use_and_a_refusal_stays_logged(world):
    issue_business(world)
    client_id, token = system_token(world["jianghan"])
    key = {"HTTP_IDEMPOTENCY_KEY": "query-0001"}
    refused = post(Client(), "/query", query_body(), **bearer(token), **key)
    assert refused.status_code == 403
    grant(world)
    first = post(Client(), "/query", query_body(), **bearer(token), **key)
    assert first.status_code == 200
    again = post(Client(), "/query", query_body(), **bearer(token), **key)
    assert (again.status_code, again.json()) == (200, first.json())
    assert list(LicenceUsage.objects.order_by("pk").values_list("outcome", "client_id")) == [
        ("refused", client_id),
        ("supplied", client_id),
    ]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_racing_with_one_key_issue_one_licence(world, transactional_db):
    _, token = system_token(world["jiangxia"])
    key = {"HTTP_IDEMPOTENCY_KEY": "issue-race-1"}
    results = race(*[lambda: post(Client(), "", BODY, **bearer(token), **key)] * 3)
    assert [r.status_code for r in results] == [201, 201, 201], results
    assert len({r.json()["identifier"] for r in results}) == 1
    assert Licence.objects.count() == 1
