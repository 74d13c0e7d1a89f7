"""Open311 GeoReport v2 facade at /open311/v2/ (filled by its part)."""

urlpatterns: list = []
