"""Real relying parties against the running provider, on loopback only, started and stopped here:

- the npm `openid-client` library (v6, tests/oidc_client.mjs): discovery, code flow with PKCE
  S256 + state + nonce, ID token signature checked against the JWKS, userinfo, refresh,
  client_credentials;
- Apache with Debian's `mod_auth_openidc`, a private instance protecting /private/.

A citizen signs in through the real login page (/accounts/login/) in Debian's Chromium, driven
by Playwright; the test follows the redirects and hands the callback to the relying party.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache

from .oidc_support import PASSWORD, free_port, make_citizen, make_client, make_system_client

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
NODE_CLIENT = HERE / "oidc_client.mjs"
APACHE = "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, user) -> None:
    """On the real login page: the mobile number and password, then 登录."""
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("账号").fill(user.test_mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


# --- openid-client (npm) -------------------------------------------------------------------


def node(step: str, args: dict) -> dict:
    node_bin = shutil.which("node")
    if node_bin is None:
        pytest.skip("node is not installed")
    done = subprocess.run(  # noqa: S603 - our own script with JSON we built
        [node_bin, str(NODE_CLIENT), step, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out = json.loads(done.stdout or "{}")
    assert done.returncode == 0, (out, done.stderr)
    return out


def test_openid_client_code_flow_pkce_userinfo_refresh_and_client_credentials(
    transactional_db, live_server, page
):
    from playwright.sync_api import Route

    user = make_citizen(display_name="王五")
    callback = f"http://127.0.0.1:{free_port()}/callback"
    rp = make_client(redirect_uri=callback, allowed_scopes="openid profile phone acting")
    issuer = live_server.url
    base = {
        "issuer": issuer,
        "client_id": rp.client.client_id,
        "client_secret": rp.secret,
        "redirect_uri": callback,
        "scope": "openid profile phone acting",
    }
    started = node("start", base)
    assert started["authorization_url"].startswith(issuer + "/o/authorize/?")

    # Nothing listens at the callback: the browser's request to it is captured and answered here.
    captured: list[str] = []

    def at_callback(route: Route) -> None:
        captured.append(route.request.url)
        route.fulfill(status=200, content_type="text/plain", body="callback received")

    page.route(callback + "*", at_callback)
    page.goto(started["authorization_url"])
    sign_in(page, user)
    page.wait_for_url(callback + "*")
    assert len(captured) == 1 and "code=" in captured[0] and "state=" in captured[0]

    done = node("finish", {**base, **started, "callback_url": captured[0]})
    claims = done["id_token_claims"]
    assert claims["iss"] == issuer and claims["aud"] == rp.client.client_id
    assert claims["sub"] == str(user.sub)
    assert claims["nonce"] == started["nonce"]
    assert claims["acr"] == "urn:tongban:loa:1"
    assert claims["name"] == "王五"
    assert done["userinfo"]["sub"] == str(user.sub)
    assert done["userinfo"]["phone_number"] == user.mobile_masked
    assert done["userinfo"]["acting"] == {"kind": "self"}
    assert done["refreshed"]["refresh_token_rotated"] is True
    assert done["refreshed"]["id_token_claims"]["sub"] == str(user.sub)

    system = make_system_client()
    cc = node(
        "client_credentials",
        {
            "issuer": issuer,
            "client_id": system.client.client_id,
            "client_secret": system.secret,
            "scope": "api",
        },
    )
    assert cc == {
        "token_type": "bearer",
        "scope": "api",
        "has_access_token": True,
        "has_id_token": False,
        "has_refresh_token": False,
    }


# --- Apache mod_auth_openidc ----------------------------------------------------------------

APACHE_CONF = """\
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/apache.pid"
ErrorLog "{root}/error.log"
LogLevel warn auth_openidc:info
DefaultRuntimeDir "{root}"
Mutex file:{root}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authz_user_module {modules}/mod_authz_user.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule include_module {modules}/mod_include.so
LoadModule auth_openidc_module {modules}/mod_auth_openidc.so
TypesConfig /etc/mime.types
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    Require all granted
</Directory>

OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {client_secret}
OIDCRedirectURI http://127.0.0.1:{port}/private/redirect_uri
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid profile acting"
OIDCPKCEMethod S256
OIDCSessionType server-cache
OIDCCacheType shm
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCInfoHook userinfo id_token
OIDCHTTPTimeoutLong 10
OIDCHTTPTimeoutShort 5

<Location /private/>
    AuthType openid-connect
    Require valid-user
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Location>
"""

PRIVATE_PAGE = """\
<!doctype html><html lang="zh-Hans"><meta charset="utf-8"><title>部门系统</title>
<h1>部门业务系统</h1>
<p id="name"><!--#echo var="OIDC_CLAIM_name" encoding="none" --></p>
<p id="sub"><!--#echo var="OIDC_CLAIM_sub" encoding="none" --></p>
<p id="acr"><!--#echo var="OIDC_CLAIM_acr" encoding="none" --></p>
</html>
"""


@pytest.fixture
def apache(tmp_path):
    """A private Apache on a free loopback port; yields a function that starts it with a config."""
    if not Path(APACHE).exists() or not (APACHE_MODULES / "mod_auth_openidc.so").exists():
        pytest.skip("apache2 and libapache2-mod-auth-openidc are not installed (make system-deps)")
    procs: list[subprocess.Popen] = []

    def start(**values) -> str:
        root = tmp_path / "apache"
        (root / "htdocs" / "private").mkdir(parents=True)
        (root / "htdocs" / "private" / "index.shtml").write_text(PRIVATE_PAGE, encoding="utf-8")
        conf = root / "httpd.conf"
        conf.write_text(APACHE_CONF.format(root=root, modules=APACHE_MODULES, **values), encoding="utf-8")
        env = {**os.environ, "APACHE_RUN_DIR": str(root), "APACHE_LOCK_DIR": str(root), "LANG": "C"}
        proc = subprocess.Popen(  # noqa: S603 - Debian's apache2 with the config written above
            [APACHE, "-f", str(conf), "-DFOREGROUND"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{values['port']}"
        for _ in range(100):
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() + (root / "error.log").read_text())
            try:
                urllib.request.urlopen(url + "/", timeout=1)  # noqa: S310 - loopback, our own server
                break
            except urllib.error.HTTPError:
                break  # answering (403/404 on /) is ready
            except OSError:
                time.sleep(0.1)
        return url

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_mod_auth_openidc_protects_a_page_through_the_platform_login(
    transactional_db, live_server, page, apache
):
    from playwright.sync_api import expect

    user = make_citizen(display_name="赵六")
    port = free_port()
    rp = make_client(
        name="不动产登记系统",
        redirect_uri=f"http://127.0.0.1:{port}/private/redirect_uri",
        allowed_scopes="openid profile acting",
    )
    site = apache(
        port=port,
        issuer=live_server.url,
        client_id=rp.client.client_id,
        client_secret=rp.secret,
        passphrase="test-passphrase-" + str(port),
    )

    page.goto(site + "/private/index.shtml")
    sign_in(page, user)
    page.wait_for_url(site + "/private/index.shtml")
    expect(page.get_by_role("heading", name="部门业务系统")).to_be_visible()
    expect(page.locator("#name")).to_have_text("赵六")
    expect(page.locator("#sub")).to_have_text(str(user.sub))
    expect(page.locator("#acr")).to_have_text("urn:tongban:loa:1")

    # mod_auth_openidc's own view of the session: the verified ID token and userinfo.
    info = json.loads(page.request.get(site + "/private/redirect_uri?info=json").text())
    assert info["id_token"]["sub"] == str(user.sub)
    assert info["id_token"]["iss"] == live_server.url
    assert info["userinfo"]["name"] == "赵六"
    assert info["userinfo"]["acting"] == {"kind": "self"}
