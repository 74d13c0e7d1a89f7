"""The relying party's side of OpenID Connect: discovery, the authorization code flow with PKCE
(S256), state and nonce, the ID token checked against the provider's JWKS, userinfo, and
RP-initiated logout. Plain HTTP through `requests` with short timeouts; no platform imports.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

TIMEOUT = (3, 5)  # seconds: connect, read
CLOCK_SKEW = 60  # seconds allowed between the provider's clock and ours
SCOPES = "openid profile phone id_number acting"


class RPError(Exception):
    """A sign-in that cannot go on; `status` is what our page answers with."""

    def __init__(self, message: str, *, status: int = 400, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


def http_session() -> requests.Session:
    """A new HTTP session per call (no module-level state); tests mount their own transport."""
    return requests.Session()


def _get_json(url: str, *, what: str, **kw) -> dict:
    try:
        response = http_session().get(url, timeout=TIMEOUT, **kw)
    except requests.RequestException as exc:
        raise RPError(f"无法连接统一身份认证平台（{what}）", status=502, detail=str(exc)[:200]) from None
    if response.status_code != 200:
        raise RPError(
            f"统一身份认证平台拒绝了请求（{what}）", status=502, detail=f"HTTP {response.status_code}"
        )
    try:
        data = response.json()
    except ValueError:
        raise RPError(f"统一身份认证平台的应答无法解析（{what}）", status=502) from None
    if not isinstance(data, dict):
        raise RPError(f"统一身份认证平台的应答无法解析（{what}）", status=502)
    return data


def discover(issuer: str) -> Provider:
    """The discovery document; its issuer must equal ours exactly (OIDC Discovery 4.3)."""
    data = _get_json(f"{issuer}/.well-known/openid-configuration", what="discovery")
    if data.get("issuer") != issuer:
        raise RPError(
            "统一身份认证平台的 issuer 与配置不符", status=502, detail=str(data.get("issuer"))[:200]
        )
    if "S256" not in data.get("code_challenge_methods_supported", []):
        raise RPError("统一身份认证平台不支持 PKCE S256", status=502)
    try:
        return Provider(
            issuer=issuer,
            authorization_endpoint=data["authorization_endpoint"],
            token_endpoint=data["token_endpoint"],
            userinfo_endpoint=data["userinfo_endpoint"],
            jwks_uri=data["jwks_uri"],
            end_session_endpoint=data.get("end_session_endpoint", ""),
        )
    except KeyError as exc:
        raise RPError("统一身份认证平台的 discovery 文档缺少端点", status=502, detail=str(exc)) from None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_flow() -> dict:
    """Fresh state, nonce and PKCE verifier for one sign-in attempt."""
    return {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),  # 64 characters, within RFC 7636's 43-128
        "started": int(time.time()),
    }


def code_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def authorization_url(provider: Provider, *, client_id: str, redirect_uri: str, flow: dict) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": code_challenge(flow["verifier"]),
        "code_challenge_method": "S256",
    }
    return f"{provider.authorization_endpoint}?{urlencode(query)}"


def exchange_code(
    provider: Provider, *, client_id: str, client_secret: str, code: str, redirect_uri: str, verifier: str
) -> dict:
    """The token endpoint (client_secret_basic): code + PKCE verifier -> tokens."""
    try:
        response = http_session().post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client_id, client_secret),
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RPError("无法连接统一身份认证平台（令牌）", status=502, detail=str(exc)[:200]) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200:
        error = data.get("error", "") if isinstance(data, dict) else ""
        raise RPError(
            "换取令牌失败：授权码无效、已使用或已过期，请重新登录",
            detail=f"HTTP {response.status_code} {error}",
        )
    if not isinstance(data, dict) or not data.get("id_token") or not data.get("access_token"):
        raise RPError("统一身份认证平台没有返回身份令牌", status=502)
    if str(data.get("token_type", "")).lower() != "bearer":
        raise RPError("统一身份认证平台返回的令牌类型不对", status=502)
    return data


def fetch_keys(provider: Provider) -> jwk.JWKSet:
    data = _get_json(provider.jwks_uri, what="JWKS")
    try:
        return jwk.JWKSet.from_json(json.dumps(data))
    except (JWException, ValueError, TypeError):
        raise RPError("统一身份认证平台的公钥集无法解析", status=502) from None


def verify_id_token(id_token: str, *, keys: jwk.JWKSet, issuer: str, client_id: str, nonce: str) -> dict:
    """The signature (RS256, a key of the JWKS), then iss, aud, azp, exp, iat and nonce
    (OIDC Core 3.1.3.7). Any failure refuses the sign-in."""
    try:
        token = jwt.JWT(
            algs=["RS256"], expected_type="JWS", check_claims={"exp": None, "iat": None, "sub": None}
        )
        token.leeway = CLOCK_SKEW
        token.deserialize(id_token, keys)
        claims = json.loads(token.claims)
    except (JWException, ValueError, TypeError) as exc:
        raise RPError("身份令牌校验失败：签名无效或令牌已过期", detail=type(exc).__name__) from None
    if not isinstance(claims, dict):
        raise RPError("身份令牌校验失败：内容无法解析")
    if claims.get("iss") != issuer:
        raise RPError("身份令牌校验失败：签发方不符")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise RPError("身份令牌校验失败：接收方不是本系统")
    if "azp" in claims and claims["azp"] != client_id:
        raise RPError("身份令牌校验失败：接收方不是本系统")
    if not isinstance(claims.get("iat"), int) or claims["iat"] > time.time() + CLOCK_SKEW:
        raise RPError("身份令牌校验失败：签发时间不对")
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise RPError("身份令牌校验失败：nonce 不符（可能是重放）")
    return claims


def fetch_userinfo(provider: Provider, *, access_token: str, sub: str) -> dict:
    """Userinfo with the access token; its `sub` must be the ID token's (OIDC Core 5.3.2)."""
    info = _get_json(
        provider.userinfo_endpoint, what="userinfo", headers={"Authorization": f"Bearer {access_token}"}
    )
    if info.get("sub") != sub:
        raise RPError("用户信息与身份令牌不是同一个人", status=502)
    return info


def logout_url(
    provider: Provider, *, id_token: str, client_id: str, post_logout_redirect_uri: str, state: str
) -> str:
    """RP-initiated logout (OIDC RP-Initiated Logout 1.0): ends the platform session too."""
    query = {
        "id_token_hint": id_token,
        "client_id": client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    return f"{provider.end_session_endpoint}?{urlencode(query)}"
