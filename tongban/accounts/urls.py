from django.urls import path

from . import login_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", login_views.login_view, name="login"),
    path("login/code/", login_views.send_login_code, name="send_code"),
    path("login/totp/", login_views.totp_view, name="totp"),
    path("login/totp/enrol/", login_views.totp_enrol_view, name="totp_enrol"),
    path("logout/", login_views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("me/", views.me, name="me"),
    path("me/verify/", views.verify, name="verify"),
    path("me/email/", views.email, name="email"),
    path("me/email/remove/", views.remove_email, name="remove_email"),
    path("me/enterprises/claim/", views.claim_legal_person, name="claim"),
    path("me/enterprises/<int:legal_person_id>/agents/new/", views.grant_mandate, name="grant_mandate"),
    path("me/mandates/<int:pk>/revoke/", views.revoke_mandate, name="revoke_mandate"),
    path("me/helpers/new/", views.grant_consent, name="grant_consent"),
    path("me/consents/<int:pk>/revoke/", views.revoke_consent, name="revoke_consent"),
    path("me/sessions/<int:pk>/end/", views.end_session, name="end_session"),
    path("acting/", views.switch_acting, name="acting"),
]
