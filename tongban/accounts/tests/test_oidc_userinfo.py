"""The fast paths of the OpenID Provider: the client-secret hasher and the lean userinfo view.

Both must change nothing a client or an auditor can see: the lean userinfo path is compared,
response for response and audit event for audit event, with the toolkit's own path.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tongban import settings as project_settings
from tongban.accounts import oidc, services
from tongban.accounts.hashers import ClientSecretHasher
from tongban.accounts.models import Client

from .oidc_support import basic_auth, make_citizen, make_client, make_system_client, refusals
from .services_support import enterprise_for, person

pytestmark = pytest.mark.django_db
AccessToken = get_access_token_model()
ALL = "openid profile phone id_number acting"


# --- the client-secret hasher


def test_hasher_is_salted_verifies_and_refuses():
    hasher = ClientSecretHasher()
    one = make_password("s" * 128, hasher=hasher.algorithm)
    two = make_password("s" * 128, hasher=hasher.algorithm)
    assert one.startswith("tongban_hmac_sm3$") and one != two  # salted
    assert identify_hasher(one).algorithm == "tongban_hmac_sm3"
    assert check_password("s" * 128, one) and check_password("s" * 128, two)
    assert not check_password("s" * 127 + "t", one)
    assert not check_password("", one)
    assert not hasher.verify("s" * 128, "tongban_hmac_sm3$nodigest")
    salt, digest = one.split("$")[1:]
    assert len(digest) == 64 and len(salt) >= 22
    assert hasher.safe_summary(one)["hash"].startswith(digest[:6])
    assert digest[6:] not in str(hasher.safe_summary(one))


def test_people_keep_the_strong_default_and_client_secrets_use_the_fast_hasher(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert get_hasher("default").algorithm == "pbkdf2_sha256"
    assert project_settings.PASSWORD_HASHERS[-1] == "tongban.accounts.hashers.ClientSecretHasher"
    assert project_settings.OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] == ClientSecretHasher.algorithm


def test_client_secrets_are_stored_with_the_fast_hasher_and_issue_tokens(client):
    system = make_system_client()
    stored = Client.objects.get(pk=system.client.pk).client_secret
    assert stored.startswith("tongban_hmac_sm3$") and system.secret not in stored
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(system.client.client_id, system.secret),
    )
    assert response.status_code == 200 and response.json()["scope"] == "api"
    wrong = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(system.client.client_id, system.secret[:-1] + "x"),
    )
    assert wrong.status_code == 401
    assert [e["reason"] for e in refusals()] == ["client_auth_failed"]


def test_a_secret_stored_earlier_with_pbkdf2_still_verifies(client, settings):
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    system = make_system_client()
    legacy = get_hasher("pbkdf2_sha256").encode(system.secret, "legacysalt", iterations=1000)
    Client.objects.filter(pk=system.client.pk).update(client_secret=legacy)
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(system.client.client_id, system.secret),
    )
    assert response.status_code == 200
    assert Client.objects.get(pk=system.client.pk).client_secret == legacy  # not silently rewritten


# --- userinfo: the lean path against the toolkit's path


def _token(user, registered, *, scope=ALL, minutes=5, raw="tok-" + "x" * 40):
    AccessToken.objects.create(
        user=user,
        application=registered.client if registered else None,
        token=raw,
        expires=timezone.now() + timedelta(minutes=minutes),
        scope=scope,
    )
    return raw


def _ask(client, method, raw, **extra):
    call = client.get if method == "GET" else client.post
    data = extra.pop("data", {})
    if raw is not None:
        extra["HTTP_AUTHORIZATION"] = "Bearer " + raw
    return call("/o/userinfo/", data, **extra)


def _seen(response, since: int) -> dict:
    return {
        "status": response.status_code,
        "content_type": response["Content-Type"],
        "www_authenticate": response.get("WWW-Authenticate"),
        "body": response.content,
        "refusals": refusals()[since:],
    }


def _both_paths(client, monkeypatch, method, raw, **extra):
    """The lean path's answer and the toolkit's answer to the same request."""
    calls = []
    real = oidc.lean_userinfo

    def spy(authorization):
        result = real(authorization)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(oidc, "lean_userinfo", spy)
    before = len(refusals())
    lean = _seen(_ask(client, method, raw, **dict(extra)), before)
    monkeypatch.setattr(oidc, "lean_userinfo", lambda authorization: None)
    before = len(refusals())
    toolkit = _seen(_ask(client, method, raw, **dict(extra)), before)
    return lean, toolkit, calls


def _scenario(name):
    """(raw token or None, extra request arguments, whether the lean path answers)."""
    citizen = make_citizen(display_name="王五", id_number=True)
    rp = make_client(allowed_scopes=ALL)
    if name == "all_scopes":
        return _token(citizen, rp), {}, True
    if name == "openid_only":
        return _token(citizen, rp, scope="openid"), {}, True
    if name == "unknown_scope_ignored":
        return _token(citizen, rp, scope="openid profile bogus"), {}, True
    if name == "id_number_grant_withdrawn":
        raw = _token(citizen, rp)
        Client.objects.filter(pk=rp.client.pk).update(allowed_scopes="openid profile")
        return raw, {}, True
    if name == "no_display_name":
        type(citizen).objects.filter(pk=citizen.pk).update(display_name="", mobile_masked="")
        return _token(citizen, rp), {}, True
    if name == "expired":
        return _token(citizen, rp, minutes=-1), {}, True
    if name == "expired_and_no_openid":
        return _token(citizen, rp, scope="profile", minutes=-1), {}, True
    if name == "no_openid_scope":
        return _token(citizen, rp, scope="profile phone"), {}, True
    if name == "forged":
        return "forged-token", {}, True
    if name == "forged_with_client_id":
        return "forged-token", {"data": {"client_id": "dept-123"}}, True
    if name == "client_credentials":
        return _token(None, make_system_client(), scope="api"), {}, True
    if name == "no_person_with_openid":
        return _token(None, make_system_client(), scope="openid"), {}, True
    if name == "no_header":
        return None, {}, False
    if name == "token_in_query":
        _token(citizen, rp)
        return None, {"data": {"access_token": "tok-" + "x" * 40}}, False
    if name == "basic_header":
        return None, {"HTTP_AUTHORIZATION": basic_auth("a", "b")}, False
    if name == "resource_restricted":
        raw = _token(citizen, rp)
        AccessToken.objects.update(resource=["https://api.example.cn/"])
        return raw, {}, False
    raise AssertionError(name)


SCENARIOS = [
    "all_scopes",
    "openid_only",
    "unknown_scope_ignored",
    "id_number_grant_withdrawn",
    "no_display_name",
    "expired",
    "expired_and_no_openid",
    "no_openid_scope",
    "forged",
    "forged_with_client_id",
    "client_credentials",
    "no_person_with_openid",
    "no_header",
    "token_in_query",
    "basic_header",
    "resource_restricted",
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_lean_userinfo_answers_exactly_as_the_toolkit(client, monkeypatch, name, method):
    raw, extra, lean_answers = _scenario(name)
    lean, toolkit, calls = _both_paths(client, monkeypatch, method, raw, **extra)
    assert lean == toolkit
    assert calls == ([lean_answers] if raw is not None else [False])
    if lean["status"] != 200:
        assert len(lean["refusals"]) == 1 and lean["refusals"][0]["endpoint"] == "userinfo"


def test_lean_userinfo_claims_and_refusal_reasons(client):
    user = make_citizen(display_name="王五", id_number=True)
    rp = make_client(allowed_scopes=ALL)
    body = _ask(client, "GET", _token(user, rp)).json()
    assert body == {
        "sub": str(user.sub),
        "acr": "urn:tongban:loa:2",
        "name": "王五",
        "phone_number": user.mobile_masked,
        "id_number_masked": user.id_number_masked,
        "acting": {"kind": "self"},
    }
    expired = _ask(client, "GET", _token(user, rp, minutes=-1, raw="old-token"))
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    system = _ask(client, "GET", _token(None, make_system_client(), scope="api", raw="sys-token"))
    assert system.status_code == 401
    assert [(e["reason"], e["client_id"]) for e in refusals()] == [
        ("token_expired", ""),
        ("insufficient_scope", ""),
    ]
    assert "old-token" not in str(refusals()) and "sys-token" not in str(refusals())


def test_lean_userinfo_gives_the_acting_enterprise(client):
    rep = person(3, level=2)
    mandate = enterprise_for(rep, 3)
    services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rp = make_client(allowed_scopes=ALL)
    body = _ask(client, "GET", _token(rep, rp, scope="openid acting")).json()
    assert body["acting"]["kind"] == "enterprise"
    assert body["acting"]["credit_code"] == mandate.legal_person.credit_code
    assert set(body) == {"sub", "acr", "acting"}


def test_lean_userinfo_is_one_query(client, django_assert_num_queries):
    user = make_citizen()
    raw = _token(user, make_client(allowed_scopes=ALL))
    client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + raw)  # warm up (sessions, caches)
    with django_assert_num_queries(1):
        response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + raw)
    assert response.status_code == 200


def test_the_id_token_and_userinfo_share_the_claims():
    user = make_citizen(display_name="赵六", id_number=True)
    rp = make_client(allowed_scopes=ALL)
    claims = oidc.person_claims(user, scopes=["openid", "phone", "id_number"], client=rp.client)
    assert claims == {
        "sub": str(user.sub),
        "acr": "urn:tongban:loa:2",
        "phone_number": user.mobile_masked,
        "id_number_masked": user.id_number_masked,
    }
    assert oidc.person_claims(user, scopes=["openid", "id_number"], client=None) == {
        "sub": str(user.sub),
        "acr": "urn:tongban:loa:2",
    }
