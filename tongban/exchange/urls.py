"""URLs under /exchange/."""

from django.urls import path

from . import views_grants

app_name = "exchange"
urlpatterns: list = []

# Requests and grants (the workbench; views_grants.py).
urlpatterns += [
    path("workbench/requests/", views_grants.requests_home, name="requests"),
    path("workbench/requests/new/<str:code>/", views_grants.request_new, name="request_new"),
    path("workbench/requests/<int:pk>/", views_grants.request_detail, name="request"),
    path("workbench/requests/<int:pk>/approve/", views_grants.request_approve, name="request_approve"),
    path("workbench/requests/<int:pk>/refuse/", views_grants.request_refuse, name="request_refuse"),
    path("workbench/requests/<int:pk>/withdraw/", views_grants.request_withdraw, name="request_withdraw"),
    path("workbench/escalated/", views_grants.escalated, name="escalated"),
    path("workbench/grants/", views_grants.grants_home, name="grants"),
    path("workbench/grants/<int:pk>/", views_grants.grant_detail, name="grant"),
    path(
        "workbench/grants/<int:pk>/<str:action>/",
        views_grants.grant_action,
        name="grant_action",
    ),
]
