"""URLs of disclosure on request and public concerns (helper "disclosure"), under /openness/."""

from django.urls import path

from . import views_disclosure as v

urlpatterns = [
    path("requests/", v.my_requests, name="my_requests"),
    path("requests/new/", v.request_new, name="request_new"),
    path("requests/register/", v.register, name="register"),
    path("requests/<int:pk>/", v.request_page, name="request"),
    path("requests/<int:pk>/clarify/", v.request_clarify, name="request_clarify"),
    path("requests/<int:pk>/notice.pdf", v.notice_pdf, name="notice_pdf"),
    path("concerns/", v.concerns_list, name="concerns"),
    path("concerns/<int:pk>/", v.concern_page, name="concern"),
    path("workbench/requests/", v.wb_queue, name="wb_queue"),
    path("workbench/requests/<int:pk>/", v.wb_request, name="wb_request"),
    path("workbench/requests/<int:pk>/<slug:action>/", v.wb_action, name="wb_action"),
    path("workbench/concerns/", v.wb_concerns, name="wb_concerns"),
    path("workbench/concerns/new/", v.wb_concern_new, name="wb_concern_new"),
    path("workbench/concerns/<int:pk>/", v.wb_concern, name="wb_concern"),
    path("workbench/concerns/<int:pk>/<slug:action>/", v.wb_concern_action, name="wb_concern_action"),
]
