"""URLs under /exchange/."""

from django.urls import path

from . import views_federation

app_name = "exchange"
urlpatterns: list = []
urlpatterns += [
    path("v1/federation/entries", views_federation.register_entries, name="federation-entries"),
]
