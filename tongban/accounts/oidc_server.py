"""The OAuth 2.0 / OpenID Connect server the toolkit runs (`OIDC_SERVER_CLASS`), and what the
token endpoint remembers about exchanged authorization codes.

Only what the platform documents is enabled: the authorization-code flow (with PKCE, enforced
by the validator), refresh tokens and client credentials. oauthlib's ready-made server also
answers the resource-owner password grant (a password check outside sign-in: no lockout, no
TOTP, no login record, and different errors for right and wrong passwords), the implicit and
hybrid flows, the device flow and JWT bearer tokens; here they do not exist. Any other
`grant_type` is answered `unsupported_grant_type` before the client is even authenticated, so
the answer is the same for every client, known or not, and every credential.

Authorization-code replay (RFC 6749 §4.1.2): the toolkit deletes a code when it is exchanged,
so a second use cannot be told from a forged code. `remember_exchange` keeps, in the shared
cache under a digest of the code, which tokens the exchange issued (the access token and the
refresh-token family); when the code comes again `revoke_exchange` revokes them all (the
family's refresh and access tokens, the first access token and its ID token).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import transaction
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid import Server

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
RESPONSE_TYPES = ("code",)


class _UnsupportedGrant:
    """The handler of every grant type that is not enabled."""

    def create_token_response(self, request, token_handler):
        error = errors.UnsupportedGrantTypeError(request=request)
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
        return {**headers, **error.headers}, error.json, error.status_code


class TongbanServer(Server):
    """oauthlib's OpenID Connect server reduced to the documented grants and the `code` response
    type, with bearer tokens only."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self._grant_types = {name: self._grant_types[name] for name in GRANT_TYPES}
        self._response_types = {name: self._response_types[name] for name in RESPONSE_TYPES}
        self._tokens = {"Bearer": self.bearer}
        self._unsupported = _UnsupportedGrant()

    @property
    def default_grant_type_handler(self):
        # oauthlib sends an unknown grant_type to the default grant; here it is refused as such.
        return self._unsupported


# --- Exchanged authorization codes ------------------------------------------------------


def _exchange_key(client_pk, code: str) -> str:
    return f"oidc:code-exchanged:{client_pk}:{hashlib.sha256(code.encode('utf-8')).hexdigest()}"


def remember_exchange(
    *, client_pk, code: str, access_token_pk, id_token_pk, token_family, lifetime: int
) -> tuple[dict, dict | None]:
    """Note which tokens the exchange of `code` issued, for `lifetime` seconds (as long as a
    token issued from it can live without a rotation). Returns this exchange's record and, when
    another exchange of the same code got there first (two requests raced past the code check
    before either deleted it), that one's record (else None): the caller revokes both."""
    record = {
        "access": access_token_pk,
        "id": id_token_pk,
        "family": str(token_family) if token_family else "",
    }
    key = _exchange_key(client_pk, code)
    if cache.add(key, record, timeout=lifetime):
        return record, None
    return record, cache.get(key) or {}


def was_exchanged(*, client_pk, code: str) -> dict | None:
    return cache.get(_exchange_key(client_pk, code))


def revoke_exchange(exchange: dict) -> int:
    """Revoke every token issued from one code exchange; returns how many access tokens went."""
    from oauth2_provider.models import get_access_token_model, get_id_token_model, get_refresh_token_model

    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    with transaction.atomic():
        access_pks = {exchange["access"]} if exchange.get("access") else set()
        family = (
            refresh_model.objects.filter(token_family=exchange["family"]) if exchange.get("family") else None
        )
        if family is not None:
            access_pks |= set(family.exclude(access_token=None).values_list("access_token_id", flat=True))
            access_pks |= set(
                access_model.objects.filter(source_refresh_token__in=family).values_list("pk", flat=True)
            )
        tokens = access_model.objects.filter(pk__in=access_pks)
        id_tokens = set(tokens.exclude(id_token=None).values_list("id_token_id", flat=True))
        if exchange.get("id"):
            id_tokens.add(exchange["id"])
        gone = tokens.count()
        if family is not None:
            refresh_model.revoke_family(exchange["family"])
        tokens.delete()
        get_id_token_model().objects.filter(pk__in=id_tokens).delete()
    return gone
