"""urls_entities: patterns under /supervision/ (filled by its part)."""

urlpatterns: list = []
