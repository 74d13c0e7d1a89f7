"""The OpenID Provider (统一身份认证 for every department system), on django-oauth-toolkit.

What lives here:

- Signing keys. RSA 2048 keys in `SigningKey`, the private half SM4-encrypted at rest under the
  key-encryption key, bound to its kid (`SIGNING_KEY_PRIVATE`). One key
  is active; `do_rotate_signing_key` makes a new one active and keeps the old one in the JWKS
  until `publish_until` (now + OIDC_KEY_GRACE_HOURS) so ID tokens signed before the rotation
  still verify. The `kid` is the RFC 7638 thumbprint, which is what the toolkit writes into
  the ID token header. Lookups are cached briefly in Django's cache (shared across workers
  when Redis is configured), never in module-level state.
- `TongbanValidator`: the claims, the scope policy (a client gets only scopes it was
  registered for), S256-only PKCE, exact redirect URIs, and notes about why a request was
  refused, which the views in `oidc_views` write into the audit chain.

Why `sub` is the same for every client (public, not pairwise): the departments of one
province are one government serving one person. A case started in one department system and
finished in another, a licence issued by one and checked by another, and the platform's own
"my cases" all have to correlate the same person. Pairwise subjects would force every such
exchange back through the platform to translate identifiers. `User.sub` is random (UUID4),
carries no personal data, and is never reused, so it reveals nothing by itself; the personal
claims (masked phone or ID number) are released only for scopes the client was granted.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk, jws
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from tongban.core import audit
from tongban.core.crypto import constant_time_equal

from . import oidc_server
from .enums import AssuranceLevel
from .models import SIGNING_KEY_PRIVATE, SigningKey

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:oidc"
REFUSED = "accounts.oidc.refused"
# Scopes that describe a signed-in person; a client_credentials token (no person) never has them.
PERSON_SCOPES = frozenset({"openid", "profile", "phone", "id_number", "acting"})
SYSTEM_SCOPES = frozenset({"api"})
ACR_VALUES = [level.acr for level in AssuranceLevel]
CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "name",
    "phone_number",
    "id_number_masked",
    "acting",
]

_CACHE_SECONDS = 60
_ACTIVE_KID_CACHE = "oidc:active-kid"


def _key_cache(kid: str) -> str:
    return f"oidc:signing-key:{kid}"


# --- Signing keys ----------------------------------------------------------------------


def _new_key_row() -> SigningKey:
    key = jwk.JWK.generate(kty="RSA", size=2048)
    kid = key.thumbprint()
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = key.export_to_pem(private_key=True, password=None).decode()
    return SigningKey(kid=kid, private_pem_enc=SIGNING_KEY_PRIVATE.encrypt(pem, kid=kid), public_jwk=public)


def do_rotate_signing_key(*, actor) -> SigningKey:
    """Make a new key active; the old active key(s) stay published for the grace period."""
    now = timezone.now()
    with transaction.atomic():
        old = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True).order_by("pk"))
        grace = now + timedelta(hours=settings.OIDC_KEY_GRACE_HOURS)
        for row in old:
            row.retired_at = now
            row.publish_until = grace
            row.save(update_fields=["retired_at", "publish_until"])
        new = _new_key_row()
        new.save()
        audit.record(
            actor=actor,
            action="accounts.oidc.key_rotate",
            obj=new,
            data={"kid": new.kid, "retired": [r.kid for r in old], "publish_until": grace.isoformat()},
        )
    cache.delete(_ACTIVE_KID_CACHE)
    return new


def _active_kid() -> str:
    kid = cache.get(_ACTIVE_KID_CACHE)
    if kid:
        return kid
    row = (
        SigningKey.objects.filter(retired_at__isnull=True)
        .order_by("-created_at", "-pk")
        .values("kid", "private_pem_enc")
        .first()
    )
    if row is None:
        # The first key is made on first use (a fresh install signs its first ID token). Two
        # workers racing here both create one; both stay published and the newest is used.
        created = _new_key_row()
        with transaction.atomic():
            created.save()
            audit.record(actor=SYSTEM_ACTOR, action="accounts.oidc.key_create", obj=created, data={})
        row = {"kid": created.kid, "private_pem_enc": created.private_pem_enc}
    cache.set(_key_cache(row["kid"]), row["private_pem_enc"], _CACHE_SECONDS)
    cache.set(_ACTIVE_KID_CACHE, row["kid"], _CACHE_SECONDS)
    return row["kid"]


def private_jwk(kid: str) -> jwk.JWK | None:
    """The private key with this kid (active or retired), or None."""
    enc = cache.get(_key_cache(kid))
    if enc is None:
        enc = SigningKey.objects.filter(kid=kid).values_list("private_pem_enc", flat=True).first()
        if enc is None:
            return None
        cache.set(_key_cache(kid), enc, _CACHE_SECONDS)
    return jwk.JWK.from_pem(SIGNING_KEY_PRIVATE.decrypt(enc, kid=kid).encode())


def active_jwk() -> jwk.JWK:
    """The key ID tokens are signed with now (created on first use)."""
    key = private_jwk(_active_kid())
    if key is None:  # the cached kid was deleted under us
        cache.delete(_ACTIVE_KID_CACHE)
        key = private_jwk(_active_kid())
    return key


def published_jwks() -> list[dict]:
    """Public keys relying parties may verify with: the active key and retired keys whose
    grace period has not ended, newest first."""
    _active_kid()  # a fresh install publishes its first key before signing anything
    now = timezone.now()
    rows = SigningKey.objects.filter(retired_at__isnull=True) | SigningKey.objects.filter(
        publish_until__gt=now
    )
    return [row.public_jwk for row in rows.order_by("-created_at", "-pk")]


def public_jwk(kid: str) -> jwk.JWK | None:
    """A published public key by kid (for verifying our own tokens, e.g. id_token_hint)."""
    for data in published_jwks():
        if data.get("kid") == kid:
            return jwk.JWK(**data)
    return None


# --- Refusals --------------------------------------------------------------------------
#
# oauthlib turns a failed check into an error response and drops the reason. The views in
# `oidc_views` open a per-request note (a ContextVar: one value per request context, reset when
# the request ends, so no state is shared between requests); the validator writes the first
# precise reason into it, and the view writes one audit event per refused request.

_refusal: contextvars.ContextVar[dict | None] = contextvars.ContextVar("tongban_oidc_refusal", default=None)


def open_refusal_note() -> tuple[dict, contextvars.Token]:
    note: dict = {}
    return note, _refusal.set(note)


def close_refusal_note(token: contextvars.Token) -> None:
    _refusal.reset(token)


def current_refusal_note() -> dict:
    """This request's note (a throwaway dict outside the OIDC views)."""
    note = _refusal.get()
    return note if note is not None else {}


def note_refusal(reason: str, request=None, **data: Any) -> None:
    note = _refusal.get()
    if note is None or "reason" in note:
        return
    note["reason"] = reason
    client_id = getattr(request, "client_id", None) if request is not None else None
    if client_id:
        note["client_id"] = str(client_id)[:100]
    note.update(data)


def record_refusal(
    *, actor, endpoint: str, reason: str, client_id: str = "", detail: str = "", extra: dict | None = None
) -> None:
    """One refused request into the audit chain, in its own transaction. Never token values."""
    data = {**(extra or {}), "endpoint": endpoint, "reason": reason, "client_id": (client_id or "")[:100]}
    if detail:
        data["detail"] = detail[:200]
    with transaction.atomic():
        audit.record(actor=actor, action=REFUSED, data=data)


def record_logout(*, actor, client_id: str = "") -> None:
    """RP-initiated logout ended the session and deleted the client's tokens."""
    with transaction.atomic():
        audit.record(actor=actor, action="accounts.oidc.logout", data={"client_id": client_id or ""})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# --- The validator -----------------------------------------------------------------------


# --- Claims ----------------------------------------------------------------------------

# The scope that releases each claim. `sub` and `acr` come with `openid`.
CLAIM_SCOPE = {
    "sub": "openid",
    "acr": "openid",
    "name": "profile",
    "phone_number": "phone",
    "id_number_masked": "id_number",
    "acting": "acting",
}
# The user fields `person_claims` reads (and `queries.acting_claim` reads `acting` and the pk):
# a caller that loads a partial user must load at least these.
CLAIM_USER_FIELDS = (
    "id",
    "sub",
    "assurance_level",
    "display_name",
    "username",
    "mobile_masked",
    "id_number_masked",
    "acting",
)


def _acting(user) -> dict:
    from . import queries

    claim = getattr(queries, "acting_claim", None)
    return claim(user) if claim is not None else {"kind": "self"}


def _id_number_masked(user, client):
    # Re-checked against the client's registration at release time, so a grant withdrawn by an
    # administrator stops the claim at once, even on a live token.
    granted = client is not None and "id_number" in client.allowed_scope_set
    return user.id_number_masked if granted else None


# claim -> (user, client) -> value; None leaves the claim out. Same order as CLAIM_SCOPE.
_CLAIM_VALUES = {
    "sub": lambda user, client: str(user.sub),
    "acr": lambda user, client: AssuranceLevel(user.assurance_level).acr,
    "name": lambda user, client: user.display_name or user.username,
    "phone_number": lambda user, client: user.mobile_masked or None,
    "id_number_masked": _id_number_masked,
    "acting": lambda user, client: _acting(user),
}


def person_claims(user, *, scopes, client) -> dict:
    """The claims about a person released to `client` for a token carrying `scopes`, for the ID
    token and for userinfo (the toolkit's path and the lean userinfo view both call this).
    Only the claims whose scope the token carries are computed; claims without a value are
    left out."""
    scopes = set(scopes)
    claims: dict[str, Any] = {}
    for claim, scope in CLAIM_SCOPE.items():
        if scope in scopes:
            value = _CLAIM_VALUES[claim](user, client)
            if value is not None:
                claims[claim] = value
    return claims


# --- userinfo without oauthlib ------------------------------------------------------------
#
# GET/POST /o/userinfo/ is the hottest OIDC endpoint (every relying party calls it after each
# sign-in, some on every page). The toolkit's path builds an oauthlib request, loads the token
# with `select_related("application", "user")` (three model instances from about 60 columns)
# and walks the bearer-token machinery: about 3.5 ms of CPU for one indexed lookup. This path
# answers the plain case -- `Authorization: Bearer <token>` -- with one query of the few columns
# it needs, the same checks in the same order, the same RFC 6750 errors (oauthlib's own error
# classes render them) and the same refusal notes, and `person_claims` for the claims. Anything
# else (no header, a token in the query or body, a resource-restricted token, introspection
# configured, a client model that can be disabled) returns None and takes the toolkit's path.


def _partial(model, data: dict, db: str):
    """A model instance with only these fields loaded (as the ORM does for `.only()`)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in data]
    return model.from_db(db, names, [data[name] for name in names])


def _bearer_refusal(reason: str, error: errors.OAuth2Error) -> tuple[dict, str, int]:
    note_refusal(reason)
    return error.headers, error.json, error.status_code


def lean_userinfo(authorization: str) -> tuple[dict, str, int] | None:
    """(headers, body, status) of the userinfo response for this Authorization header, exactly
    as the toolkit would answer; None when the toolkit's path must answer instead."""
    from oauth2_provider.models import AbstractApplication, get_access_token_model
    from oauth2_provider.scopes import get_scopes_backend

    from .models import Client, User

    parts = authorization.split()  # as oauthlib's get_token_from_header
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    if (
        oauth2_settings.RESOURCE_SERVER_INTROSPECTION_URL
        or Client.is_usable is not AbstractApplication.is_usable
    ):
        return None
    rows = get_access_token_model().objects.filter(
        token_checksum=hashlib.sha256(parts[1].encode("utf-8")).hexdigest()
    )
    # `token_checksum` is unique: no ORDER BY (what `.first()` adds costs compiling and a sort).
    found = rows.values(
        "expires",
        "scope",
        "resource",
        "application_id",
        "application__allowed_scopes",
        *(f"user__{name}" for name in CLAIM_USER_FIELDS),
    )[:1]
    row = next(iter(found), None)
    # The toolkit's order: unknown, expired, missing scope (its bearer check), then no person.
    if row is None:
        return _bearer_refusal("token_invalid", errors.InvalidTokenError())
    if row["resource"]:
        return None  # RFC 8707 audience check: the toolkit's path
    if not row["expires"] or timezone.now() >= row["expires"]:
        return _bearer_refusal("token_expired", errors.InvalidTokenError())
    if "openid" not in row["scope"].split():
        return _bearer_refusal("insufficient_scope", errors.InvalidTokenError())
    if row["user__id"] is None:
        # A client_credentials token names a system, not a person.
        return _bearer_refusal(
            "token_has_no_user",
            errors.InvalidTokenError(description="This token does not belong to a person."),
        )
    user = _partial(User, {name: row[f"user__{name}"] for name in CLAIM_USER_FIELDS}, rows.db)
    client = None
    if row["application_id"] is not None:
        client = _partial(
            Client,
            {"id": row["application_id"], "allowed_scopes": row["application__allowed_scopes"]},
            rows.db,
        )
    # The toolkit hands the claims the token's scopes that are known to SCOPES.
    token_scopes = row["scope"].split()
    scopes = [name for name in get_scopes_backend().get_all_scopes() if name in token_scopes]
    claims = person_claims(user, scopes=scopes, client=client)
    return {"Content-Type": "application/json"}, json.dumps(claims), 200


class TongbanValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with the platform's claims and policies."""

    oidc_claim_scope = CLAIM_SCOPE

    def get_oidc_claims(self, token, token_handler, request):
        # The toolkit's scopes on the request are the token's scopes known to SCOPES.
        return person_claims(request.user, scopes=request.scopes, client=getattr(request, "client", None))

    def get_discovery_claims(self, request):
        return list(CLAIMS_SUPPORTED)

    def get_userinfo_claims(self, request):
        if getattr(request, "user", None) is None:
            # A client_credentials token names a system, not a person.
            note_refusal("token_has_no_user", request)
            raise errors.InvalidTokenError(description="This token does not belong to a person.")
        return super().get_userinfo_claims(request)

    # -- scopes

    def _allowed_scopes(self, client, request) -> set[str]:
        allowed = set(client.allowed_scope_set) & set(oauth2_settings.SCOPES)
        if getattr(request, "grant_type", None) == "client_credentials":
            allowed &= SYSTEM_SCOPES
        return allowed

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        refused = set(scopes) - self._allowed_scopes(client, request)
        if refused:
            note_refusal("scope_not_allowed", request, scopes=sorted(refused))
            return False
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        if getattr(request, "grant_type", None) == "client_credentials":
            return sorted(self._allowed_scopes(request.client, request))
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    # -- clients and redirect URIs

    def authenticate_client(self, request, *args, **kwargs):
        ok = super().authenticate_client(request, *args, **kwargs)
        if not ok:
            note_refusal("client_auth_failed", request)
        return ok

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        ok = super().authenticate_client_id(client_id, request, *args, **kwargs)
        if not ok:
            note_refusal("client_auth_failed", request)
        return ok

    def validate_client_id(self, client_id, request, *args, **kwargs):
        ok = super().validate_client_id(client_id, request, *args, **kwargs)
        if not ok:
            note_refusal("unknown_client", request)
        return ok

    @staticmethod
    def _registered(client, redirect_uri: str) -> bool:
        # OIDC Core 3.1.2.1: simple string comparison with a registered URI. This is
        # stricter than the toolkit, which lets a loopback URI use any port (RFC 8252, for
        # native apps); department systems are web servers with fixed addresses.
        return redirect_uri in client.redirect_uris.split()

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        ok = self._registered(request.client, redirect_uri) and super().validate_redirect_uri(
            client_id, redirect_uri, request, *args, **kwargs
        )
        if not ok:
            note_refusal("redirect_uri_mismatch", request)
        return ok

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        request = kwargs.get("request") or (args[0] if args else None)
        ok = self._registered(client, redirect_uri) and super().confirm_redirect_uri(
            client_id, code, redirect_uri, client, *args, **kwargs
        )
        if not ok:
            note_refusal("redirect_uri_mismatch", request)
        return ok

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        ok = super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)
        if not ok:
            note_refusal("grant_type_not_allowed", request, grant_type=str(grant_type)[:40])
        return ok

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        if response_type != "code":  # no implicit, hybrid or "none" flow (see oidc_server)
            note_refusal("response_type_not_allowed", request)
            raise errors.UnsupportedResponseTypeError(request=request)
        ok = super().validate_response_type(client_id, response_type, client, request, *args, **kwargs)
        if not ok:
            note_refusal("response_type_not_allowed", request)
        return ok

    # -- authorization codes and PKCE

    def is_pkce_required(self, client_id, request):
        # At the authorization endpoint: only S256 (oauthlib would accept "plain").
        if getattr(request, "code_challenge", None) is not None and request.code_challenge_method != "S256":
            note_refusal("pkce_method_not_s256", request)
            raise errors.UnsupportedCodeChallengeMethodError(request=request)
        required = super().is_pkce_required(client_id, request)
        if required and getattr(request, "response_type", None) and request.code_challenge is None:
            note_refusal("pkce_missing", request)
        return required

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        ok = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if not ok:
            # A refused code that still exists has expired (a failed check deletes nothing). One
            # that this client exchanged before is a replay (RFC 6749 §4.1.2): every token
            # issued from it is revoked. Any other was forged or belongs to another client.
            if self._grant_model().objects.filter(code=code, application=client).exists():
                note_refusal("code_expired", request)
            elif (exchange := oidc_server.was_exchanged(client_pk=client.pk, code=code)) is not None:
                note_refusal("code_replayed", request, revoked_tokens=oidc_server.revoke_exchange(exchange))
            else:
                note_refusal("code_invalid_or_replayed", request)
        return ok

    def save_bearer_token(self, token, request, *args, **kwargs):
        result = super().save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and getattr(request, "code", None):
            ours, earlier = self._remember_exchange(token, request)
            if earlier is not None:  # the same code exchanged twice at once: neither keeps tokens
                revoked = oidc_server.revoke_exchange(earlier) + oidc_server.revoke_exchange(ours)
                self._grant_model().objects.filter(code=request.code, application=request.client).delete()
                note_refusal("code_replayed", request, revoked_tokens=revoked)
                raise errors.InvalidGrantError(request=request)
        return result

    @staticmethod
    def _remember_exchange(token, request) -> tuple[dict, dict | None]:
        from oauth2_provider.models import get_access_token_model, get_refresh_token_model

        checksum = hashlib.sha256(token["access_token"].encode("utf-8")).hexdigest()
        access = (
            get_access_token_model()
            .objects.filter(token_checksum=checksum)
            .values("pk", "id_token_id")
            .first()
        ) or {"pk": None, "id_token_id": None}
        family = (
            get_refresh_token_model()
            .objects.filter(access_token_id=access["pk"])
            .values_list("token_family", flat=True)
            .first()
        )
        return oidc_server.remember_exchange(
            client_pk=request.client.pk,
            code=request.code,
            access_token_pk=access["pk"],
            id_token_pk=access["id_token_id"],
            token_family=family,
            lifetime=max(
                oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS, oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
            ),
        )

    @staticmethod
    def _grant_model():
        from oauth2_provider.models import get_grant_model

        return get_grant_model()

    def get_code_challenge(self, code, request):
        challenge = super().get_code_challenge(code, request)
        verifier = getattr(request, "code_verifier", None)
        if challenge is not None:
            if verifier is None:
                note_refusal("pkce_missing", request)
            elif not constant_time_equal(_s256(verifier), challenge):
                note_refusal("pkce_mismatch", request)
        return challenge

    # -- refresh and bearer tokens

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        ok = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if not ok:
            note_refusal("refresh_token_invalid", request)
        return ok

    def validate_bearer_token(self, token, scopes, request):
        # An access token is accepted only in the Authorization header (RFC 6750 §2.1): a token
        # in a URL ends up in access logs, browser history and Referer headers, and oauthlib
        # would otherwise take one from the query string or the form body.
        parts = (request.headers.get("Authorization") or "").split()
        if token and not (len(parts) == 2 and parts[0].lower() == "bearer" and parts[1] == token):
            note_refusal("token_not_in_header", request)
            return False
        ok = super().validate_bearer_token(token, scopes, request)
        if not ok:
            error = (getattr(request, "oauth2_error", None) or {}).get("error_description", "")
            reason = "token_expired" if "expired" in str(error) else "token_invalid"
            if getattr(request, "oauth2_error", {}).get("error") == "insufficient_scope":
                reason = "insufficient_scope"
            note_refusal(reason, request)
        return ok

    # -- ID tokens: verify with the key named in the header (old tokens after a rotation)

    def _get_key_for_token(self, token):
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        if isinstance(header, list):
            header = header[0]
        kid = (header or {}).get("kid")
        if not kid:
            return None
        claims = json.loads(unverified.objects["payload"].decode("utf-8"))
        if "aud" not in claims or self._get_client_by_audience(claims["aud"]) is None:
            return None
        return public_jwk(kid)
