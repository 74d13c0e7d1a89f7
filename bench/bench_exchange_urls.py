"""The product's URLs plus the bench-only baseline of bench/exchange.py:

- POST /bench/exchange/verify/: the same JSON body as the gateway's 核查比对 query
  (`{"subject": "<ID number>", "params": {"name": ...}, ...}`), the subject's blind index, one
  indexed lookup of the population register by it, and `{"match": bool}`: no token, no grant, no
  log, no rate limit, through the same middleware. The ceiling for this stack on this machine.
- POST /bench/exchange/nolog/<code>/query: the gateway's own view (token, grant, fields, purpose,
  rate, expiry, the handler, the projection) with the call log's insert replaced by nothing: what
  the log costs. granian runs each worker with one blocking thread, so the swap touches no other
  request.
- GET /bench/exchange/ping/: the servers' readiness probe.
"""

import json

from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from tongban.accounts.models import PopulationRecord
from tongban.core.crypto import blind_index
from tongban.exchange import calllog, views_gateway
from tongban.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def bare_verify(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        doc = json.loads(request.body)
        subject, name = str(doc["subject"]), str(doc["params"]["name"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("bad query")
    index = blind_index(subject, purpose="id")
    names = list(PopulationRecord.objects.filter(id_number_index=index).values_list("name", flat=True)[:1])
    return JsonResponse({"match": names == [name.strip()]})


@csrf_exempt
def gateway_nolog(request, code):
    # every way the gateway writes its log (append: one row; append_rows: a call's or a batch's rows)
    saved = calllog.append, calllog.append_rows
    calllog.append = lambda **kwargs: 0
    calllog.append_rows = lambda rows: [0] * len(rows)
    try:
        return views_gateway.query(request, code)
    finally:
        calllog.append, calllog.append_rows = saved


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/exchange/verify/", bare_verify),
    path("bench/exchange/nolog/<str:code>/query", gateway_nolog),
    path("bench/exchange/ping/", ping),
    *product_urlpatterns,
]
