"""URLs under /bundles/: each part of the app lists its own patterns in its urls_<part> module."""

from . import urls_apply, urls_themes

app_name = "bundles"
urlpatterns: list = []
urlpatterns += urls_themes.urlpatterns
urlpatterns += urls_apply.urlpatterns
