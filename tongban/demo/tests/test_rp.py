"""演示部门业务系统 (tongban/demo/rp/) against the real OpenID Provider.

- A real Chromium (Debian's, driven by Playwright) against a live server: the demo system sends
  the citizen to the platform's login page, gets them back signed in (name, acr), and a second
  visit after signing out of the demo system alone needs no second login (SSO); RP-initiated
  logout ends the platform session too.
- With Django's test client: the relying party's back-channel HTTP calls (discovery, token,
  JWKS, userinfo) go through `requests` to a transport that hands them to the platform in
  process, so every protocol step is the real one; a wrong state and a tampered or forged ID
  token are refused with nothing signed in.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import base64
import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.test import Client as DjangoClient
from jwcrypto import jwk, jws
from oauth2_provider.models import get_application_model
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tongban.accounts import clients, services
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.demo import identity
from tongban.demo.data import accounts as demo_accounts
from tongban.demo.rp import oidc as rp_oidc
from tongban.demo.rp.views import NS

SYSTEM = "system:test"
PASSWORD = "Tongban-test-2024!"
CLIENT_ID = "tongban-demo-department-test"
CLIENT_SECRET = "demo-rp-test-secret-0123456789"
HOME = "/demo/department/"


@pytest.fixture(autouse=True)
def _rp_settings(settings):
    cache.clear()
    settings.DEMO_RP_ISSUER = ""
    settings.DEMO_RP_CLIENT_ID = CLIENT_ID
    settings.DEMO_RP_CLIENT_SECRET = CLIENT_SECRET


def register_demo_client(origin: str):
    return clients.do_register_client(
        actor=SYSTEM,
        name=demo_accounts.OIDC_CLIENT_NAME,
        department_id=None,
        redirect_uris=[f"{origin}{HOME}callback/"],
        post_logout_redirect_uris=[f"{origin}{HOME}signed-out/"],
        allowed_scopes=("openid", "profile", "phone", "id_number", "acting"),
        trusted=True,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


def make_citizen(mobile: str, name: str, *, real_name: bool = False):
    user = services.do_register_person(actor=SYSTEM, mobile=mobile, password=PASSWORD, display_name=name)
    if real_name:
        number = make_resident_id(random.Random(mobile), region="420102")
        services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=number)
        user = services.do_verify_real_name(actor=user, user=user, name=name, id_number=number)
    return user


# --- In process: the relying party's HTTP calls answered by the platform through the test client


class PlatformTransport(BaseAdapter):
    """A `requests` transport that hands each request to the platform's URL handler (a fresh
    test client: no browser cookies, as for a real back-channel call). `tamper(path, data)`
    may rewrite a JSON answer."""

    def __init__(self, tamper=None):
        super().__init__()
        self.client = DjangoClient()
        self.tamper = tamper
        self.calls: list[str] = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        self.calls.append(f"{request.method} {parts.path}")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
        body = request.body or b""
        answer = self.client.generic(
            request.method,
            target,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            headers=headers,
        )
        content = answer.content
        if self.tamper is not None and answer.status_code == 200:
            content = json.dumps(self.tamper(parts.path, json.loads(content))).encode()
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = content
        response.headers = CaseInsensitiveDict(dict(answer.items()))
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


@pytest.fixture
def transport(monkeypatch):
    holder = {"transport": PlatformTransport()}

    def session():
        s = requests.Session()
        s.mount("http://testserver", holder["transport"])
        return s

    monkeypatch.setattr(rp_oidc, "http_session", session)
    return holder


@pytest.fixture
def demo_client(db):
    return register_demo_client("http://testserver")


@pytest.fixture
def citizen(db):
    return make_citizen("13900000101", "孙丽", real_name=True)


def start(c) -> tuple[str, dict]:
    """/demo/department/ -> the demo system's login -> the platform's authorize URL."""
    home = c.get(HOME)
    assert home.status_code == 302 and home["Location"] == "/demo/department/login/"
    login = c.get(home["Location"])
    assert login.status_code == 302
    url = login["Location"]
    return url, {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def to_callback(c) -> tuple[str, dict]:
    """Signed in at the platform already: authorize answers with the callback URL."""
    url, query = start(c)
    authorize = c.get(url)
    assert authorize.status_code == 302, authorize.content[:500]
    callback = authorize["Location"]
    assert callback.startswith("http://testserver/demo/department/callback/?")
    return callback, query


def rp_session(c) -> dict:
    return dict(c.session.get(NS) or {})


def test_sign_in_through_the_platform_over_http(client, transport, demo_client, citizen):
    client.force_login(citizen)  # signed in at the platform (the SSO session)
    callback, query = to_callback(client)
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/demo/department/callback/"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["scope"] == "openid profile phone id_number acting"
    assert query["state"] and query["nonce"]
    assert list(rp_session(client)["pending"]) == [query["state"]]

    done = client.get(callback)
    assert done.status_code == 302 and done["Location"] == HOME
    assert transport["transport"].calls == [
        "GET /.well-known/openid-configuration",  # at login
        "GET /.well-known/openid-configuration",  # at the callback
        "POST /o/token/",
        "GET /.well-known/jwks.json",
        "GET /o/userinfo/",
    ]
    person = rp_session(client)["user"]
    assert person["sub"] == str(citizen.sub)
    assert person["acr"] == "urn:tongban:loa:2"
    assert person["id_number_masked"] == citizen.id_number_masked
    assert person["acting"] == {"kind": "self"}
    assert rp_session(client)["pending"] == {}  # the state was used once

    page = client.get(HOME).content.decode()
    assert "已通过统一身份认证登录" in page
    assert "孙丽" in page and "L2 实名核验" in page and "urn:tongban:loa:2" in page
    assert citizen.id_number_masked in page and "本人办事" in page
    assert citizen.mobile_masked in page


def test_callback_with_a_wrong_state_is_refused(client, transport, demo_client, citizen):
    client.force_login(citizen)
    callback, _ = to_callback(client)
    before = rp_session(client)
    code = parse_qs(urlsplit(callback).query)["code"][0]

    refused = client.get(f"{HOME}callback/", {"code": code, "state": "not-the-state"})
    assert refused.status_code == 400
    assert "state" in refused.content.decode()
    assert rp_session(client) == before  # nothing signed in, the real attempt untouched
    assert "user" not in before
    assert transport["transport"].calls == ["GET /.well-known/openid-configuration"]  # at login only

    missing = client.get(f"{HOME}callback/", {"code": code})
    assert missing.status_code == 400 and rp_session(client) == before
    assert client.get(HOME).status_code == 302  # still not signed in here


def test_callback_without_any_sign_in_started_is_refused(client, transport, demo_client):
    refused = client.get(f"{HOME}callback/", {"code": "x", "state": "y"})
    assert refused.status_code == 400
    assert NS not in client.session
    assert transport["transport"].calls == []


def _tamper_payload(id_token: str, **changes) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def _resign(id_token: str) -> str:
    """The same header (kid) and claims, signed with a key of the attacker's."""
    header, payload, _ = id_token.split(".")
    protected = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    token = jws.JWS(claims)
    token.add_signature(jwk.JWK.generate(kty="RSA", size=2048), alg="RS256", protected=protected)
    return token.serialize(compact=True)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda t: _tamper_payload(t, name="冒名者"), id="payload-changed"),
        pytest.param(
            lambda t: _tamper_payload(t, sub="00000000-0000-4000-8000-000000000000"), id="sub-changed"
        ),
        pytest.param(_resign, id="signed-by-another-key"),
        pytest.param(lambda t: t.rsplit(".", 1)[0] + ".", id="signature-stripped"),
    ],
)
def test_tampered_id_token_is_refused(client, transport, demo_client, citizen, forge):
    def tamper(path, data):
        if path == "/o/token/":
            data["id_token"] = forge(data["id_token"])
        return data

    transport["transport"] = PlatformTransport(tamper=tamper)
    client.force_login(citizen)
    callback, _ = to_callback(client)
    refused = client.get(callback)
    assert refused.status_code == 400
    assert "身份令牌校验失败" in refused.content.decode()
    assert "user" not in rp_session(client) and "id_token" not in rp_session(client)
    assert rp_session(client)["pending"] == {}  # the attempt is used up
    assert "GET /o/userinfo/" not in transport["transport"].calls  # stopped before using the token
    assert client.get(HOME).status_code == 302


def test_replayed_callback_is_refused(client, transport, demo_client, citizen):
    client.force_login(citizen)
    callback, _ = to_callback(client)
    assert client.get(callback).status_code == 302
    signed_in = rp_session(client)
    again = client.get(callback)
    assert again.status_code == 400  # the state was single use
    assert rp_session(client) == signed_in


def test_wrong_client_secret_is_refused(client, transport, demo_client, citizen, settings):
    settings.DEMO_RP_CLIENT_SECRET = "not-the-registered-secret-000"
    client.force_login(citizen)
    callback, _ = to_callback(client)
    refused = client.get(callback)
    assert refused.status_code == 400 and "换取令牌失败" in refused.content.decode()
    assert "user" not in rp_session(client)


def test_rp_initiated_logout_ends_the_platform_session(client, transport, demo_client, citizen):
    client.force_login(citizen)
    callback, _ = to_callback(client)
    client.get(callback)
    out = client.post(f"{HOME}logout/")
    assert out.status_code == 302
    end = out["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(end).query).items()}
    assert end.startswith("http://testserver/o/logout/?")
    assert query["post_logout_redirect_uri"] == "http://testserver/demo/department/signed-out/"
    assert query["client_id"] == CLIENT_ID and query["id_token_hint"]
    assert "user" not in rp_session(client)

    back = client.get(end)
    assert back.status_code == 302, back.content[:300]
    assert back["Location"].startswith("http://testserver/demo/department/signed-out/")
    assert "_auth_user_id" not in client.session  # signed out of the platform as well
    page = client.get(back["Location"]).content.decode()
    assert "并已退出统一身份认证平台" in page


def test_signing_out_of_the_demo_system_alone_keeps_the_platform_session(
    client, transport, demo_client, citizen
):
    client.force_login(citizen)
    callback, _ = to_callback(client)
    client.get(callback)
    out = client.post(f"{HOME}signout/")
    assert out.status_code == 302 and "user" not in rp_session(client)
    assert client.session["_auth_user_id"] == str(citizen.pk)
    callback, _ = to_callback(client)  # straight back from authorize: no login page (SSO)
    assert client.get(callback)["Location"] == HOME
    assert rp_session(client)["user"]["sub"] == str(citizen.sub)


def test_logout_and_signout_need_post_and_csrf(demo_client, citizen):
    c = DjangoClient(enforce_csrf_checks=True)
    c.force_login(citizen)
    assert c.get(f"{HOME}logout/").status_code == 405
    assert c.post(f"{HOME}logout/").status_code == 403
    assert c.post(f"{HOME}signout/").status_code == 403


def test_unreachable_platform_is_a_clear_error(client, settings, demo_client):
    settings.DEMO_RP_ISSUER = "http://127.0.0.1:9"  # nothing listens on the discard port
    answer = client.get(f"{HOME}login/")
    assert answer.status_code == 502
    assert "无法连接统一身份认证平台" in answer.content.decode()
    assert NS not in client.session


def test_issuer_mismatch_is_refused(client, transport, demo_client):
    def tamper(path, data):
        if path.endswith("openid-configuration"):
            data["issuer"] = "http://evil.example"
        return data

    transport["transport"] = PlatformTransport(tamper=tamper)
    answer = client.get(f"{HOME}login/")
    assert answer.status_code == 502 and "issuer" in answer.content.decode()
    assert NS not in client.session


# --- The seed's registration of the demo client -------------------------------------------


def test_seed_brings_an_older_demo_client_up_to_date(db):
    old = clients.do_register_client(
        actor=SYSTEM,
        name=demo_accounts.OIDC_CLIENT_NAME,
        department_id=None,
        redirect_uris=["http://127.0.0.1:8001/oidc/callback"],
        post_logout_redirect_uris=["http://127.0.0.1:8001/"],
        allowed_scopes=("openid", "profile", "phone", "id_number", "acting"),
        trusted=True,
    )
    said: list[str] = []
    assert identity.ensure_demo_client(actor=SYSTEM, say=said.append) is True
    row = get_application_model().objects.get(pk=old.client.pk)
    assert row.client_id == CLIENT_ID
    assert row.redirect_uris.split() == list(demo_accounts.OIDC_CLIENT_REDIRECTS)
    assert row.redirect_uris.split() == [
        "http://127.0.0.1:8000/demo/department/callback/",
        "http://localhost:8000/demo/department/callback/",
    ]
    assert row.post_logout_redirect_uris.split() == list(demo_accounts.OIDC_CLIENT_POST_LOGOUT)
    assert check_password(CLIENT_SECRET, row.client_secret) and not check_password(
        old.secret, row.client_secret
    )
    assert CLIENT_SECRET not in said[0] and CLIENT_ID in said[0]
    event = AuditEvent.objects.filter(action="accounts.oidc.client_update").get()
    assert event.data["client_secret"] == "replaced" and CLIENT_SECRET not in json.dumps(event.data)

    events = AuditEvent.objects.count()
    assert identity.ensure_demo_client(actor=SYSTEM, say=said.append) is False  # idempotent
    assert AuditEvent.objects.count() == events and len(said) == 1
    assert get_application_model().objects.count() == 1


def test_a_client_id_taken_by_another_system_is_refused(db):
    from tongban.core.errors import InvalidInput

    register_demo_client("http://testserver")
    with pytest.raises(InvalidInput):
        clients.do_register_client(
            actor=SYSTEM,
            name="另一个系统",
            department_id=None,
            redirect_uris=["https://other.example.cn/cb"],
            client_id=CLIENT_ID,
        )
    with pytest.raises(InvalidInput):
        clients.do_register_client(
            actor=SYSTEM,
            name="短密钥",
            department_id=None,
            redirect_uris=["https://x.example.cn/cb"],
            client_secret="short",
        )
    assert get_application_model().objects.count() == 1


# --- A real browser against a live server -------------------------------------------------


@pytest.mark.browser
def test_citizen_signs_in_once_and_is_signed_in_to_the_demo_department_system(
    transactional_db, live_server, browser
):
    base = live_server.url
    register_demo_client(base)
    citizen = make_citizen("13900000102", "钱多多", real_name=True)

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    seen: list[str] = []
    page.on("request", lambda r: r.is_navigation_request() and seen.append(urlsplit(r.url).path))
    try:
        page.goto(f"{base}{HOME}")
        page.wait_for_url("**/accounts/login/**")
        assert "/o/authorize/" in seen
        page.locator("input[name=identifier]").fill("13900000102")
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url(f"{base}{HOME}")
        page.get_by_role("heading", name="已通过统一身份认证登录").wait_for()
        assert page.locator("[data-claim=name]").inner_text() == "钱多多"
        assert "L2 实名核验" in page.locator("[data-claim=acr]").inner_text()
        assert page.locator("[data-claim=id_number_masked]").inner_text() == citizen.id_number_masked
        assert page.locator("[data-claim=acting]").inner_text() == "本人办事"

        # Open it again in the same browser: no second login.
        seen.clear()
        page.goto(f"{base}{HOME}")
        page.get_by_role("heading", name="已通过统一身份认证登录").wait_for()
        assert "/accounts/login/" not in seen

        # Sign out of the demo system only: the next visit goes through the platform's
        # authorization endpoint and comes straight back, without the login page (SSO).
        page.get_by_role("button", name="仅退出本系统").click()
        page.wait_for_url("**/demo/department/signed-out/**")
        seen.clear()
        page.goto(f"{base}{HOME}")
        page.get_by_role("heading", name="已通过统一身份认证登录").wait_for()
        assert "/o/authorize/" in seen and "/demo/department/callback/" in seen
        assert "/accounts/login/" not in seen
        assert page.locator("[data-claim=name]").inner_text() == "钱多多"

        # RP-initiated logout ends the platform session too: the next visit asks to sign in.
        page.get_by_role("button", name="退出登录（同时退出统一身份认证）").click()
        page.wait_for_url("**/demo/department/signed-out/**")
        assert "并已退出统一身份认证平台" in page.content()
        page.goto(f"{base}{HOME}")
        page.wait_for_url("**/accounts/login/**")
        assert problems == []
    finally:
        context.close()
