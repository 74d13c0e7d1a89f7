"""The OpenID Provider's endpoints: django-oauth-toolkit's views with the platform's policies.

Each view opens a refusal note for the request (see `oidc.note_refusal`); when the request is
refused, one `accounts.oidc.refused` event goes into the audit chain with the reason and the
client id, never a token, code, secret or verifier.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus, urlsplit

from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot
from oauth2_provider.compat import login_not_required
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.settings import oauth2_settings

from . import oidc

# oauthlib error classes -> the reason recorded, when the validator left no precise note.
_ERROR_REASONS = {
    "MissingCodeChallengeError": "pkce_missing",
    "MissingCodeVerifierError": "pkce_missing",
    "UnsupportedCodeChallengeMethodError": "pkce_method_not_s256",
    "MismatchingRedirectURIError": "redirect_uri_mismatch",
    "InvalidRedirectURIError": "redirect_uri_invalid",
    "MissingRedirectURIError": "redirect_uri_missing",
    "InvalidClientIdError": "unknown_client",
    "MissingClientIdError": "client_id_missing",
    "InvalidScopeError": "scope_not_allowed",
    "AccessDeniedError": "consent_denied",
}


def _actor(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else "anonymous"


def _basic_client_id(request) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if not auth.startswith("Basic "):
        return ""
    try:
        return unquote_plus(base64.b64decode(auth[6:]).decode().split(":", 1)[0])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _origin(uri: str) -> str:
    parts = urlsplit(uri or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def continue_to_client(request, response, application=None):
    """Hand a redirect to a client's origin over as a page that navigates on its own.

    Our pages send `Content-Security-Policy: form-action 'self'`, and browsers apply it to
    every redirect that follows a form submission. Signing in (the login form, then this
    endpoint) or answering the consent form would end in a cross-origin redirect the browser
    blocks. When the navigation came from one of our own pages (`Sec-Fetch-Site:
    same-origin`) and leaves for another origin, answer with a page that moves on by meta
    refresh (a new navigation, not part of the form submission), with a link as a fallback.
    Requests from elsewhere (the client's own redirect, non-browser clients) get the 302.
    """
    location = response.get("Location", "")
    own = _origin(request.build_absolute_uri("/"))
    if (
        response.status_code not in (301, 302, 303)
        or request.META.get("HTTP_SEC_FETCH_SITE") != "same-origin"
        or _origin(location) in ("", own)
    ):
        return response
    page = TemplateResponse(
        request,
        "oauth2_provider/tongban_continue.html",
        {"location": location, "application": application},
    )
    add_never_cache_headers(page)
    page["Referrer-Policy"] = "no-referrer"
    return page


class RefusalAuditMixin:
    """Write refused requests into the audit chain (see the module docstring)."""

    endpoint = ""

    def dispatch(self, request, *args, **kwargs):
        note, token = oidc.open_refusal_note()
        try:
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400 and not note.get("recorded"):
                self.record_refused(request, note, self._error_from_body(response))
        finally:
            oidc.close_refusal_note(token)
        return response

    @staticmethod
    def _error_from_body(response) -> dict:
        try:
            return json.loads(response.content or b"{}")
        except (ValueError, AttributeError):
            return {}

    def record_refused(self, request, note: dict, error: dict) -> None:
        client_id = (
            note.get("client_id")
            or request.POST.get("client_id")
            or request.GET.get("client_id")
            or _basic_client_id(request)
        )
        oidc.record_refusal(
            actor=_actor(request),
            endpoint=self.endpoint,
            reason=note.get("reason") or error.get("error") or "refused",
            client_id=client_id or "",
            detail=error.get("error_description", ""),
            extra={k: v for k, v in note.items() if k not in ("reason", "client_id", "recorded")},
        )
        note["recorded"] = True


class AuthorizationView(RefusalAuditMixin, dot.AuthorizationView):
    """Sign-in, then consent (skipped for trusted first-party clients), then the code."""

    endpoint = "authorize"
    template_name = "oauth2_provider/tongban_authorize.html"

    def error_response(self, error, application, **kwargs):
        oauthlib_error = error.oauthlib_error
        note = oidc.current_refusal_note()
        reason = note.get("reason") or _ERROR_REASONS.get(type(oauthlib_error).__name__)
        self.record_refused(
            self.request,
            {**note, "reason": reason or oauthlib_error.error},
            {"error": oauthlib_error.error, "error_description": oauthlib_error.description or ""},
        )
        note["recorded"] = True
        return super().error_response(error, application, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        descriptions = get_scopes_backend().get_all_scopes()
        context["scope_items"] = [
            {"scope": s, "description": descriptions.get(s, s)} for s in context.get("scopes") or []
        ]
        return context

    def redirect(self, redirect_to, application):
        return continue_to_client(self.request, super().redirect(redirect_to, application), application)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class TokenView(RefusalAuditMixin, dot.TokenView):
    """The token endpoint. Every grant type goes to oauthlib (`oidc_server.TongbanServer`), which
    knows only the enabled ones: the toolkit's own device-flow branch is not taken."""

    endpoint = "token"

    def post(self, request, *args, **kwargs):
        response = self.authorization_flow_token_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            # An error raised from the validator's token saving (a code exchanged twice at once)
            # reaches here without oauthlib's headers; its body is the same JSON error.
            response["Content-Type"] = "application/json"
            response["Cache-Control"] = "no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class RevokeTokenView(RefusalAuditMixin, dot.RevokeTokenView):
    endpoint = "revoke"


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class IntrospectTokenView(RefusalAuditMixin, dot.IntrospectTokenView):
    endpoint = "introspect"


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class UserInfoView(RefusalAuditMixin, dot.UserInfoView):
    """Claims about the token's person. The plain case (a bearer token in the Authorization
    header) is answered by `oidc.lean_userinfo` without oauthlib; anything else by the toolkit.
    Both give the same responses and refusal notes."""

    endpoint = "userinfo"

    def create_userinfo_response(self, request):
        lean = oidc.lean_userinfo(request.META.get("HTTP_AUTHORIZATION", ""))
        if lean is None:
            return super().create_userinfo_response(request)
        headers, body, status = lean
        return None, headers, body, status


@method_decorator(login_not_required, name="dispatch")
class LogoutView(RefusalAuditMixin, dot.RPInitiatedLogoutView):
    """RP-initiated logout: ends the platform session (and the tokens the client held)."""

    endpoint = "logout"
    template_name = "oauth2_provider/tongban_logout_confirm.html"

    def do_logout(self, application=None, post_logout_redirect_uri=None, state=None, token_user=None):
        user = token_user or self.request.user
        actor = user if getattr(user, "is_authenticated", False) else "anonymous"
        response = super().do_logout(application, post_logout_redirect_uri, state, token_user)
        oidc.record_logout(actor=actor, client_id=getattr(application, "client_id", ""))
        return continue_to_client(self.request, response, application)

    def error_response(self, error):
        note = oidc.current_refusal_note()
        self.record_refused(
            self.request,
            {**note, "reason": note.get("reason") or type(error).__name__},
            {"error": getattr(error, "error", ""), "error_description": getattr(error, "description", "")},
        )
        note["recorded"] = True
        return super().error_response(error)


@method_decorator(login_not_required, name="dispatch")
class DiscoveryView(dot.ConnectDiscoveryInfoView):
    """`/.well-known/openid-configuration`: what the provider really does."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "subject_types_supported": ["public"],
                "acr_values_supported": oidc.ACR_VALUES,
                "claims_supported": oidc.CLAIMS_SUPPORTED,
                "scopes_supported": list(oauth2_settings.SCOPES),
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token"),
                "introspection_endpoint": self._get_endpoint_url(request, "introspect"),
                "claims_parameter_supported": False,
                "request_parameter_supported": False,
                "request_uri_parameter_supported": False,
            }
        )
        data.pop("client_id_metadata_document_supported", None)
        out = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        out["Access-Control-Allow-Origin"] = "*"
        return out


@method_decorator(login_not_required, name="dispatch")
class JwksView(dot.JwksInfoView):
    """`/.well-known/jwks.json`: the active key and retired keys still in their grace period."""

    def get(self, request, *args, **kwargs):
        response = JsonResponse({"keys": oidc.published_jwks()})
        response["Access-Control-Allow-Origin"] = "*"
        age = oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS
        response["Cache-Control"] = f"public, max-age={age}"
        return response
