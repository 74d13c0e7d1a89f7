"""Applicant pages (/cases/): apply online, my cases, the case page and its actions."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("apply/<str:code>/", views.apply, name="apply"),
    path("progress/", views.progress_lookup, name="progress"),
    path("<str:number>/", views.case_page, name="case"),
    path("<str:number>/submitted/", views.submitted, name="submitted"),
    path("<str:number>/supply/", views.supply, name="supply"),
    path("<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:number>/delivery/", views.choose_delivery, name="delivery"),
    path("<str:number>/files/<int:pk>/", views.material_file, name="file"),
]
