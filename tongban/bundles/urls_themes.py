"""urls_themes: patterns under /bundles/ (filled by its part)."""

urlpatterns: list = []
