"""演示部门业务系统, mounted at /demo/department/ (tongban/urls.py)."""

from django.urls import path

from . import views

app_name = "demo_rp"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("signout/", views.local_signout, name="local_signout"),
    path("signed-out/", views.signed_out, name="signed_out"),
]
