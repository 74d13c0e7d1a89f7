"""URLs under /ratings/: each part of the app lists its own patterns in its urls_<part> module."""

from . import urls_ratings

app_name = "ratings"
urlpatterns: list = []
urlpatterns += urls_ratings.urlpatterns
