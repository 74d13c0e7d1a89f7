"""Helpers shared by the OpenID Provider tests (test_oidc*.py): citizens and clients built
through the services, PKCE pairs, and the audit events of refused requests."""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import secrets
import socket
from urllib.parse import parse_qs, urlsplit

from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from tongban.accounts import clients, services
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent

SYSTEM = "system:test"
PASSWORD = "Tongban-test-2024!"
_mobiles = itertools.count(13900000001)


def make_citizen(*, display_name: str = "张三", id_number: bool = False):
    """A person (L1, or L2 with `id_number`); `user.test_mobile` is the number to sign in with."""
    mobile = str(next(_mobiles))
    user = services.do_register_person(
        actor=SYSTEM, mobile=mobile, password=PASSWORD, display_name=display_name
    )
    if id_number:
        number = make_resident_id(random.Random(user.pk), region="420102")
        services.do_upsert_population_record(actor=SYSTEM, name=display_name, id_number=number)
        user = services.do_verify_real_name(actor=user, user=user, name=display_name, id_number=number)
    user.test_mobile = mobile
    return user


def make_client(*, redirect_uri: str = "https://dept.example.cn/callback", **kw):
    defaults = {
        "name": "测试部门业务系统",
        "department_id": None,
        "redirect_uris": [redirect_uri],
        "allowed_scopes": "openid profile phone acting",
        "trusted": True,
    }
    defaults.update(kw)
    return clients.do_register_client(actor=SYSTEM, **defaults)


def make_system_client(**kw):
    defaults = {
        "name": "测试部门数据交换",
        "department_id": None,
        "allowed_scopes": "api",
        "grant_types": ["client_credentials"],
    }
    defaults.update(kw)
    return clients.do_register_client(actor=SYSTEM, **defaults)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def basic_auth(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def refusals() -> list[dict]:
    return list(
        AuditEvent.objects.filter(action="accounts.oidc.refused")
        .order_by("seq")
        .values_list("data", flat=True)
    )


def token_rows() -> dict[str, int]:
    return {
        "grants": get_grant_model().objects.count(),
        "access": get_access_token_model().objects.count(),
        "refresh": get_refresh_token_model().objects.count(),
        "id": get_id_token_model().objects.count(),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
