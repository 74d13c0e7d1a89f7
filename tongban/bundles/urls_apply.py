"""urls_apply: the applicant's bundle pages under /bundles/ (submission, status, withdrawal,
pickup choice) and the 综合窗口 pickup desk."""

from django.urls import path, register_converter

from . import urls_themes, views_apply  # urls_themes registers the "themecode" converter


class BundleNumber:
    """联办编号: LB, region (6), date (8), 8 random digits."""

    regex = r"LB[0-9]{22}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BundleNumber, "bundlenumber")
_THEMES = urls_themes.ThemeCode

urlpatterns: list = [
    path("applications/", views_apply.applications, name="applications"),
    path("applications/window/", views_apply.window, name="window"),
    path("applications/<bundlenumber:number>/", views_apply.application, name="application"),
    path("applications/<bundlenumber:number>/withdraw/", views_apply.withdraw, name="withdraw"),
    path("applications/<bundlenumber:number>/pickup/", views_apply.pickup_choice, name="pickup"),
    path("<themecode:code>/apply/", views_apply.apply, name="apply"),
    path("<themecode:code>/window/", views_apply.window_apply, name="window_apply"),
]
