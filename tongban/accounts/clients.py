"""Registering department systems as OIDC clients (接入系统), by platform administrators.

The secret is shown once: it is stored hashed (the toolkit's `ClientSecretField`, Django's
password hasher) and cannot be read back, only replaced. A registration may bring its own
client_id and secret (a system configured from its deployment settings, such as the demo
department system) and can be updated in place: redirect URIs, client_id, secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth.hashers import check_password
from django.db import transaction
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.settings import oauth2_settings

from tongban.core import audit
from tongban.core.crypto import constant_time_equal
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.queries import get_department

from .models import Client, User

GRANT_TYPES = {
    "authorization_code": Client.GRANT_AUTHORIZATION_CODE,
    "client_credentials": Client.GRANT_CLIENT_CREDENTIALS,
}


CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,100}")
MIN_SECRET_LENGTH = 20


@dataclass(frozen=True)
class RegisteredClient:
    client: Client
    secret: str  # plain text: shown to the administrator once, never stored


def check_redirect_uri(uri: str, *, field: str = "redirect_uris") -> str:
    """An absolute http(s) URI without wildcard, fragment or credentials: matched exactly."""
    uri = uri.strip()
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.field(field, f"{uri} 不是以 http:// 或 https:// 开头的完整地址")
    if "*" in uri:
        raise InvalidInput.field(field, f"{uri} 含通配符：回调地址必须逐字登记，不支持通配")
    if "#" in uri or "@" in parts.netloc:
        raise InvalidInput.field(field, f"{uri} 不能含片段（#）或用户名密码")
    return uri


def _check_uris(uris, field: str) -> list[str]:
    if isinstance(uris, str):
        uris = uris.split()
    out = []
    for uri in uris:
        checked = check_redirect_uri(uri, field=field)
        if checked not in out:
            out.append(checked)
    return out


def check_client_id(client_id: str, *, exclude_pk: int | None = None) -> str:
    """8-100 URL-safe characters, not taken by another registration."""
    client_id = (client_id or "").strip()
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise InvalidInput.field("client_id", "client_id 须为 8-100 位字母、数字或 . _ ~ -")
    taken = Client.objects.filter(client_id=client_id)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput.field("client_id", f"client_id {client_id} 已被其他接入系统使用")
    return client_id


def check_client_secret(secret: str) -> str:
    secret = secret or ""
    if len(secret) < MIN_SECRET_LENGTH or secret != secret.strip():
        raise InvalidInput.field(
            "client_secret", f"client_secret 至少 {MIN_SECRET_LENGTH} 位，首尾不能有空格"
        )
    return secret


def check_scopes(scopes) -> list[str]:
    if isinstance(scopes, str):
        scopes = scopes.split()
    scopes = list(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in scopes if s not in oauth2_settings.SCOPES]
    if unknown:
        raise InvalidInput.field("allowed_scopes", f"未知的数据范围：{' '.join(unknown)}")
    return scopes


def do_register_client(
    *,
    actor,
    name: str,
    department_id: int | None,
    redirect_uris=(),
    allowed_scopes=("openid", "profile"),
    trusted: bool = False,
    grant_types=("authorization_code",),
    post_logout_redirect_uris=(),
    description: str = "",
    contact: str = "",
    client_id: str = "",
    client_secret: str = "",
) -> RegisteredClient:
    """Register a department system. `grant_types`: "authorization_code" (people sign in;
    refresh tokens come with it) and/or "client_credentials" (system-to-system calls; a
    separate client, since the toolkit allows one grant type per client). A `trusted`
    first-party system skips the consent page. `client_id` and `client_secret` are generated
    unless given (a system whose credentials come from its own deployment settings)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "请填写接入系统名称")
    grant_types = list(grant_types) if not isinstance(grant_types, str) else [grant_types]
    if len(grant_types) != 1 or grant_types[0] not in GRANT_TYPES:
        raise InvalidInput.field(
            "grant_types",
            "请选择一种授权方式：authorization_code（用户登录）或 client_credentials（系统调用）",
        )
    grant = GRANT_TYPES[grant_types[0]]
    redirect_uris = _check_uris(redirect_uris, "redirect_uris")
    post_logout = _check_uris(post_logout_redirect_uris, "post_logout_redirect_uris")
    scopes = check_scopes(allowed_scopes)
    if grant == Client.GRANT_AUTHORIZATION_CODE:
        if not redirect_uris:
            raise InvalidInput.field("redirect_uris", "用户登录方式至少需要登记一个回调地址")
        if "openid" not in scopes:
            raise InvalidInput.field("allowed_scopes", "用户登录方式必须包含 openid")
    else:
        if redirect_uris:
            raise InvalidInput.field("redirect_uris", "系统调用方式不使用回调地址")
        if set(scopes) - {"api"}:
            raise InvalidInput.field("allowed_scopes", "系统调用方式只能申请 api 范围")
    if department_id is not None:
        department_id = get_department(department_id).pk  # id or credit code; NotFound otherwise
    client_id = check_client_id(client_id) if client_id else generate_client_id()
    secret = check_client_secret(client_secret) if client_secret else generate_client_secret()
    client = Client(
        client_id=client_id,
        client_secret=secret,
        hash_client_secret=True,
        name=name,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout),
        algorithm=Client.RS256_ALGORITHM,
        skip_authorization=bool(trusted),
        department_id=department_id,
        allowed_scopes=" ".join(scopes),
        description=description.strip(),
        contact=contact.strip(),
        user=actor if isinstance(actor, User) else None,
    )
    with transaction.atomic():
        client.save()
        audit.record(
            actor=actor,
            action="accounts.oidc.client_register",
            obj=client,
            data={
                "client_id": client.client_id,
                "name": name,
                "department": department_id,
                "grant_type": grant,
                "redirect_uris": redirect_uris,
                "allowed_scopes": scopes,
                "trusted": bool(trusted),
            },
        )
    return RegisteredClient(client=client, secret=secret)


def _same_secret(client: Client, secret: str) -> bool:
    if client.hash_client_secret:
        return check_password(secret, client.client_secret)
    return constant_time_equal(secret, client.client_secret)


def do_update_client(
    *,
    actor,
    client_id: str,
    redirect_uris=None,
    post_logout_redirect_uris=None,
    new_client_id: str | None = None,
    client_secret: str | None = None,
) -> bool:
    """Change a registration in place: its redirect URIs (the whole list, matched exactly), its
    client_id, its secret. Arguments left as None stay as they are. Writes (and records one
    audit event) only when something differs; returns whether it did. Tokens already issued
    stay bound to the registration, not to the old client_id."""
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(client_id=client_id).first()
        if client is None:
            raise NotFound(f"接入系统 {client_id} 不存在")
        changed: dict = {}
        if redirect_uris is not None:
            uris = " ".join(_check_uris(redirect_uris, "redirect_uris"))
            if client.authorization_grant_type == Client.GRANT_AUTHORIZATION_CODE and not uris:
                raise InvalidInput.field("redirect_uris", "用户登录方式至少需要登记一个回调地址")
            if client.authorization_grant_type != Client.GRANT_AUTHORIZATION_CODE and uris:
                raise InvalidInput.field("redirect_uris", "系统调用方式不使用回调地址")
            if uris != client.redirect_uris:
                client.redirect_uris = uris
                changed["redirect_uris"] = uris.split()
        if post_logout_redirect_uris is not None:
            uris = " ".join(_check_uris(post_logout_redirect_uris, "post_logout_redirect_uris"))
            if uris != client.post_logout_redirect_uris:
                client.post_logout_redirect_uris = uris
                changed["post_logout_redirect_uris"] = uris.split()
        if new_client_id is not None and new_client_id != client.client_id:
            client.client_id = check_client_id(new_client_id, exclude_pk=client.pk)
            changed["client_id"] = client.client_id
        if client_secret is not None and not _same_secret(client, check_client_secret(client_secret)):
            client.client_secret = client_secret
            client.hash_client_secret = True
            changed["client_secret"] = "replaced"  # noqa: S105 - a marker, never the value
        if not changed:
            return False
        client.save()
        audit.record(
            actor=actor,
            action="accounts.oidc.client_update",
            obj=client,
            data={"client_id": client_id, **changed},
        )
    return True


def do_rotate_client_secret(*, actor, client_id: str) -> RegisteredClient:
    """A new secret (shown once); the old one stops working at once."""
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(client_id=client_id).first()
        if client is None:
            raise NotFound(f"接入系统 {client_id} 不存在")
        secret = generate_client_secret()
        client.client_secret = secret
        client.hash_client_secret = True
        client.save(update_fields=["client_secret", "hash_client_secret", "updated"])
        audit.record(
            actor=actor,
            action="accounts.oidc.client_secret_rotate",
            obj=client,
            data={"client_id": client_id},
        )
    return RegisteredClient(client=client, secret=secret)
