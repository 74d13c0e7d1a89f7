"""Open311 GeoReport v2 facade at /open311/v2/ (`open311`)."""

from django.urls import path

from . import open311

urlpatterns: list = [
    path("services.<str:fmt>", open311.services, name="open311_services"),
    path("services/<str:code>.<str:fmt>", open311.service, name="open311_service"),
    path("requests.<str:fmt>", open311.requests, name="open311_requests"),
    path("requests/<str:number>.<str:fmt>", open311.request_one, name="open311_request"),
    path("tokens/<str:token>.<str:fmt>", open311.token, name="open311_token"),
]
