"""The clerk's identity desk and staff role administration (/workbench/identity/)."""

from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("find/", views.find_person, name="find"),
    path("walk-in/", views.walk_in, name="walk_in"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/verify/", views.verify_in_person, name="verify"),
    path("people/<int:pk>/consent/", views.hall_consent, name="consent"),
    path("staff/", views.staff_roles, name="staff"),
    path("staff/new/", views.create_staff, name="create_staff"),
    path("staff/<int:pk>/roles/", views.set_staff_roles, name="set_roles"),
]
