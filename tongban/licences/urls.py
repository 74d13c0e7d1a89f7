"""Licence pages, mounted at /licences/ (tongban/urls.py): the holder's pages and the two public
pages QR codes open (verification of a face, a presented licence)."""

from django.urls import path

from . import views

app_name = "licences"

urlpatterns = [
    path("", views.my_licences, name="mine"),
    path("verify/<str:identifier>/<str:code>/", views.verify_page, name="verify"),
    path("shown/<str:token>/", views.shown, name="shown"),
    path("<str:identifier>/", views.licence_page, name="licence"),
    path("<str:identifier>/licence.pdf", views.licence_pdf, name="pdf"),
    path("<str:identifier>/present/", views.present, name="present"),
    path("<str:identifier>/present/code/", views.present_code, name="present_code"),
]
