"""Who may call the cases API: people and staff with their session (CSRF-checked on unsafe
methods), department systems with a client_credentials bearer token carrying the `api` scope.

A department system becomes a `services.SystemActor` of its client's department; the services
let it act on that department's cases only. Which case a caller may see or change is decided in
the services (`access_case`, `require_*`), not here.
"""

from __future__ import annotations

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from tongban.accounts import queries as account_queries
from tongban.core.errors import Forbidden

from . import services

API_SCOPE = "api"


class ClientBearer(HttpBearer):
    """`Authorization: Bearer <access token>` of a department system (no person behind it)."""

    def authenticate(self, request, token: str):
        info = account_queries.client_for_token(token)
        if info is None or API_SCOPE not in info["scopes"] or info["department_id"] is None:
            return None
        return services.SystemActor(client_id=info["client_id"], department_id=info["department_id"])


class Session(APIKeyCookie):
    """The signed-in person or officer. Unsafe methods need the CSRF token (django-ninja checks
    it through Django's CsrfViewMiddleware for cookie auth). A request that carries a bearer
    token is not a session request: an invalid token is a 401, not a CSRF refusal."""

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
PEOPLE = [session]
STAFF = [session]
STAFF_OR_SYSTEM = [bearer, session]


def staff_actor(request):
    """The officer or department system calling a back-office endpoint (403 for anyone else)."""
    actor = request.auth
    if isinstance(actor, services.SystemActor) or getattr(actor, "is_staff", False):
        return actor
    raise Forbidden("只有工作人员或部门业务系统可以进行此操作")
