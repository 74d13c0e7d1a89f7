"""Mounted at /notices/ (tongban/urls.py): the public verification page and the notice PDFs."""

from django.urls import path

from . import notice_views

app_name = "notices"

urlpatterns = [
    path("verify/<str:code>/", notice_views.verify, name="verify"),
    path("<str:number>/<str:notice_number>.pdf", notice_views.notice_pdf, name="pdf"),
]
