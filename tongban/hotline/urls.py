"""URLs under /hotline/: each part of the app lists its own patterns in its urls_<part> module."""

from . import urls_kb, urls_tickets

app_name = "hotline"
urlpatterns: list = []
urlpatterns += urls_tickets.urlpatterns
urlpatterns += urls_kb.urlpatterns
