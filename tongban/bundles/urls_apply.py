"""urls_apply: patterns under /bundles/ (filled by its part)."""

urlpatterns: list = []
