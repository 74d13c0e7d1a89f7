"""URLs under /exchange/."""

from django.urls import path

from . import views_gateway

app_name = "exchange"
urlpatterns: list = []
urlpatterns += [
    path("v1/services/<str:code>/query", views_gateway.query, name="gateway-query"),
    path("v1/services/<str:code>/batch", views_gateway.batch, name="gateway-batch"),
]
