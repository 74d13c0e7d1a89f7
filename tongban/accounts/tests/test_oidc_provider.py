"""The OpenID Provider through Django's test client: discovery, the code flow with PKCE, claims,
consent, refresh, client_credentials, RP-initiated logout, key rotation and client registration."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_access_token_model

from tongban.accounts import clients, oidc
from tongban.accounts.models import Client, SigningKey
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .oidc_support import (
    SYSTEM,
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
ISSUER = "http://testserver"
REDIRECT = "https://dept.example.cn/callback"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Signing keys are cached by kid; each test's database starts without keys."""
    cache.clear()


def authorize(c, registered, *, scope="openid profile", challenge=None, redirect_uri=REDIRECT, **extra):
    params = {
        "response_type": "code",
        "client_id": registered.client.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return c.get("/o/authorize/", params)


def exchange(c, registered, code, verifier, *, redirect_uri=REDIRECT, secret=None):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = basic_auth(registered.client.client_id, secret or registered.secret)
    return c.post("/o/token/", data, HTTP_AUTHORIZATION=auth)


def sign_in_and_get_tokens(c, registered, user, *, scope="openid profile"):
    c.force_login(user)
    verifier, challenge = pkce()
    response = authorize(c, registered, scope=scope, challenge=challenge)
    assert response.status_code == 302, response.content
    code = query_of(response["Location"])["code"]
    token = exchange(c, registered, code, verifier)
    assert token.status_code == 200, token.content
    return token.json()


def jwks_keyset(c) -> jwk.JWKSet:
    return jwk.JWKSet.from_json(c.get("/.well-known/jwks.json").content)


def verify_id_token(c, id_token: str, audience: str) -> dict:
    token = jwt.JWT(jwt=id_token, key=jwks_keyset(c), algs=["RS256"], expected_type="JWS")
    claims = json.loads(token.claims)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == audience
    return claims


# --- discovery and JWKS


def test_discovery_document_matches_the_issuer_and_what_the_provider_does(client):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == ISSUER + "/o/authorize/"
    assert doc["token_endpoint"] == ISSUER + "/o/token/"
    assert doc["userinfo_endpoint"] == ISSUER + "/o/userinfo/"
    assert doc["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    assert doc["end_session_endpoint"] == ISSUER + "/o/logout/"
    assert doc["revocation_endpoint"] == ISSUER + "/o/revoke_token/"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["acr_values_supported"] == ["urn:tongban:loa:1", "urn:tongban:loa:2", "urn:tongban:loa:3"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["subject_types_supported"] == ["public"]
    assert set(doc["claims_supported"]) >= {
        "sub",
        "acr",
        "name",
        "phone_number",
        "id_number_masked",
        "acting",
    }
    assert set(doc["scopes_supported"]) == {"openid", "profile", "phone", "id_number", "acting", "api"}
    # Only the exact address: clients append /.well-known/openid-configuration to the issuer.
    assert client.get("/.well-known/openid-configuration/").status_code == 404


def test_jwks_publishes_the_active_key_created_on_first_use(client):
    assert SigningKey.objects.count() == 0
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    key = SigningKey.objects.get()
    assert keys[0]["kid"] == key.kid == oidc.active_jwk().thumbprint()
    assert keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig" and keys[0]["kty"] == "RSA"
    assert "d" not in keys[0]  # public half only
    assert "PRIVATE KEY" not in key.private_pem_enc  # encrypted at rest
    assert AuditEvent.objects.filter(action="accounts.oidc.key_create").count() == 1


# --- the code flow


def test_code_flow_with_pkce_gives_verified_id_token_userinfo_and_refresh(client):
    user = make_citizen(display_name="张三")
    registered = make_client()
    tokens = sign_in_and_get_tokens(client, registered, user, scope="openid profile phone acting")
    assert set(tokens) >= {"access_token", "refresh_token", "id_token", "expires_in"}
    claims = verify_id_token(client, tokens["id_token"], registered.client.client_id)
    assert claims["sub"] == str(user.sub)
    assert claims["nonce"] == "n-1"
    assert claims["acr"] == "urn:tongban:loa:1"
    assert claims["name"] == "张三"
    assert claims["acting"] == {"kind": "self"}
    assert "id_number_masked" not in claims

    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"])
    assert info.status_code == 200
    body = info.json()
    assert body["sub"] == str(user.sub)
    assert body["name"] == "张三"
    assert body["phone_number"] == user.mobile_masked and "*" in body["phone_number"]
    assert body["acting"] == {"kind": "self"}

    refreshed = client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(registered.client.client_id, registered.secret),
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]  # rotated
    assert verify_id_token(client, new["id_token"], registered.client.client_id)["sub"] == str(user.sub)
    assert refusals() == []


def test_claims_follow_the_granted_scopes(client):
    user = make_citizen(display_name="李四", id_number=True)
    registered = make_client(allowed_scopes="openid profile id_number")
    tokens = sign_in_and_get_tokens(client, registered, user, scope="openid id_number")
    claims = verify_id_token(client, tokens["id_token"], registered.client.client_id)
    assert claims["id_number_masked"] == user.id_number_masked
    assert claims["acr"] == "urn:tongban:loa:2"
    assert "name" not in claims and "phone_number" not in claims  # profile and phone not asked for
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"]).json()
    assert info == {
        "sub": str(user.sub),
        "acr": "urn:tongban:loa:2",
        "id_number_masked": user.id_number_masked,
    }

    # The administrator withdraws the grant: the claim stops at once, even on a live token.
    Client.objects.filter(pk=registered.client.pk).update(allowed_scopes="openid profile")
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"]).json()
    assert "id_number_masked" not in info


def test_sub_is_the_same_for_every_client(client):
    user = make_citizen()
    one = make_client(name="甲系统")
    two = make_client(name="乙系统", redirect_uri="https://other.example.cn/cb")
    sub_one = verify_id_token(
        client, sign_in_and_get_tokens(client, one, user)["id_token"], one.client.client_id
    )["sub"]
    verifier, challenge = pkce()
    code = query_of(
        authorize(client, two, challenge=challenge, redirect_uri="https://other.example.cn/cb")["Location"]
    )["code"]
    tokens = exchange(client, two, code, verifier, redirect_uri="https://other.example.cn/cb").json()
    assert (
        verify_id_token(client, tokens["id_token"], two.client.client_id)["sub"] == sub_one == str(user.sub)
    )


def test_untrusted_client_shows_a_consent_page_naming_client_department_and_data(client):
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code

    core_services.do_load_regions(actor=SYSTEM)
    import random

    dept = core_services.do_upsert_department(
        actor=SYSTEM,
        name="武汉市民政局",
        credit_code=make_credit_code(random.Random(7), region="420100", kind="11"),
        region_code="420100",
        kind="bureau",
    )
    user = make_citizen()
    registered = make_client(trusted=False, department_id=dept.pk, description="婚姻登记预约")
    client.force_login(user)
    verifier, challenge = pkce()
    page = authorize(client, registered, scope="openid profile phone", challenge=challenge)
    assert page.status_code == 200
    html = page.content.decode()
    assert "测试部门业务系统" in html and "武汉市民政局" in html and "婚姻登记预约" in html
    assert "姓名与实名认证等级" in html and "手机号码（脱敏）" in html and "身份标识（必需）" in html
    assert 'data-scope="acting"' not in html  # not requested
    assert token_rows()["grants"] == 0

    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    denied = client.post("/o/authorize/", form)
    assert denied.status_code == 302 and query_of(denied["Location"])["error"] == "access_denied"
    assert token_rows()["grants"] == 0

    # A browser answering our form gets a page that moves on by itself: CSP form-action 'self'
    # would block a redirect to the client's origin that follows a form submission.
    allowed = client.post("/o/authorize/", {**form, "allow": "on"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert allowed.status_code == 200
    assert allowed["Cache-Control"].startswith("max-age=0") and allowed["Referrer-Policy"] == "no-referrer"
    location = allowed.context["location"]
    assert location.startswith(REDIRECT + "?code=")
    assert f'content="0;url={location.replace("&", "&amp;")}"' in allowed.content.decode()
    code = query_of(location)["code"]
    assert exchange(client, registered, code, verifier).status_code == 200


def test_client_credentials_for_system_calls(client):
    registered = make_system_client()
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(registered.client.client_id, registered.secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "api" and "id_token" not in body and "refresh_token" not in body
    token = get_access_token_model().objects.get()
    assert token.user is None and token.application == registered.client


def test_rp_initiated_logout_ends_the_session_and_the_clients_tokens(client):
    user = make_citizen()
    registered = make_client(post_logout_redirect_uris=["https://dept.example.cn/bye"])
    tokens = sign_in_and_get_tokens(client, registered, user)
    response = client.get(
        "/o/logout/",
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://dept.example.cn/bye",
            "state": "s2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "https://dept.example.cn/bye?state=s2"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="accounts.oidc.logout").data == {
        "client_id": registered.client.client_id
    }
    assert get_access_token_model().objects.count() == 0
    assert (
        client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer " + tokens["access_token"]).status_code == 401
    )


def test_logout_confirmation_page_when_the_hint_is_missing(client):
    user = make_citizen()
    client.force_login(user)
    page = client.get("/o/logout/")
    assert page.status_code == 200
    assert "退出统一身份登录" in page.content.decode()


# --- key rotation


def test_tokens_signed_before_a_rotation_still_verify_and_the_new_key_signs_after(client, settings):
    user = make_citizen()
    registered = make_client()
    before = sign_in_and_get_tokens(client, registered, user)["id_token"]
    old_kid = SigningKey.objects.get().kid

    call_command("identity", "rotate-key")
    new_kid = SigningKey.objects.get(retired_at__isnull=True).kid
    assert new_kid != old_kid
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]] == [new_kid, old_kid]
    assert verify_id_token(client, before, registered.client.client_id)["sub"] == str(user.sub)

    client.logout()
    after = sign_in_and_get_tokens(client, registered, user)["id_token"]
    assert jwt.JWT(jwt=after).token.jose_header["kid"] == new_kid
    assert verify_id_token(client, after, registered.client.client_id)["sub"] == str(user.sub)

    # An id_token_hint signed with the retired key is still recognised at logout.
    response = client.get("/o/logout/", {"id_token_hint": before})
    assert response.status_code == 302

    # After the grace period the old key leaves the JWKS.
    old = SigningKey.objects.get(kid=old_kid)
    assert old.publish_until - old.retired_at == timedelta(hours=settings.OIDC_KEY_GRACE_HOURS)
    SigningKey.objects.filter(kid=old_kid).update(publish_until=timezone.now() - timedelta(seconds=1))
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]] == [new_kid]
    event = AuditEvent.objects.get(action="accounts.oidc.key_rotate")
    assert event.data["kid"] == new_kid and event.data["retired"] == [old_kid]


# --- client registration


def test_register_client_hashes_the_secret_and_audits():
    registered = make_client(allowed_scopes=["openid", "profile"], trusted=False)
    c = registered.client
    assert c.client_secret != registered.secret and check_password(registered.secret, c.client_secret)
    assert c.algorithm == "RS256" and c.client_type == "confidential"
    assert c.authorization_grant_type == "authorization-code"
    event = AuditEvent.objects.get(action="accounts.oidc.client_register")
    assert event.data["client_id"] == c.client_id and registered.secret not in json.dumps(event.data)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"redirect_uris": ["https://*.example.cn/cb"]}, "redirect_uris"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "redirect_uris"),
        ({"redirect_uris": ["https://dept.example.cn/cb#x"]}, "redirect_uris"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"allowed_scopes": "openid everything"}, "allowed_scopes"),
        ({"allowed_scopes": "profile"}, "allowed_scopes"),
        ({"grant_types": ["password"]}, "grant_types"),
        ({"name": " "}, "name"),
    ],
)
def test_register_client_refuses_bad_input_and_changes_nothing(kw, field):
    with pytest.raises(InvalidInput) as exc:
        make_client(**kw)
    assert exc.value.problems[0].field == field
    assert Client.objects.count() == 0


def test_register_client_refuses_an_unknown_department():
    with pytest.raises(NotFound):
        make_client(department_id=999999)
    assert Client.objects.count() == 0


def test_register_client_command_prints_the_secret_once(capsys):
    call_command(
        "identity",
        "register-client",
        "--name",
        "不动产登记系统",
        "--redirect-uri",
        "https://bdc.example.cn/oidc/callback",
        "--scopes",
        "openid profile acting",
        "--trusted",
        "--json",
    )
    out = json.loads(capsys.readouterr().out)
    c = Client.objects.get(client_id=out["client_id"])
    assert check_password(out["client_secret"], c.client_secret)
    assert c.skip_authorization and c.allowed_scopes == "openid profile acting"
    assert c.redirect_uris == "https://bdc.example.cn/oidc/callback"


def test_rotate_client_secret_stops_the_old_one(client):
    registered = make_system_client()
    rotated = clients.do_rotate_client_secret(actor=SYSTEM, client_id=registered.client.client_id)
    old = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(registered.client.client_id, registered.secret),
    )
    assert old.status_code == 401
    new = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(registered.client.client_id, rotated.secret),
    )
    assert new.status_code == 200
