"""urls_draws: patterns under /supervision/ (filled by its part)."""

urlpatterns: list = []
