"""URLs under /supervision/: each part of the app lists its own patterns in its urls_<part> module."""

from . import urls_draws, urls_entities, urls_iot

app_name = "supervision"
urlpatterns: list = []
urlpatterns += urls_entities.urlpatterns
urlpatterns += urls_draws.urlpatterns
urlpatterns += urls_iot.urlpatterns
