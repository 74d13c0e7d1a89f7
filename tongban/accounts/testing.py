"""Test helpers other apps' tests share (kept out of production code paths): a department system's
access token, obtained the way a real system gets one (client_credentials at /o/token/)."""

from __future__ import annotations

import base64

from django.test import Client

from . import clients

SYSTEM = "system:test"


def system_token(department) -> str:
    """Register a client_credentials client (`api` scope) for `department` and return an access
    token issued to it by the token endpoint."""
    registered = clients.do_register_client(
        actor=SYSTEM,
        name=f"{department.name}业务系统",
        department_id=department.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
    )
    basic = base64.b64encode(f"{registered.client.client_id}:{registered.secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    return r.json()["access_token"]
