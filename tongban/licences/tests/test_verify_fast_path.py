"""The verify path's shortcuts keep every check: a remembered SM2 answer never hides a changed
row, a revoked key or a state change; a remembered bearer token is forgotten when revoked here
and trusted no longer than its few seconds otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tongban import apiauth

from .. import services, verification
from ..enums import VerifyReason
from ..models import Licence
from .conftest import issue_business
from .test_api import bearer, system_token

pytestmark = pytest.mark.usefixtures("regions_loaded")
R = VerifyReason


@pytest.fixture
def sm2_calls(monkeypatch):
    """Counts the SM2 verifications actually run (the memo emptied first)."""
    verification._seal_memo.clear()
    calls = []
    real = verification.verify_bytes

    def counting(key, message, signature):
        calls.append(message)
        return real(key, message, signature)

    monkeypatch.setattr(verification, "verify_bytes", counting)
    return calls


def codes(identifier: str) -> list[str]:
    return services.verify_licence(identifier).codes


def test_a_remembered_seal_answer_never_hides_a_changed_row(world, sm2_calls):
    licence = issue_business(world)
    assert codes(licence.identifier) == [] and len(sm2_calls) == 1
    assert codes(licence.identifier) == [] and len(sm2_calls) == 1  # remembered
    Licence.objects.filter(pk=licence.pk).update(holder_name="武汉鑫达恒通贸易有限公司")
    assert codes(licence.identifier) == [R.SIGNATURE_INVALID.value] and len(sm2_calls) == 2
    Licence.objects.filter(pk=licence.pk).update(signature=licence.signature[:-8] + "AAAAAAA=")
    Licence.objects.filter(pk=licence.pk).update(holder_name=licence.holder_name)
    assert codes(licence.identifier) == [R.SIGNATURE_INVALID.value]
    Licence.objects.filter(pk=licence.pk).update(signature=licence.signature)
    assert codes(licence.identifier) == []


def test_key_state_and_period_are_checked_on_every_request(world, sm2_calls):
    licence = issue_business(world)
    assert codes(licence.identifier) == []
    services.do_suspend_licence(actor=world["officer"], identifier=licence.identifier, reason="核查")
    assert codes(licence.identifier) == [R.SUSPENDED.value]
    services.do_revoke_seal_key(actor=world["head"], kid=licence.seal_key.kid, reason="密钥泄露")
    assert codes(licence.identifier) == [R.SEAL_KEY_REVOKED.value, R.SUSPENDED.value]
    assert len(sm2_calls) == 1  # the signature itself still holds: answered from memory
    later = licence.valid_from - dt.timedelta(days=1)
    assert R.NOT_YET_VALID in services.verify_licence(licence.identifier, on=later).reasons


def test_a_superseded_version_names_its_predecessor_without_another_query(world):
    first = issue_business(world)
    second = services.do_supersede_licence(
        actor=world["officer"],
        identifier=first.identifier,
        reason="change",
        holder_name="武汉鑫达恒通贸易有限公司",
    )
    with CaptureQueriesContext(connection) as ctx:
        result = services.verify_licence(second.identifier)
    assert result.valid and result.licence.previous.identifier == first.identifier
    assert len(ctx.captured_queries) == 1


def verifying_system(world) -> tuple[Client, str, str, Licence]:
    """A fresh start (no token remembered), a licence, its verify URL and a department
    system's bearer token: (client, url, token, licence)."""
    apiauth.forget_tokens()
    licence = issue_business(world)
    _, token = system_token(world["jianghan"])
    return Client(), f"/api/v1/licences/{licence.identifier}/verify", token, licence


def token_queries(ctx) -> int:
    return sum("oauth2_provider_accesstoken" in q["sql"] for q in ctx.captured_queries)


def test_a_bearer_token_is_remembered_briefly_and_forgotten_when_revoked(world, monkeypatch):
    client, url, token, _ = verifying_system(world)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url, **bearer(token)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url, **bearer(token)).status_code == 200
    assert token_queries(first) >= 1 and token_queries(second) == 0
    assert client.get(url, **bearer(token + "x")).status_code == 401  # unknown: never remembered

    # Expired behind the platform's back (an update fires no signal): honoured for the few
    # seconds a worker trusts what it checked, refused after them.
    tokens = get_access_token_model().objects
    tokens.filter(token=token).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(url, **bearer(token)).status_code == 200
    now = apiauth._clock()
    monkeypatch.setattr(apiauth, "_clock", lambda: now + apiauth.TOKEN_CACHE_SECONDS + 1)
    assert client.get(url, **bearer(token)).status_code == 401

    # Revoked (the toolkit deletes the token): forgotten at once in this process.
    _, other = system_token(world["jianghan"])
    assert client.get(url, **bearer(other)).status_code == 200
    tokens.get(token=other).delete()
    assert client.get(url, **bearer(other)).status_code == 401


def test_a_remembered_token_past_its_expiry_is_refused(world):
    client, url, token, _ = verifying_system(world)
    assert client.get(url, **bearer(token)).status_code == 200
    actor, fresh_until, _ = apiauth._tokens[next(iter(apiauth._tokens))]
    apiauth._tokens[next(iter(apiauth._tokens))] = (actor, fresh_until, timezone.now())
    get_access_token_model().objects.filter(token=token).update(expires=timezone.now())
    assert client.get(url, **bearer(token)).status_code == 401
