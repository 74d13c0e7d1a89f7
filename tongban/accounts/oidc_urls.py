"""The OpenID Provider's URLs, included at the site root under the namespace the toolkit
reverses ("oauth2_provider").

The issuer is the site root (settings.OIDC_ISSUER, or the request's scheme and host when it is
empty), so the discovery document must be exactly issuer + "/.well-known/openid-configuration":
that is where openid-client and mod_auth_openidc look. The protocol endpoints live under /o/.
"""

from django.urls import path

from . import oidc_views as views

app_name = "oauth2_provider"

urlpatterns = [
    path(
        ".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"
    ),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks-info"),
    path("o/authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/introspect/", views.IntrospectTokenView.as_view(), name="introspect"),
    path("o/userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("o/logout/", views.LogoutView.as_view(), name="rp-initiated-logout"),
]
