"""urls_iot: the IoT part's pages under /supervision/iot/."""

from django.urls import path

from . import views_iot

urlpatterns: list = [
    path("iot/sites/", views_iot.sites, name="iot_sites"),
    path("iot/sites/<int:pk>/", views_iot.site, name="iot_site"),
]
