"""urls_kb: patterns under /hotline/ (filled by its part)."""

urlpatterns: list = []
