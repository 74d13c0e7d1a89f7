"""How API callers authenticate, shared by the apps' ninja routers: people and staff with their
session (CSRF-checked on unsafe methods), department systems with a client_credentials bearer
token carrying the `api` scope.

A department system becomes a `SystemActor` of its client's department (no person behind it).
Which object a caller may see or change is decided in each app's services, not here.

This is the project-level home of what `tongban.cases.permissions` built first; `licences` uses
it (it may not import `cases`), and `cases` can switch to it (its `SystemActor` is the same
shape, so the services of both apps accept either).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from tongban.accounts import queries as account_queries

API_SCOPE = "api"


@dataclass(frozen=True)
class SystemActor:
    """A department system calling with a client_credentials token: it acts for its own
    department only, never as a person. Labelled `system:client:<client_id>`."""

    client_id: str
    department_id: int
    pk = None
    is_authenticated = True
    is_staff = False
    is_superuser = False

    @property
    def label(self) -> str:
        return f"system:client:{self.client_id}"


class ClientBearer(HttpBearer):
    """`Authorization: Bearer <access token>` of a department system."""

    def authenticate(self, request, token: str):
        info = account_queries.client_for_token(token)
        if info is None or API_SCOPE not in info["scopes"] or info["department_id"] is None:
            return None
        return SystemActor(client_id=info["client_id"], department_id=info["department_id"])


class Session(APIKeyCookie):
    """The signed-in person or officer. Unsafe methods need the CSRF token. A request that
    carries a bearer token is not a session request: an invalid token is a 401, not a CSRF
    refusal."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request):
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


session = Session()
bearer = ClientBearer()
SESSION_OR_SYSTEM = [bearer, session]
