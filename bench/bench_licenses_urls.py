"""The product's URLs plus two bench-only views for bench/licenses.py:

- /bench/bare/<identifier>/: one indexed lookup (a licence by its unique identifier) and a small
  JSON answer, through the same middleware: the baseline;
- /bench/verify-nolog/<identifier>/: the API's verification — the same bearer-token check, the
  same service and answer — with the usage log's insert replaced by nothing, to show what the log
  costs. granian runs each worker with one blocking thread, so the swap touches no other request.
"""

from django.http import Http404, JsonResponse
from django.urls import path

from tongban.apiauth import bearer
from tongban.licences import services, usage_log
from tongban.licences.models import Licence
from tongban.urls import urlpatterns as product_urlpatterns


def bare(request, identifier):
    row = Licence.objects.filter(identifier=identifier).values_list("identifier", "name").first()
    if row is None:
        raise Http404
    return JsonResponse({"identifier": row[0], "name": row[1]})


def verify_nolog(request, identifier):
    actor = bearer(request)
    if actor is None:
        return JsonResponse({"code": "unauthorized"}, status=401)
    append = usage_log.append
    usage_log.append = lambda rows: rows
    try:
        check = services.verify_and_log(actor, identifier)
    finally:
        usage_log.append = append
    return JsonResponse({"identifier": check.identifier, "valid": check.valid, "reasons": check.codes})


urlpatterns = [
    path("bench/bare/<str:identifier>/", bare),
    path("bench/verify-nolog/<str:identifier>/", verify_nolog),
    *product_urlpatterns,
]
