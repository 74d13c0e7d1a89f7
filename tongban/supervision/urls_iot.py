"""urls_iot: patterns under /supervision/ (filled by its part)."""

urlpatterns: list = []
