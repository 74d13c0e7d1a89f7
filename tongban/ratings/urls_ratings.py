"""urls_ratings: patterns under /ratings/ (filled by its part)."""

urlpatterns: list = []
