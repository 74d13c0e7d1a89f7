"""The product's URLs plus /bench/bare/: one indexed lookup (a user by its unique `sub`) and a
small JSON answer, through the same middleware. The baseline of bench/identity.py."""

from django.contrib.auth import get_user_model
from django.http import Http404, JsonResponse
from django.urls import path

from tongban.urls import urlpatterns as product_urlpatterns


def bare(request, sub):
    row = get_user_model().objects.filter(sub=sub).values_list("sub", "display_name").first()
    if row is None:
        raise Http404
    return JsonResponse({"sub": str(row[0]), "name": row[1]})


urlpatterns = [path("bench/bare/<uuid:sub>/", bare), *product_urlpatterns]
