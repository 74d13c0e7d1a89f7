"""urls_apply: the applicant's bundle pages under /bundles/ (submission, status, withdrawal,
pickup choice) and the 综合窗口 pickup desk."""

from django.urls import path, re_path

from . import urls_themes, views_apply  # urls_themes registers the "themecode" converter

_CONVERTER = urls_themes.ThemeCode

NUMBER = r"(?P<number>LB[0-9]{22})"

urlpatterns: list = [
    path("applications/", views_apply.applications, name="applications"),
    path("applications/window/", views_apply.window, name="window"),
    re_path(rf"^applications/{NUMBER}/$", views_apply.application, name="application"),
    re_path(rf"^applications/{NUMBER}/withdraw/$", views_apply.withdraw, name="withdraw"),
    re_path(rf"^applications/{NUMBER}/pickup/$", views_apply.pickup_choice, name="pickup"),
    path("<themecode:code>/apply/", views_apply.apply, name="apply"),
]
