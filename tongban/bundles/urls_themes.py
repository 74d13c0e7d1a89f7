"""urls_themes: patterns under /bundles/ (filled by its part): the themes list and a theme's guide,
and the themes workbench under /bundles/workbench/themes/."""

from django.urls import path, register_converter

from . import views_themes
from . import views_themes_workbench as wb


class ThemeCode:
    """A theme code (lower-case letters, digits, hyphens) that is not one of the app's own
    path words, so `/bundles/workbench/...` and the other parts' pages never reach a guide."""

    regex = r"(?!(?:workbench|applications|application|my|mine|status|apply)/)[a-z0-9][a-z0-9-]{1,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ThemeCode, "themecode")

urlpatterns: list = [
    path("", views_themes.theme_list, name="theme_list"),
    path("workbench/themes/", wb.wb_list, name="wb_themes"),
    path("workbench/themes/new/", wb.wb_new, name="wb_theme_new"),
    path("workbench/themes/import/", wb.wb_import, name="wb_theme_import"),
    path("workbench/themes/<themecode:code>/", wb.wb_theme, name="wb_theme"),
    path("workbench/themes/<themecode:code>/export.json", wb.wb_export_json, name="wb_theme_json"),
    path("workbench/themes/<themecode:code>/export.xlsx", wb.wb_export_xlsx, name="wb_theme_xlsx"),
    path("workbench/themes/<themecode:code>/new-version/", wb.wb_new_version, name="wb_theme_new_version"),
    path("workbench/themes/versions/<int:pk>/edit/", wb.wb_edit, name="wb_version_edit"),
    path("workbench/themes/versions/<int:pk>/submit/", wb.wb_submit, name="wb_version_submit"),
    path("workbench/themes/versions/<int:pk>/review/", wb.wb_review, name="wb_version_review"),
    path("workbench/themes/versions/<int:pk>/withdraw/", wb.wb_withdraw, name="wb_version_withdraw"),
    path("<themecode:code>/", views_themes.theme_guide, name="theme_guide"),
]
