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
]
