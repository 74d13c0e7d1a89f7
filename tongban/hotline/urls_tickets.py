"""urls_tickets: patterns under /hotline/ (filled by its part)."""

urlpatterns: list = []
