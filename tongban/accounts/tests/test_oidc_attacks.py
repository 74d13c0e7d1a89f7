"""Attacks on the OpenID Provider: each is refused with a clear error, creates no token rows,
and leaves an `accounts.oidc.refused` event (reason, client id, never a token) in the audit chain."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from tongban.accounts import oidc, oidc_server
from tongban.accounts.models import LoginAttempt
from tongban.core.audit import verify_chain

from .oidc_support import (
    basic_auth,
    make_citizen,
    make_client,
    make_system_client,
    pkce,
    query_of,
    refusals,
    token_rows,
)

pytestmark = pytest.mark.django_db
REDIRECT = "https://dept.example.cn/callback"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def citizen():
    return make_citizen()


@pytest.fixture
def rp():
    return make_client()


def authorize(c, registered, *, challenge=None, method="S256", redirect_uri=REDIRECT, scope="openid profile"):
    params = {
        "response_type": "code",
        "client_id": registered.client.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "st",
        "nonce": "nn",
    }
    if challenge is not None:
        params["code_challenge"] = challenge
        if method:
            params["code_challenge_method"] = method
    return c.get("/o/authorize/", params)


def get_code(c, registered, user, challenge) -> str:
    c.force_login(user)
    response = authorize(c, registered, challenge=challenge)
    assert response.status_code == 302, response.content
    return query_of(response["Location"])["code"]


def exchange(c, registered, code, verifier, *, redirect_uri=REDIRECT, secret=None):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return c.post(
        "/o/token/",
        data,
        HTTP_AUTHORIZATION=basic_auth(registered.client.client_id, secret or registered.secret),
    )


def tokens_for(c, registered, user) -> dict:
    verifier, challenge = pkce()
    response = exchange(c, registered, get_code(c, registered, user, challenge), verifier)
    assert response.status_code == 200
    return response.json()


def assert_refused(reason: str, client_id: str, *, endpoint: str) -> None:
    events = refusals()
    assert len(events) == 1, events
    assert events[0]["reason"] == reason
    assert events[0]["client_id"] == client_id
    assert events[0]["endpoint"] == endpoint
    assert verify_chain().ok


# --- the authorization endpoint


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example.com/callback",
        "https://dept.example.cn/callback/../evil",
        "https://dept.example.cn/callback?x=1",
        "https://dept.example.cn:8443/callback",
        "http://dept.example.cn/callback",
    ],
)
def test_wrong_redirect_uri_is_refused_without_redirecting(client, citizen, rp, redirect_uri):
    client.force_login(citizen)
    _, challenge = pkce()
    response = authorize(client, rp, challenge=challenge, redirect_uri=redirect_uri)
    assert response.status_code == 400  # an error page, never a redirect to the attacker
    assert "授权请求无效" in response.content.decode()
    assert token_rows()["grants"] == 0
    assert_refused("redirect_uri_mismatch", rp.client.client_id, endpoint="authorize")


def test_loopback_redirect_uri_must_match_its_port_too(client, citizen):
    rp = make_client(redirect_uri="http://127.0.0.1:8765/cb")
    client.force_login(citizen)
    _, challenge = pkce()
    response = authorize(client, rp, challenge=challenge, redirect_uri="http://127.0.0.1:9999/cb")
    assert response.status_code == 400
    assert_refused("redirect_uri_mismatch", rp.client.client_id, endpoint="authorize")


def test_unknown_client_is_refused(client, citizen):
    client.force_login(citizen)
    response = client.get(
        "/o/authorize/",
        {"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT, "scope": "openid"},
    )
    assert response.status_code == 400
    assert_refused("unknown_client", "nobody", endpoint="authorize")


def test_missing_pkce_is_refused(client, citizen, rp):
    client.force_login(citizen)
    response = authorize(client, rp)
    assert response.status_code == 302
    q = query_of(response["Location"])
    assert q["error"] == "invalid_request" and "challenge" in q["error_description"].lower()
    assert token_rows()["grants"] == 0
    assert_refused("pkce_missing", rp.client.client_id, endpoint="authorize")


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_pkce_is_refused(client, citizen, rp, method):
    client.force_login(citizen)
    verifier, _ = pkce()
    response = authorize(client, rp, challenge=verifier, method=method)
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    assert token_rows()["grants"] == 0
    assert_refused("pkce_method_not_s256", rp.client.client_id, endpoint="authorize")


def test_scope_outside_the_clients_registration_is_refused(client, citizen, rp):
    client.force_login(citizen)
    _, challenge = pkce()
    response = authorize(client, rp, challenge=challenge, scope="openid profile id_number")
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_scope"
    assert token_rows()["grants"] == 0
    events = refusals()
    assert [(e["reason"], e["scopes"]) for e in events] == [("scope_not_allowed", ["id_number"])]


# --- the token endpoint


def test_pkce_verifier_mismatch_is_refused(client, citizen, rp):
    _, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    other_verifier, _ = pkce()
    response = exchange(client, rp, code, other_verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert token_rows() == {"grants": 1, "access": 0, "refresh": 0, "id": 0}
    assert_refused("pkce_mismatch", rp.client.client_id, endpoint="token")


def test_missing_code_verifier_is_refused(client, citizen, rp):
    _, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    response = exchange(client, rp, code, None)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert token_rows()["access"] == 0
    assert_refused("pkce_missing", rp.client.client_id, endpoint="token")


def test_replayed_code_is_refused_and_revokes_what_it_issued(client, citizen, rp):
    """RFC 6749 §4.1.2: a code used twice is refused and every token issued from it is revoked:
    the access token, the ID token and the refresh token, and what the refresh token became."""
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    first = exchange(client, rp, code, verifier)
    assert first.status_code == 200
    tokens = first.json()
    refreshed = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(rp.client.client_id, rp.secret),
    ).json()
    other = tokens_for(client, rp, citizen)  # another sign-in of the same person: untouched
    assert token_rows()["access"] == 2
    response = exchange(client, rp, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()
    assert_refused("code_replayed", rp.client.client_id, endpoint="token")
    assert refusals()[0]["revoked_tokens"] == 1
    for access in (tokens["access_token"], refreshed["access_token"]):
        assert client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + access).status_code == 401
    for refresh in (tokens["refresh_token"], refreshed["refresh_token"]):
        again = client.post(
            "/o/token/",
            {"grant_type": "refresh_token", "refresh_token": refresh},
            HTTP_AUTHORIZATION=basic_auth(rp.client.client_id, rp.secret),
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert token_rows()["access"] == 1 and token_rows()["id"] == 1
    assert get_refresh_token_model().objects.filter(revoked__isnull=True).count() == 1
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + other["access_token"]).status_code == 200


def test_two_exchanges_of_one_code_at_once_leave_no_live_token(client, citizen, rp):
    """The race: a second exchange passed the code check before the first deleted the code. The
    first exchange's tokens are planted as it would have recorded them; the second is refused
    and revokes both."""
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    racing = tokens_for(client, rp, citizen)  # what the other, simultaneous exchange issued
    access = get_access_token_model().objects.get()
    family = get_refresh_token_model().objects.get().token_family
    oidc_server.remember_exchange(
        client_pk=rp.client.pk,
        code=code,
        access_token_pk=access.pk,
        id_token_pk=access.id_token_id,
        token_family=family,
        lifetime=60,
    )
    response = exchange(client, rp, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert_refused("code_replayed", rp.client.client_id, endpoint="token")
    assert refusals()[0]["revoked_tokens"] == 2
    assert token_rows() == {"grants": 0, "access": 0, "refresh": 2, "id": 0}
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()
    assert (
        client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + racing["access_token"]).status_code == 401
    )


def test_a_code_replayed_by_another_client_revokes_nothing(client, citizen, rp):
    thief = make_client(name="冒用系统", redirect_uri=REDIRECT)
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    tokens = exchange(client, rp, code, verifier).json()
    before = token_rows()
    response = exchange(client, thief, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert token_rows() == before
    assert_refused("code_invalid_or_replayed", thief.client.client_id, endpoint="token")
    assert (
        client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"]).status_code == 200
    )


def test_expired_code_is_refused(client, citizen, rp):
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = exchange(client, rp, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert token_rows()["access"] == 0
    assert_refused("code_expired", rp.client.client_id, endpoint="token")


def test_redirect_uri_differing_at_the_token_endpoint_is_refused(client, citizen):
    rp = make_client(redirect_uris=[REDIRECT, "https://dept.example.cn/other"])
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    response = exchange(client, rp, code, verifier, redirect_uri="https://dept.example.cn/other")
    assert response.status_code == 400
    assert token_rows()["access"] == 0
    assert_refused("redirect_uri_mismatch", rp.client.client_id, endpoint="token")


def test_bad_client_secret_is_refused(client, citizen, rp):
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    response = exchange(client, rp, code, verifier, secret="not-the-secret")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert token_rows()["access"] == 0
    assert_refused("client_auth_failed", rp.client.client_id, endpoint="token")
    assert "not-the-secret" not in json.dumps(refusals())


def test_code_stolen_by_another_client_is_refused(client, citizen, rp):
    thief = make_client(name="冒用系统", redirect_uri=REDIRECT)
    verifier, challenge = pkce()
    code = get_code(client, rp, citizen, challenge)
    response = exchange(client, thief, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert token_rows()["access"] == 0
    assert_refused("code_invalid_or_replayed", thief.client.client_id, endpoint="token")


def test_client_credentials_cannot_ask_for_person_scopes(client):
    system = make_system_client()
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "openid profile"},
        HTTP_AUTHORIZATION=basic_auth(system.client.client_id, system.secret),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    assert token_rows()["access"] == 0
    assert_refused("scope_not_allowed", system.client.client_id, endpoint="token")


def test_code_flow_client_cannot_use_client_credentials(client, rp):
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(rp.client.client_id, rp.secret),
    )
    assert response.status_code in (400, 401) and response.json()["error"] == "unauthorized_client"
    assert token_rows()["access"] == 0
    assert_refused("grant_type_not_allowed", rp.client.client_id, endpoint="token")


def test_invalid_and_replayed_refresh_tokens_are_refused(client, citizen, rp):
    tokens = tokens_for(client, rp, citizen)
    auth = basic_auth(rp.client.client_id, rp.secret)
    bogus = client.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": "forged"}, HTTP_AUTHORIZATION=auth
    )
    assert bogus.status_code == 400 and bogus.json()["error"] == "invalid_grant"
    assert_refused("refresh_token_invalid", rp.client.client_id, endpoint="token")

    first = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=auth,
    )
    assert first.status_code == 200
    # Replaying the rotated-out token (after the grace period) revokes the whole family.
    get_refresh_token_model().objects.filter(revoked__isnull=False).update(
        revoked=timezone.now() - timedelta(minutes=5)
    )
    replay = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=auth,
    )
    assert replay.status_code == 400
    assert [e["reason"] for e in refusals()] == ["refresh_token_invalid", "refresh_token_invalid"]
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()


# --- only the documented grants


def _password_grant(c, registered, *, username, password, client_id=None, secret=None):
    return c.post(
        "/o/token/",
        {"grant_type": "password", "username": username, "password": password, "scope": "openid"},
        HTTP_AUTHORIZATION=basic_auth(client_id or registered.client.client_id, secret or registered.secret),
    )


def test_password_grant_is_unsupported_the_same_for_every_credential(client, rp):
    from .services_support import PASSWORD, person

    user = person(1)
    answers = []
    for kwargs in (
        {"username": user.username, "password": PASSWORD},  # right
        {"username": user.username, "password": "Wrong-pass-2026"},  # wrong
        {"username": "nobody", "password": PASSWORD},  # unknown account
        {"username": user.username, "password": PASSWORD, "secret": "not-the-secret"},  # bad secret
        {"username": user.username, "password": PASSWORD, "client_id": "no-such-client"},  # unknown client
    ):
        response = _password_grant(client, rp, **kwargs)
        answers.append((response.status_code, response.json()))
    assert answers == [(400, {"error": "unsupported_grant_type"})] * 5
    assert token_rows()["access"] == 0
    assert not LoginAttempt.objects.exists()  # no password was checked
    assert [e["reason"] for e in refusals()] == ["unsupported_grant_type"] * 5


@pytest.mark.parametrize(
    "grant_type",
    [
        "implicit",
        "token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
)
def test_other_grant_types_are_unsupported(client, rp, grant_type):
    response = client.post(
        "/o/token/",
        {"grant_type": grant_type, "device_code": "x", "assertion": "x"},
        HTTP_AUTHORIZATION=basic_auth(rp.client.client_id, rp.secret),
    )
    assert response.status_code == 400 and response.json() == {"error": "unsupported_grant_type"}
    assert token_rows()["access"] == 0


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token", "code id_token", "none"])
def test_implicit_and_hybrid_flows_are_off(client, citizen, rp, response_type):
    client.force_login(citizen)
    _verifier, challenge = pkce()
    response = client.get(
        "/o/authorize/",
        {
            "response_type": response_type,
            "client_id": rp.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "st",
            "nonce": "nn",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302
    location = response["Location"]
    assert "access_token" not in location and "id_token" not in location and "code=" not in location
    assert query_of(location)["error"] == "unsupported_response_type"
    assert token_rows() == {"grants": 0, "access": 0, "refresh": 0, "id": 0}


def test_access_tokens_are_not_accepted_in_the_query_string_or_body(client, citizen, rp):
    tokens = tokens_for(client, rp, citizen)
    in_query = client.get("/o/userinfo/?access_token=" + tokens["access_token"])
    assert in_query.status_code == 401
    assert_refused("token_not_in_header", "", endpoint="userinfo")
    in_body = client.post("/o/userinfo/", {"access_token": tokens["access_token"]})
    assert in_body.status_code == 401
    assert (
        client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"]).status_code == 200
    )


def test_discovery_names_only_the_enabled_grants(client):
    data = client.get("/.well-known/openid-configuration").json()
    assert data["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert data["response_types_supported"] == ["code"]


# --- the userinfo endpoint


def test_expired_access_token_is_refused_at_userinfo(client, citizen, rp):
    tokens = tokens_for(client, rp, citizen)
    get_access_token_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert_refused("token_expired", "", endpoint="userinfo")
    assert tokens["access_token"] not in json.dumps(refusals())


def test_forged_access_token_is_refused_at_userinfo(client):
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer forged-token")
    assert response.status_code == 401
    assert_refused("token_invalid", "", endpoint="userinfo")


def test_client_credentials_token_is_refused_at_userinfo(client):
    system = make_system_client()
    token = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(system.client.client_id, system.secret),
    ).json()["access_token"]
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + token)
    assert response.status_code == 401 and 'error="invalid_token"' in response["WWW-Authenticate"]
    assert_refused("insufficient_scope", "", endpoint="userinfo")


def test_a_token_without_a_person_is_refused_at_userinfo_even_with_openid_scope(client):
    """Defence in depth: should a user-less token ever carry `openid`, userinfo still refuses."""
    system = make_system_client()
    get_access_token_model().objects.create(
        user=None,
        application=system.client,
        token="handmade-system-token",
        expires=timezone.now() + timedelta(minutes=5),
        scope="openid",
    )
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer handmade-system-token")
    assert response.status_code == 401
    assert_refused("token_has_no_user", "", endpoint="userinfo")


# --- ID tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_tampered_id_token_does_not_verify_against_the_jwks(client, citizen, rp):
    id_token = tokens_for(client, rp, citizen)["id_token"]
    keyset = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").content)
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "00000000-0000-0000-0000-000000000000"
    tampered = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    with pytest.raises(JWException):
        jwt.JWT(jwt=tampered, key=keyset, algs=["RS256"], expected_type="JWS")

    # A token signed by someone else's key under our kid does not verify either.
    forger = jwk.JWK.generate(kty="RSA", size=2048)
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    forged = jwt.JWT(header={"alg": "RS256", "kid": kid}, claims=claims)
    forged.make_signed_token(forger)
    with pytest.raises(JWException):
        jwt.JWT(jwt=forged.serialize(), key=keyset, algs=["RS256"], expected_type="JWS")

    # alg=none is never accepted.
    none_token = ".".join(
        [_b64(b'{"alg":"none","kid":"%s"}' % kid.encode()), _b64(json.dumps(claims).encode()), ""]
    )
    with pytest.raises(JWException):
        jwt.JWT(jwt=none_token, key=keyset, algs=["RS256"], expected_type="JWS")

    # And the provider itself does not accept the tampered token as a logout hint.
    response = client.get("/o/logout/", {"id_token_hint": tampered})
    assert response.status_code == 400
    assert refusals()[-1]["endpoint"] == "logout"


def test_signing_key_lookups_never_reveal_private_material(client):
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert all(set(k) == {"kty", "n", "e", "kid", "alg", "use"} for k in keys)
    assert oidc.active_jwk().has_private
