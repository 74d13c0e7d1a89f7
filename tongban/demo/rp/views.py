"""The pages of 演示部门业务系统. Its own state lives in the session under one key,
`request.session["demo_rp"]`: the sign-in attempts in flight (state -> nonce, PKCE verifier,
issuer, redirect URI) and, once signed in, the person's claims and the ID token (kept as the
`id_token_hint` of RP-initiated logout). The access token is used once for userinfo and not kept.

Being served by the same site, it shares the platform's session cookie (a real department
system has its own): signing out of the platform flushes this key too.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import oidc
from .oidc import RPError

NS = "demo_rp"
MAX_PENDING = 5  # sign-in attempts kept at once (several tabs)
PENDING_SECONDS = 600  # an attempt not completed within ten minutes is dropped

SYSTEM_NAME = "演示部门业务系统"
# What the platform's `acr` values mean (from its documentation).
ACR_LABELS = {
    "urn:tongban:loa:1": "L1 手机注册",
    "urn:tongban:loa:2": "L2 实名核验",
    "urn:tongban:loa:3": "L3 现场核验",
}
ROLE_LABELS = {"legal_rep": "法定代表人", "agent": "经办人"}


def _issuer(request) -> str:
    return (settings.DEMO_RP_ISSUER or request.build_absolute_uri("/")).rstrip("/")


def _data(request) -> dict:
    data = request.session.get(NS)
    return dict(data) if isinstance(data, dict) else {}


def _save(request, data: dict) -> None:
    if data:
        request.session[NS] = data
    else:
        request.session.pop(NS, None)


def _error(request, exc: RPError):
    return render(
        request,
        "demo/department_error.html",
        {"system_name": SYSTEM_NAME, "message": exc.message, "detail": exc.detail},
        status=exc.status,
    )


def acting_label(acting: dict) -> str:
    kind = (acting or {}).get("kind")
    if kind == "enterprise":
        role = ROLE_LABELS.get(acting.get("role", ""), acting.get("role", ""))
        return (
            f"代表企业：{acting.get('name', '')}（统一社会信用代码 {acting.get('credit_code', '')}），{role}"
        )
    if kind == "principal":
        return f"代办：为 {acting.get('name', '')} 办事（经其同意）"
    return "本人办事"


@never_cache
@require_GET
def home(request):
    user = _data(request).get("user")
    if not user:
        return redirect("demo_rp:login")
    return render(
        request,
        "demo/department_home.html",
        {
            "system_name": SYSTEM_NAME,
            "person": user,
            "acr_label": ACR_LABELS.get(user.get("acr", ""), user.get("acr", "")),
            "acting_label": acting_label(user.get("acting") or {}),
        },
    )


@never_cache
@require_GET
def login(request):
    """Start the authorization code flow: a fresh state, nonce and PKCE verifier."""
    issuer = _issuer(request)
    try:
        provider = oidc.discover(issuer)
    except RPError as exc:
        return _error(request, exc)
    flow = oidc.new_flow()
    flow.update(issuer=issuer, redirect_uri=request.build_absolute_uri(reverse("demo_rp:callback")))
    data = _data(request)
    now = time.time()
    pending = {
        state: f
        for state, f in (data.get("pending") or {}).items()
        if isinstance(f, dict) and now - f.get("started", 0) < PENDING_SECONDS
    }
    newest = sorted(pending.items(), key=lambda kv: kv[1]["started"])[-(MAX_PENDING - 1) :]
    data["pending"] = {**dict(newest), flow["state"]: flow}
    _save(request, data)
    return redirect(
        oidc.authorization_url(
            provider, client_id=settings.DEMO_RP_CLIENT_ID, redirect_uri=flow["redirect_uri"], flow=flow
        )
    )


@never_cache
@require_GET
def callback(request):
    """The platform sends the browser back here with ?code&state (or ?error&state)."""
    data = _data(request)
    pending = dict(data.get("pending") or {})
    state = request.GET.get("state", "")
    flow = pending.get(state) if state else None
    if not isinstance(flow, dict) or time.time() - flow.get("started", 0) >= PENDING_SECONDS:
        # Not a sign-in this browser started (or one that timed out): refuse, change nothing.
        return _error(request, RPError("登录请求无效：state 与本系统发起的登录不符或已过期，请重新登录"))
    del pending[state]  # single use, whatever happens next
    data["pending"] = pending
    _save(request, data)
    if request.GET.get("error"):
        return _error(request, RPError("统一身份认证平台未授权登录", detail=request.GET["error"][:100]))
    code = request.GET.get("code", "")
    if not code:
        return _error(request, RPError("登录请求无效：缺少授权码"))
    client_id = settings.DEMO_RP_CLIENT_ID
    try:
        provider = oidc.discover(flow["issuer"])
        tokens = oidc.exchange_code(
            provider,
            client_id=client_id,
            client_secret=settings.DEMO_RP_CLIENT_SECRET,
            code=code,
            redirect_uri=flow["redirect_uri"],
            verifier=flow["verifier"],
        )
        claims = oidc.verify_id_token(
            tokens["id_token"],
            keys=oidc.fetch_keys(provider),
            issuer=flow["issuer"],
            client_id=client_id,
            nonce=flow["nonce"],
        )
        info = oidc.fetch_userinfo(provider, access_token=tokens["access_token"], sub=claims["sub"])
    except RPError as exc:
        return _error(request, exc)
    data["user"] = {
        "sub": claims["sub"],
        "name": info.get("name") or claims.get("name", ""),
        "acr": claims.get("acr", ""),
        "id_number_masked": info.get("id_number_masked", ""),
        "phone_number": info.get("phone_number", ""),
        "acting": info.get("acting") or claims.get("acting") or {"kind": "self"},
        "auth_time": claims.get("auth_time"),
    }
    data["id_token"] = tokens["id_token"]
    data["issuer"] = flow["issuer"]
    _save(request, data)
    return redirect("demo_rp:home")


@never_cache
@require_POST
def logout(request):
    """RP-initiated logout: forget the person here, then end the platform session."""
    data = _data(request)
    id_token, issuer = data.pop("id_token", ""), data.pop("issuer", "")
    data.pop("user", None)
    _save(request, data)
    signed_out = request.build_absolute_uri(reverse("demo_rp:signed_out"))
    if not id_token:
        return redirect(signed_out)
    try:
        provider = oidc.discover(issuer)
    except RPError as exc:
        return _error(request, exc)
    if not provider.end_session_endpoint:
        return redirect(signed_out)
    return redirect(
        oidc.logout_url(
            provider,
            id_token=id_token,
            client_id=settings.DEMO_RP_CLIENT_ID,
            post_logout_redirect_uri=signed_out,
            state=secrets.token_urlsafe(16),
        )
    )


@never_cache
@require_POST
def local_signout(request):
    """Sign out of this system only; the platform's sign-in stays (so the next visit is SSO)."""
    data = _data(request)
    for key in ("user", "id_token", "issuer"):
        data.pop(key, None)
    _save(request, data)
    return redirect(reverse("demo_rp:signed_out") + "?local=1")


@never_cache
@require_GET
def signed_out(request):
    return render(
        request,
        "demo/department_signed_out.html",
        {"system_name": SYSTEM_NAME, "local": request.GET.get("local") == "1"},
    )
