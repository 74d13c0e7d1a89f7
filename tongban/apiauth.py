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

import hashlib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from oauth2_provider.models import get_access_token_model
from oauth2_provider.settings import oauth2_settings

from tongban.accounts import queries as account_queries

API_SCOPE = "api"
# How long a worker trusts a bearer token it has checked, without asking the database again.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_MAX = 10_000


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
    """`Authorization: Bearer <access token>` of a department system.

    A token found valid is remembered in this process for `TOKEN_CACHE_SECONDS` (5 s), keyed by
    its SHA-256 (the token itself is not kept), with its expiry: a department system calls with
    the same token for its whole life (an hour or more), and looking it up cost more than the
    rest of a verification. Expiry is checked on every request against the stored time. The
    trade-off: a token revoked (deleted) by another worker, or a client whose department or
    scopes change, is still honoured by this worker for at most 5 s; in the worker that deletes
    or saves a token (or a client), a signal forgets that token (or every token) at once. Unknown and refused tokens are not
    remembered (a new token works at once; a flood of made-up tokens fills nothing)."""

    def authenticate(self, request, token: str):
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()  # the toolkit's token_checksum
        now = _clock()
        hit = _tokens.get(key)
        if hit is not None:
            actor, fresh_until, expires = hit
            if now < fresh_until and timezone.now() < expires:
                return actor
            _tokens.pop(key, None)
        info = account_queries.client_for_token(token)
        if info is None or API_SCOPE not in info["scopes"] or info["department_id"] is None:
            return None
        actor = SystemActor(client_id=info["client_id"], department_id=info["department_id"])
        expires = (
            get_access_token_model()
            .objects.filter(token_checksum=key)
            .values_list("expires", flat=True)
            .first()
        )
        if expires is not None:
            with _tokens_lock:
                if len(_tokens) >= TOKEN_CACHE_MAX:
                    _tokens.clear()
                _tokens[key] = (actor, now + TOKEN_CACHE_SECONDS, expires)
        return actor


_clock = time.monotonic
_tokens: dict[str, tuple[SystemActor, float, object]] = {}
_tokens_lock = threading.Lock()


def forget_tokens(**_kwargs) -> None:
    """Drop every remembered token (on any save or delete of a client in this process)."""
    _tokens.clear()


def forget_token(instance=None, **_kwargs) -> None:
    """Drop one remembered token (on a save or delete of that token in this process)."""
    _tokens.pop(getattr(instance, "token_checksum", None) or "", None)


_TOKEN, _CLIENT = oauth2_settings.ACCESS_TOKEN_MODEL, oauth2_settings.APPLICATION_MODEL
post_save.connect(forget_token, sender=_TOKEN, dispatch_uid="apiauth.forget.token.save")
post_delete.connect(forget_token, sender=_TOKEN, dispatch_uid="apiauth.forget.token.delete")
post_save.connect(forget_tokens, sender=_CLIENT, dispatch_uid="apiauth.forget.client.save")
post_delete.connect(forget_tokens, sender=_CLIENT, dispatch_uid="apiauth.forget.client.delete")


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
