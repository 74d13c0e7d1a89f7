"""The CKAN action API facade, under /api/: /api/3/action/<name> and /api/action/<name> (the
unversioned form, which ckanapi calls), both served by CKAN itself."""

from django.urls import path

from . import views_export

app_name = "ckan"
urlpatterns = [
    path("3/action/<str:action>", views_export.ckan_action, name="action"),
    path("action/<str:action>", views_export.ckan_action, name="action-unversioned"),
]
